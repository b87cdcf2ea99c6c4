"""The mixed-integer program for one ``(n, width, P)``: its columns, their bounds, and its rows.

What the program asks and why its normal form loses no network is said in
:mod:`expressivity.prove.milp.formulation`; the symmetry breaking and cuts it adds are
written in :mod:`expressivity.prove.milp.cuts`; HiGHS solves it in :mod:`expressivity.prove.milp.solve`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from expressivity.errors import InputError, SizeLimitError, check_int, check_positive
from expressivity.prove.milp.cuts import _add_canonical_cuts, _add_correlation_cuts, _add_sign_binaries
from expressivity.prove.milp.symmetry import SymmetryPlan, _add_symmetry_breaking, symmetry_plan
from expressivity.prove.milp.formulation import (
    STRONG, VARIANTS, Formulation, check_groups, default_bound, grid_points, grid_targets, is_constant, is_tied,
    positive_counts, target_function,
)
from expressivity.prove.milp.rows import _relu_rows, _Rows
from expressivity.results.tables import span_text


@dataclass(frozen=True, eq=False)
class MilpModel:
    """One mixed-integer program: ``function`` of ``n`` bits, ``width`` units, ``positive`` of them +1.

    Variables (column indices are in the ``*_index`` arrays): first-layer weights
    ``w`` ``(width, n)`` (``(width, len(groups))`` when tied), biases ``b``
    ``(width,)``, output bias ``c``, the margin ``t`` (sign variant; -1
    otherwise), hidden values ``h`` ``(width, 2^n)`` and binary activations
    ``d`` ``(width, 2^n)`` (1: the unit is active), one column per grid point
    instead of per input when tied.
    Rows are ``row_lower <= matrix @ v <= row_upper``; the objective is to
    minimise ``cost @ v`` (``-t`` for the sign variant, 0 for the exact one).
    ``function`` is the target (a ``BooleanFunction``) and ``symmetry`` the
    symmetry breaking its group allowed (None without ``formulation.symmetry``).
    """

    n: int
    width: int
    positive: int
    variant: str
    formulation: Formulation
    bound: float
    output_signs: np.ndarray
    w_index: np.ndarray
    b_index: np.ndarray
    c_index: int
    t_index: int
    h_index: np.ndarray
    d_index: np.ndarray
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    matrix: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    s_index: np.ndarray | None = None
    groups: tuple[int, ...] = ()
    function: object = None
    symmetry: SymmetryPlan | None = None

    @property
    def tied(self) -> bool:
        """Whether some group of bits shares its weights (``w_index`` is then ``(width, groups)``)."""
        return is_tied(self.groups)

    @property
    def target(self) -> np.ndarray:
        """The target on all ``2^n`` inputs (row ``i``: bit ``k`` of ``i`` is ``x_k``), 0/1 int64."""
        return self.function.table.astype(np.int64)

    @property
    def n_columns(self) -> int:
        return int(self.cost.size)

    @property
    def n_rows(self) -> int:
        return int(self.row_lower.size)

    @property
    def n_binaries(self) -> int:
        return int(self.integer.sum())



def build_model(
    n: int,
    width: int,
    positive: int,
    *,
    variant: str = "sign",
    formulation: Formulation = STRONG,
    bound: float | None = None,
    groups: tuple[int, ...] | None = None,
    function=None,
) -> MilpModel:
    """Write the program for ``n`` bits, ``width`` units, ``positive`` of them with output weight +1.

    ``function`` is the target: a ``BooleanFunction`` of ``n`` bits, a spec, or
    None for parity; it must not be constant (width 0 computes a constant).
    ``groups`` ties the weights of each group of bits (see :mod:`expressivity.prove.milp.formulation`).

    Examples
    --------
    >>> m = build_model(3, 2, 1)
    >>> m.n_binaries, m.width * 2**3
    (16, 16)
    >>> m.output_signs.tolist()
    [1, -1]
    >>> build_model(6, 4, 2, groups=(3, 3)).n_binaries  # 4 units x 16 grid points, not 64 inputs
    64
    >>> build_model(3, 2, 0, function="threshold:3").symmetry.describe()  # AND: no S1, so P = 0 too
    'S2 sorted 0,1,2'
    """
    if variant not in VARIANTS:
        raise InputError(f"variant must be one of {VARIANTS}, got {variant!r}"[:200])
    n, width = check_int(n, "n", minimum=1, maximum=26), check_int(width, "width", minimum=1)  # 26: a dense table
    if width << n > 1 << 24:  # binaries: far past what is built (prove.width.MAX_BINARIES), before any array
        raise SizeLimitError(f"{width} units x 2^{n} inputs is more than 2^24 binaries in one program")
    check_int(positive, "positive", minimum=0, maximum=width, why="(the units with output weight +1)")
    check_positive(bound, "bound", optional=True, finite=True)
    if not isinstance(formulation, Formulation):
        raise InputError(f"formulation must be a Formulation (such as STRONG), got {type(formulation).__name__}")
    groups = check_groups(n, groups)
    tied = is_tied(groups)
    if tied and (formulation.correlation_cuts or formulation.sign_binaries):
        raise InputError("cuts C1 and C3 are written for single bits, not for tied weights")
    f = target_function(function, n)
    if is_constant(f):
        raise InputError(f"{f.spec} is constant on {n} bits: width 0 (the output bias alone) computes it, "
                         "and the program's normal form needs a function taking both values")
    plan = symmetry_plan(f, groups if tied else None, formulation.group_symmetry) if formulation.symmetry else None
    counts = positive_counts(width, formulation, groups, function=f)
    if formulation.symmetry and positive not in counts:
        raise InputError(f"with symmetry breaking the positive count must be one of {span_text(counts)}, got {positive}")
    bound = default_bound(n, variant, formulation) if bound is None else float(bound)
    negative = width - positive
    inputs = grid_points(groups)  # (2^n, n), row i = bits of i (f.table's order); or one row per grid point
    target = grid_targets(f, groups)  # f on each row
    m = len(inputs)
    k_inputs = len(groups)
    signs = np.array([1] * positive + [-1] * negative, dtype=np.int64)
    inf = math.inf

    # -- columns ---------------------------------------------------------------
    col = 0
    w_index = np.arange(col, col + width * k_inputs).reshape(width, k_inputs); col += width * k_inputs
    b_index = np.arange(col, col + width); col += width
    c_index = col; col += 1
    t_index = -1
    if variant == "sign":
        t_index = col; col += 1
    h_index = np.arange(col, col + width * m).reshape(width, m); col += width * m
    d_index = np.arange(col, col + width * m).reshape(width, m); col += width * m
    lower = np.zeros(col)
    upper = np.zeros(col)
    integer = np.zeros(col, dtype=bool)
    cost = np.zeros(col)

    if formulation.normalisation == "preactivation":
        # |z| <= R everywhere: b = z(0), w_k = z(e_k) - z(0); these bounds are implied
        # by the big-M rows and only help presolve.
        lower[w_index], upper[w_index] = -2 * bound, 2 * bound
        lower[b_index], upper[b_index] = -bound, bound
        big_m = np.full(m, bound)
    else:
        lower[w_index], upper[w_index] = -bound, bound
        lower[b_index], upper[b_index] = -bound, bound
        big_m = np.full(m, bound * (n + 1))  # loose: the same for every input
    hidden_max = float(big_m.max())
    lower[h_index], upper[h_index] = 0.0, np.broadcast_to(big_m, (width, m))
    lower[d_index], upper[d_index] = 0.0, 1.0
    integer[d_index] = True
    # The weighted hidden sum lies in [-N H, P H]; a sign classifier takes both signs,
    # and an exact one has f in {0, 1}.
    lower[c_index] = -positive * hidden_max
    upper[c_index] = negative * hidden_max + (1.0 if variant == "exact" else 0.0)
    if variant == "sign":
        lower[t_index], upper[t_index] = 0.0, inf  # t = 0 is the all-zero network
        cost[t_index] = -1.0

    rows = _Rows()
    for j in range(width):
        _relu_rows(rows, inputs, w_index[j], b_index[j], h_index[j], d_index[j], big_m)
    # -- output ---------------------------------------------------------------------
    for i in range(m):
        terms = [(h_index[j, i], float(signs[j])) for j in range(width)] + [(c_index, 1.0)]
        if variant == "sign":
            sense = 1.0 if target[i] else -1.0
            rows.add([(c_, sense * v) for c_, v in terms] + [(t_index, -1.0)], 0.0, inf)
        else:
            rows.add(terms, float(target[i]), float(target[i]))

    if formulation.symmetry:
        _add_symmetry_breaking(rows, formulation, plan, width, positive, w_index, b_index, d_index, tied)
    if formulation.canonical_cuts and plan is not None and plan.canonical and not tied:
        _add_canonical_cuts(rows, inputs, w_index[0], h_index[0], d_index[0])
    if formulation.correlation_cuts:
        _add_correlation_cuts(rows, n, bound, h_index)
    s_index = np.zeros((width, 0), dtype=np.int64)
    if formulation.sign_binaries:
        s_index = np.arange(col, col + width * n).reshape(width, n); col += width * n
        lower = np.concatenate([lower, np.zeros(width * n)])
        upper = np.concatenate([upper, np.ones(width * n)])
        integer = np.concatenate([integer, np.ones(width * n, dtype=bool)])
        cost = np.concatenate([cost, np.zeros(width * n)])
        _add_sign_binaries(rows, inputs, w_index, h_index, d_index, s_index, float(upper[w_index].max()), hidden_max)

    matrix = sp.csr_array((rows.vals, (rows.rows, rows.cols)), shape=(len(rows.lower), col))
    matrix.sum_duplicates()
    return MilpModel(
        n, width, positive, variant, formulation, bound, signs, w_index, b_index, c_index, t_index,
        h_index, d_index, cost, lower, upper, integer, matrix,
        np.array(rows.lower, dtype=float), np.array(rows.upper, dtype=float), s_index, groups, f, plan,
    )


__all__ = ["MilpModel", "build_model"]
