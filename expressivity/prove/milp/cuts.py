"""Valid inequalities for the program of :mod:`expressivity.prove.milp.program`.

They are written on the normal form of :mod:`expressivity.prove.milp.formulation`; the symmetry
breaking they may rely on (C2 needs S2) is in :mod:`expressivity.prove.milp.symmetry`.

Valid inequalities
------------------
Each holds for every network once it is read into the program with ``d = [z > 0]``:

* C2 (``canonical_cuts``, default on), only when S2 is the parity form on all
  inputs: S2 orders unit 0's pre-activations on pairs of inputs
  (``z(y + e_k) >= z(y)`` for ``k >= 1``, and so on), so its activations and
  hidden values follow the same order, and hidden values differ by at most
  the pre-activations' difference (relu is 1-Lipschitz).
* C1 (``correlation_cuts``, default off: measured slower) and C3
  (``sign_binaries``, default off: fewer nodes, slower overall) are kept as
  options for experiments; see the attributes of
  :class:`~expressivity.prove.milp.formulation.Formulation`.  Both are properties of
  single units, true whatever ``f`` is.

"""
from __future__ import annotations

import functools
import math

import numpy as np
import scipy.sparse as sp

from expressivity.prove.highs import new_highs
from expressivity.prove.milp.rows import _relu_rows, _Rows
from expressivity.verify.exhaustive import input_bits


def _add_canonical_cuts(rows: _Rows, inputs, u, h, d) -> None:
    # C2.  S2 gives u_k >= 0 (k >= 1), u_1 >= ... >= u_{n-1} >= |u_0|, hence z(x) >= z(y)
    # for each pair below; with d = [z > 0] (how a real network is read into the
    # program), d and h = relu(z) are ordered the same way, and h(x) - h(y) <= z(x) - z(y)
    # because relu is monotone and 1-Lipschitz.
    inf = math.inf
    n = inputs.shape[1]
    index = {tuple(int(b) for b in bits): i for i, bits in enumerate(inputs)}
    moves = [({k: 1}, {}, [(u[k], 1.0)]) for k in range(1, n)]  # y -> y + e_k, z grows by u_k
    moves += [({k: 1}, {k + 1: 1}, [(u[k], 1.0), (u[k + 1], -1.0)]) for k in range(1, n - 1)]  # e_{k+1} -> e_k
    if n >= 2:
        moves.append(({n - 1: 1}, {0: 1}, [(u[n - 1], 1.0), (u[0], -1.0)]))  # e_0 -> e_{n-1}
        moves.append(({n - 1: 1, 0: 1}, {}, [(u[n - 1], 1.0), (u[0], 1.0)]))  # y -> y + e_0 + e_{n-1}
    for bits, i in index.items():
        for gain, loss, dz in moves:
            # y = bits must have 0 where x gains and 1 where x loses
            if any(bits[k] for k in gain) or not all(bits[k] for k in loss):
                continue
            other = list(bits)
            for k in gain:
                other[k] = 1
            for k in loss:
                other[k] = 0
            x = index[tuple(other)]
            rows.add([(d[x], 1.0), (d[i], -1.0)], 0.0, inf)  # d(x) >= d(y)
            rows.add([(h[x], 1.0), (h[i], -1.0)], 0.0, inf)  # h(x) >= h(y)
            rows.add([(h[x], 1.0), (h[i], -1.0)] + [(c, -v) for c, v in dz], -inf, 0.0)  # <= z(x) - z(y)


def _subcubes(n: int, min_dim: int):
    """Yield ``(free coordinates, indices of the subcube's inputs, their signs (-1)^(free bits))``."""
    import itertools

    inputs = input_bits(n, 0, 1 << n)
    for m in range(min_dim, n + 1):
        for free in itertools.combinations(range(n), m):
            fixed = [k for k in range(n) if k not in free]
            for values in itertools.product((0, 1), repeat=len(fixed)):
                member = np.all(inputs[:, fixed] == np.array(values, dtype=np.int64), axis=1) if fixed \
                    else np.ones(1 << n, dtype=bool)
                idx = np.flatnonzero(member)
                signs = np.where(inputs[idx][:, list(free)].sum(axis=1) % 2 == 0, 1.0, -1.0)
                yield free, idx, signs


def _add_correlation_cuts(rows: _Rows, n: int, bound: float, h_index) -> None:
    # C1.  Restricted to a subcube of dimension m, a unit's pre-activation is an affine
    # function of the m free bits with |z| <= bound there, so its hidden values have
    # parity correlation sum (-1)^(free bits) relu(z) in [-K_m, K_m] * bound
    # (unit_correlation_bound; the lower end by flipping one free bit).
    for free, idx, signs in _subcubes(n, 2):
        limit = unit_correlation_bound(len(free)) * bound
        for h in h_index:
            rows.add(list(zip(h[idx], signs)), -limit, limit)


def _add_sign_binaries(rows: _Rows, inputs, w_index, h_index, d_index, s_index, w_max, h_max) -> None:
    # C3.  s_jk = 1 when w_jk >= 0 (either value when w_jk = 0).  Along coordinate k a
    # unit's pre-activation, activation d = [z > 0] and relu are monotone in the
    # direction of that sign.
    inf = math.inf
    width, n = w_index.shape
    index = {tuple(int(b) for b in bits): i for i, bits in enumerate(inputs)}
    for j in range(width):
        for k in range(n):
            s = s_index[j, k]
            rows.add([(w_index[j, k], 1.0), (s, -w_max)], -w_max, 0.0)
            for bits, i in index.items():
                if bits[k]:
                    continue
                up = list(bits)
                up[k] = 1
                x = index[tuple(up)]
                d, h = d_index[j], h_index[j]
                rows.add([(d[x], 1.0), (d[i], -1.0), (s, -1.0)], -1.0, inf)  # s=1: d(x) >= d(y)
                rows.add([(d[i], 1.0), (d[x], -1.0), (s, 1.0)], 0.0, inf)  # s=0: d(y) >= d(x)
                rows.add([(h[x], 1.0), (h[i], -1.0), (s, -h_max)], -h_max, inf)
                rows.add([(h[i], 1.0), (h[x], -1.0), (s, h_max)], 0.0, inf)


@functools.lru_cache(maxsize=None)
def unit_correlation_bound(m: int) -> float:
    """``K_m``: the largest parity correlation of one ReLU unit on the m-cube with ``|z| <= 1``.

    ``K_m = max sum_x (-1)^|x| relu(w . x + b)`` over ``w, b`` with ``|w . x + b| <= 1``
    on every ``x`` in ``{0, 1}^m``, found by a small exact MILP and reported as
    HiGHS's dual bound plus ``1e-7`` (so the cut it makes errs on the safe side).

    Examples
    --------
    >>> [round(unit_correlation_bound(m), 6) for m in range(1, 5)]
    [1.0, 1.0, 0.5, 1.0]
    """
    import highspy

    inputs = input_bits(m, 0, 1 << m)
    size = 1 << m
    w_cols, b_col = np.arange(m), m
    h_cols, d_cols = np.arange(m + 1, m + 1 + size), np.arange(m + 1 + size, m + 1 + 2 * size)
    columns = m + 1 + 2 * size
    rows = _Rows()
    _relu_rows(rows, inputs, w_cols, b_col, h_cols, d_cols, np.ones(size))
    signs = np.where(inputs.sum(axis=1) % 2 == 0, 1.0, -1.0)
    matrix = sp.csr_array((rows.vals, (rows.rows, rows.cols)), shape=(len(rows.lower), columns))
    highs = new_highs()
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 1e-9)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = columns, len(rows.lower)
    cost = np.zeros(columns)
    cost[h_cols] = -signs
    lp.col_cost_ = cost
    lower = np.concatenate([np.full(m, -2.0), [-1.0], np.zeros(2 * size)])
    upper = np.concatenate([np.full(m, 2.0), [1.0], np.ones(2 * size)])
    lp.col_lower_, lp.col_upper_ = lower, upper
    inf = highspy.kHighsInf
    lp.row_lower_ = np.where(np.isinf(rows.lower), -inf, rows.lower)
    lp.row_upper_ = np.where(np.isinf(rows.upper), inf, rows.upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = columns, len(rows.lower)
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kContinuous] * (m + 1 + size) + [highspy.HighsVarType.kInteger] * size
    highs.passModel(lp)
    highs.run()
    if highs.modelStatusToString(highs.getModelStatus()) != "Optimal":
        raise RuntimeError(f"could not compute the unit correlation bound for m = {m}")
    return float(-highs.getInfo().mip_dual_bound) + 1e-7


__all__ = ["unit_correlation_bound"]
