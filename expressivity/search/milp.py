"""Mixed-integer formulation of "can ``w`` ReLU units in one hidden layer compute n-bit parity?".

The network class
-----------------
One hidden layer of ``w`` ReLU units and an affine output with a bias,

    f(x) = sum_j a_j * relu(z_j(x)) + c,    z_j(x) = w_j . x + b_j,    x in {0, 1}^n,

all parameters real.  Two questions (``variant``):

* ``"sign"``: ``f(x) > 0`` on every odd input and ``f(x) < 0`` on every even
  one (an output of exactly 0 is wrong, as in ``verify_exhaustive(mode="sign")``).
* ``"exact"``: ``f(x) == parity(x)`` on every input.

Normal form (each step loses no network)
----------------------------------------
1. *Output weights are +1 or -1.*  ``a * relu(z) == sign(a) * relu(|a| z)``
   (positive homogeneity); a unit with ``a = 0`` is dead weight, and a network
   with fewer units is padded with units ``relu(0)`` (weight and bias 0), which
   add nothing whatever their output weight.  So "at most w units" equals "exactly
   w units with output weights +-1"; the program is solved once for every count
   ``P`` of +1 weights (units ``0..P-1`` are the positive ones).
2. *Sign variant: pre-activations at most 1 in magnitude* (``"preactivation"``
   normalisation, the default).  Multiplying every ``w_j, b_j`` and ``c`` by
   ``lam > 0`` multiplies ``f`` by ``lam`` and keeps every sign, so any correct
   network can be scaled until ``max_{j,x} |z_j(x)| = 1`` (not every ``z_j`` is
   identically 0, or ``f`` would be the constant ``c``).  Then every hidden value
   lies in ``[0, 1]``, the big-M of every ReLU is exactly 1 (the tightest the input
   domain allows), ``w_jk = z_j(e_k) - z_j(0)`` lies in ``[-2, 2]``, ``b_j = z_j(0)``
   in ``[-1, 1]``, and, because a correct ``f`` takes both signs, the output bias
   ``c`` lies in ``(-P, N)`` where ``N = w - P``: the weighted sum of hidden values
   lies in ``[-N, P]``.  The margin ``t = min_x (2 parity(x) - 1) f(x)`` is
   maximised: a correct network of width ``w`` exists exactly when the optimum is
   positive.  The ``"box"`` normalisation (``|w_jk|, |b_j| <= 1``, also lossless by
   the same scaling, big-M ``n + 1`` for every input) is the plain formulation kept
   for comparison.
3. *Exact variant: no scaling is free* (the output is pinned to 0 and 1), so the
   class is bounded explicitly: ``|z_j(x)| <= R`` on every input (``R = bound``,
   default ``2n``, enough for the known n-unit construction
   ``relu(s) - relu(2s - 2) + relu(2s - 4) - ...`` whose pre-activations reach
   ``2n - 2``).  Statements in this variant are about that class only.

Symmetry breaking (``symmetry=True``); each constraint keeps at least one
network of every orbit, and the argument is given where it is added:

* S1 ``P >= ceil(w / 2)``: flipping one input and negating the output maps
  networks for parity to networks for parity and swaps the two sign groups.
* S2 the first positive unit's weights are in canonical form
  ``w_01 >= w_02 >= ... >= w_0,n-1 >= |w_00|``: permuting inputs and flipping
  pairs of inputs leave parity unchanged.
* S3 units are interchangeable within a sign group: order them.  Default key
  (``unit_order="bias"``): ``b_1 >= b_2 >= ...`` over the positive units other
  than unit 0 (which S2 has already fixed) and over the negative units.  With
  ``"active-count"`` the key is the number of inputs that activate a unit,
  which input symmetries preserve, so unit 0 joins the order (and, when
  ``P == N``, the first positive unit is at least as active as the first
  negative one).

Valid inequalities (each holds for every network once it is read into the
program with ``d = [z > 0]``):

* C2 (``canonical_cuts``, default on): S2 orders unit 0's pre-activations on
  pairs of inputs (``z(y + e_k) >= z(y)`` for ``k >= 1``, and so on), so its
  activations and hidden values follow the same order, and hidden values differ
  by at most the pre-activations' difference (relu is 1-Lipschitz).
* C1 (``correlation_cuts``, default off: measured slower) and C3
  (``sign_binaries``, default off: fewer nodes, slower overall) are kept as
  options for experiments; see their attributes.

The pre-activation normalisation and the exact variant's class ``|z| <= R`` are
invariant under all three transformations (they permute the inputs), which is
why the symmetry breaking requires them.

Tied weights (``groups``)
-------------------------
``groups = (g_1, ..., g_k)`` (sizes summing to n; bits are grouped in order) asks
the same question of a smaller class: every unit gives the same weight to all
bits of a group, so it reads only the group counts ``u_i`` (how many bits of
group ``i`` are 1) and the program has one row per point of the grid
``{0..g_1} x ... x {0..g_k}`` instead of one per input: ``prod(g_i + 1)``
binaries per unit rather than ``2^n``.  A network found here is a network of
the full class (its weights repeated over each group) and is certified on all
``2^n`` inputs like any other; "no network" here says nothing about untied
networks.  Of the symmetry breaking, S1 holds when some group has odd size
(flip all its bits: ``u_i -> g_i - u_i`` flips parity) and S3 holds as is, with
unit 0 in the order (S2 and C2 are about single inputs and are left out).
"""
from __future__ import annotations

import functools
import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from expressivity.verify.exhaustive import input_bits

VARIANTS = ("sign", "exact")
NORMALISATIONS = ("preactivation", "box")
UNIT_ORDERS = ("active-count", "bias", "none")
#: HiGHS's MIP stops as soon as it holds a network with at least this margin (the
#: certificate step then maximises the margin for that activation pattern).
TARGET_MARGIN = 1e-3


@dataclass(frozen=True)
class Formulation:
    """How the program is written.

    Attributes
    ----------
    name : str
        Short label for records and tables.
    normalisation : {"preactivation", "box"}
        ``"preactivation"``: ``|z_j(x)| <= bound`` on every input, big-M = bound.
        ``"box"``: ``|w_jk|, |b_j| <= bound``, big-M = ``bound * (n + 1)`` for every
        input (the loose textbook choice).
    symmetry : bool
        Add S1, S2 and S3 (see the module docstring).
    unit_order : {"active-count", "bias", "none"}
        The key of S3 (ignored without ``symmetry``).
    correlation_cuts : bool
        C1: on every subcube of dimension m >= 2, each unit's hidden values have
        parity correlation at most ``K_m`` (see :func:`unit_correlation_bound`).
    canonical_cuts : bool
        C2: the activations and hidden values of the first positive unit follow
        the order that S2 puts on its weights (needs ``symmetry``).
    sign_binaries : bool
        C3: a binary per first-layer weight for its sign, and the monotonicity of
        each unit's activations along that coordinate.

    >>> STRONG.name, PLAIN.name
    ('strong', 'plain')
    """

    name: str
    normalisation: str = "preactivation"
    symmetry: bool = True
    unit_order: str = "bias"
    correlation_cuts: bool = False
    canonical_cuts: bool = True
    sign_binaries: bool = False

    def __post_init__(self) -> None:
        if self.normalisation not in NORMALISATIONS:
            raise ValueError(f"normalisation must be one of {NORMALISATIONS}, got {self.normalisation!r}")
        if self.unit_order not in UNIT_ORDERS:
            raise ValueError(f"unit_order must be one of {UNIT_ORDERS}, got {self.unit_order!r}")
        if self.canonical_cuts and not self.symmetry:
            raise ValueError("canonical_cuts needs symmetry")
        if self.correlation_cuts and self.normalisation != "preactivation":
            raise ValueError("correlation_cuts needs the 'preactivation' normalisation")
        if self.symmetry and self.normalisation != "preactivation":
            # Flipping inputs changes biases, so a box on the biases is not
            # invariant and S2 could cut off every network of an orbit.
            raise ValueError("symmetry breaking needs the 'preactivation' normalisation")


#: The formulation ``prove-width`` uses.
STRONG = Formulation("strong")
#: No symmetry breaking, box on weights, loose big-M: the baseline.
PLAIN = Formulation("plain", normalisation="box", symmetry=False, unit_order="none",
                    correlation_cuts=False, canonical_cuts=False)
FORMULATIONS = {f.name: f for f in (STRONG, PLAIN)}


def positive_counts(width: int, formulation: Formulation = STRONG, groups: tuple[int, ...] | None = None) -> tuple[int, ...]:
    """The counts ``P`` of +1 output weights the program must be solved for.

    S1 needs an input flip that flips parity: with tied ``groups``, a group of odd size.

    >>> positive_counts(4), positive_counts(3), positive_counts(3, PLAIN)
    ((2, 3, 4), (2, 3), (0, 1, 2, 3))
    >>> positive_counts(3, groups=(2, 2)), positive_counts(3, groups=(3, 1))
    ((0, 1, 2, 3), (2, 3))
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    flips_parity = groups is None or any(g % 2 for g in groups)
    first = -(-width // 2) if formulation.symmetry and flips_parity else 0
    return tuple(range(first, width + 1))


def check_groups(n: int, groups) -> tuple[int, ...]:
    """``groups`` as a tuple of positive sizes summing to ``n`` (``None``: every bit alone).

    >>> check_groups(3, None), check_groups(5, [3, 2])
    ((1, 1, 1), (3, 2))
    """
    if groups is None:
        return (1,) * n
    groups = tuple(int(g) for g in groups)
    if not groups or min(groups) < 1 or sum(groups) != n:
        raise ValueError(f"groups must be positive sizes summing to n = {n}, got {list(groups)}")
    return groups


def is_tied(groups) -> bool:
    """Whether some group holds more than one bit (``None``: no groups).

    >>> is_tied((3, 3)), is_tied((1, 1)), is_tied(None)
    (True, False, False)
    """
    return groups is not None and any(g > 1 for g in groups)


def grid_points(groups: tuple[int, ...]) -> np.ndarray:
    """One row per class of inputs that tied weights cannot tell apart: the group counts.

    Every bit alone gives the inputs themselves, in the verifier's order.

    >>> grid_points((2, 1)).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]
    >>> bool((grid_points((1, 1, 1)) == input_bits(3, 0, 8)).all())
    True
    """
    if all(g == 1 for g in groups):
        return input_bits(len(groups), 0, 1 << len(groups))
    return np.array(list(itertools.product(*(range(g + 1) for g in groups))), dtype=np.int64)


def default_bound(n: int, variant: str, formulation: Formulation = STRONG) -> float:
    """The normalisation bound: 1 for the sign variant, ``2n`` for the exact one.

    >>> default_bound(5, "sign"), default_bound(5, "exact")
    (1.0, 10.0)
    """
    return 1.0 if variant == "sign" else 2.0 * n


@dataclass(frozen=True, eq=False)
class MilpModel:
    """One mixed-integer program: parity of ``n`` bits, ``width`` units, ``positive`` of them +1.

    Variables (column indices are in the ``*_index`` arrays): first-layer weights
    ``w`` ``(width, n)`` (``(width, len(groups))`` when tied), biases ``b``
    ``(width,)``, output bias ``c``, the margin ``t`` (sign variant; -1
    otherwise), hidden values ``h`` ``(width, 2^n)`` and binary activations
    ``d`` ``(width, 2^n)`` (1: the unit is active), one column per grid point
    instead of per input when tied.
    Rows are ``row_lower <= matrix @ v <= row_upper``; the objective is to
    minimise ``cost @ v`` (``-t`` for the sign variant, 0 for the exact one).
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

    @property
    def tied(self) -> bool:
        """Whether some group of bits shares its weights (``w_index`` is then ``(width, groups)``)."""
        return is_tied(self.groups)

    @property
    def n_columns(self) -> int:
        return int(self.cost.size)

    @property
    def n_rows(self) -> int:
        return int(self.row_lower.size)

    @property
    def n_binaries(self) -> int:
        return int(self.integer.sum())


def _relu_rows(rows, inputs, w_cols, b_col, h_cols, d_cols, big_m) -> None:
    """``h = relu(z)`` for one unit on every input, with ``d = 1`` where the unit is active.

    ``z(x) = w . x + b``; ``|z(x)| <= big_m[x]`` is part of the class (the rows
    imply it: ``z <= h <= M d <= M`` and ``z >= h - M (1 - d) >= -M``).  A row of
    ``inputs`` may hold group counts rather than bits.
    """
    inf = math.inf
    for i, bits in enumerate(inputs):
        z_terms = [(w_cols[k], float(bits[k])) for k in np.flatnonzero(bits)] + [(b_col, 1.0)]
        big = float(big_m[i])
        h, d = h_cols[i], d_cols[i]
        rows.add([(h, 1.0)] + [(c, -v) for c, v in z_terms], 0.0, inf)  # h >= z
        rows.add([(h, 1.0), (d, big)] + [(c, -v) for c, v in z_terms], -inf, big)  # h <= z + M (1 - d)
        rows.add([(h, 1.0), (d, -big)], -inf, 0.0)  # h <= M d


class _Rows:
    """Rows collected as coordinate lists."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, terms, lower: float, upper: float) -> None:
        row = len(self.lower)
        for col, val in terms:
            self.rows.append(row)
            self.cols.append(int(col))
            self.vals.append(float(val))
        self.lower.append(lower)
        self.upper.append(upper)


def build_model(
    n: int,
    width: int,
    positive: int,
    *,
    variant: str = "sign",
    formulation: Formulation = STRONG,
    bound: float | None = None,
    groups: tuple[int, ...] | None = None,
) -> MilpModel:
    """Write the program for ``n`` bits, ``width`` units, ``positive`` of them with output weight +1.

    ``groups`` ties the weights of each group of bits (see the module docstring).

    Examples
    --------
    >>> m = build_model(3, 2, 1)
    >>> m.n_binaries, m.width * 2**3
    (16, 16)
    >>> m.output_signs.tolist()
    [1, -1]
    >>> build_model(6, 4, 2, groups=(3, 3)).n_binaries  # 4 units x 16 grid points, not 64 inputs
    64
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if n < 1 or width < 1 or not 0 <= positive <= width:
        raise ValueError(f"need n >= 1, width >= 1 and 0 <= positive <= width, got {n}, {width}, {positive}")
    groups = check_groups(n, groups)
    tied = is_tied(groups)
    if tied and (formulation.correlation_cuts or formulation.sign_binaries):
        raise ValueError("cuts C1 and C3 are written for single bits, not for tied weights")
    counts = positive_counts(width, formulation, groups)
    if formulation.symmetry and positive not in counts:
        raise ValueError(f"with symmetry breaking the positive count must be in {counts}")
    bound = default_bound(n, variant, formulation) if bound is None else float(bound)
    if not bound > 0:
        raise ValueError(f"bound must be positive, got {bound}")
    negative = width - positive
    inputs = grid_points(groups)  # (2^n, n), row i = bits of i; or one row per grid point when tied
    ones = inputs.sum(axis=1)
    parity = ones % 2
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
            sense = 1.0 if parity[i] else -1.0
            rows.add([(c_, sense * v) for c_, v in terms] + [(t_index, -1.0)], 0.0, inf)
        else:
            rows.add(terms, float(parity[i]), float(parity[i]))

    if formulation.symmetry:
        _add_symmetry_breaking(rows, formulation, n, width, positive, w_index, b_index, d_index, groups)
    if formulation.canonical_cuts and positive >= 1 and not tied:
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
        np.array(rows.lower, dtype=float), np.array(rows.upper, dtype=float), s_index, groups,
    )


def _add_symmetry_breaking(rows: _Rows, formulation, n, width, positive, w_index, b_index, d_index, groups) -> None:
    inf = math.inf
    negative = width - positive
    tied = is_tied(groups)
    # S1 is in positive_counts: a single input flip x_k -> 1 - x_k turns a network for
    # parity into one for its complement; negating the output (all a_j and c) turns
    # that back into parity.  |z| <= R is kept (the flip permutes the inputs), and the
    # +1 and -1 groups swap, so a network with P < N has a partner with P > N.
    #
    # S2: the first positive unit (unit 0; P >= 1 by S1) in canonical form
    #   w_01 >= w_02 >= ... >= w_0,n-1 >= |w_00|.
    # Flipping a pair of inputs {k, l} keeps parity; it negates column k and l of
    # every unit's weights (biases change, the set of pre-activation values of each
    # unit is only permuted, so |z| <= R holds) and leaves output weights alone.
    # Given unit 0's weights u, let m minimise |u_k|; flipping the pair (k, m) for
    # every k != m with u_k < 0 makes all u_k >= 0 for k != m.  Permuting inputs
    # (which keeps parity) then puts m first and the rest in decreasing order.
    if positive >= 1 and n >= 2 and not tied:  # tied: flipping a pair of bits breaks the tie
        u = w_index[0]
        for k in range(1, n - 1):
            rows.add([(u[k], 1.0), (u[k + 1], -1.0)], 0.0, inf)
        rows.add([(u[n - 1], 1.0), (u[0], -1.0)], 0.0, inf)
        rows.add([(u[n - 1], 1.0), (u[0], 1.0)], 0.0, inf)
    # S3: relabel units within each sign group.  With "active-count" the key is the
    # number of inputs on which a unit is active, which input permutations and flips
    # do not change: choose unit 0 as the most active positive unit *before* S2's
    # input transformation, then sort the rest; so unit 0 joins the order.  With
    # "bias" the key changes under flips, so unit 0 (fixed by S2) stays out of it.
    if formulation.unit_order == "none":
        return
    sign_groups = [list(range(0, positive)), list(range(positive, width))]
    if formulation.unit_order == "bias" and not tied:
        sign_groups[0] = sign_groups[0][1:]
    for group in sign_groups:
        for first, second in zip(group, group[1:]):
            if formulation.unit_order == "active-count":
                terms = [(col, 1.0) for col in d_index[first]] + [(col, -1.0) for col in d_index[second]]
            else:
                terms = [(b_index[first], 1.0), (b_index[second], -1.0)]
            rows.add(terms, 0.0, inf)
    # With P == N the single-flip swap of S1 is still free: choose, of the two, the
    # labelling whose most active positive unit is at least as active as the most
    # active negative one (both counts are invariant under the flip).
    flips_parity = any(g % 2 for g in groups)
    if formulation.unit_order == "active-count" and positive == negative and positive >= 1 and flips_parity:
        terms = [(col, 1.0) for col in d_index[0]] + [(col, -1.0) for col in d_index[positive]]
        rows.add(terms, 0.0, inf)


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
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
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


# -- solving -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MilpSolution:
    """What HiGHS returned for one program.

    Attributes
    ----------
    status : str
        HiGHS's model status in words: ``"Optimal"``, ``"Infeasible"``,
        ``"Time limit reached"``, ``"Objective target reached"``, ...
    objective : float or None
        Best margin found (sign variant; 0 for a feasible exact program), None
        when HiGHS holds no solution.
    dual_bound : float or None
        HiGHS's proven upper bound on the margin (sign variant), None if unknown.
    gap : float or None
        HiGHS's relative MIP gap.
    nodes : int
        Branch-and-bound nodes.
    seconds : float
        Wall time.
    values : ndarray or None
        The solution's column values.
    """

    status: str
    objective: float | None
    dual_bound: float | None
    gap: float | None
    nodes: int
    seconds: float
    values: np.ndarray | None = None

    def to_dict(self) -> dict:
        return {
            "solver_status": self.status, "objective": self.objective, "dual_bound": self.dual_bound,
            "gap": self.gap, "nodes": self.nodes, "seconds": round(self.seconds, 3),
        }


def solve_model(
    model: MilpModel,
    *,
    time_limit: float | None = None,
    threads: int = 1,
    seed: int = 0,
    fixed_pattern: np.ndarray | None = None,
    target_margin: float | None = TARGET_MARGIN,
) -> MilpSolution:
    """Solve ``model`` with HiGHS.

    Parameters
    ----------
    time_limit : float or None
        Seconds; None for no limit.
    threads : int
        HiGHS threads (1 on a shared machine).
    seed : int
        HiGHS's random seed (runs are reproducible for a fixed seed and thread count).
    fixed_pattern : ndarray of 0/1, shape ``(width, 2^n)``, or None
        Fix every activation and solve the remaining linear program (the
        certificate step: it maximises the margin of one activation pattern).
    target_margin : float or None
        Sign variant: stop as soon as a network with this margin is held.

    Examples
    --------
    Two units and a positive margin for XOR:

    >>> s = solve_model(build_model(2, 2, 1), target_margin=None)
    >>> s.status, round(s.objective, 6) > 0
    ('Optimal', True)
    """
    import highspy

    started = time.perf_counter()
    cost = model.cost
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    integer = model.integer
    if fixed_pattern is not None:
        pattern = np.asarray(fixed_pattern, dtype=float).reshape(model.d_index.shape)
        lower[model.d_index] = pattern
        upper[model.d_index] = pattern
        integer = np.zeros_like(integer)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", int(threads))
    highs.setOptionValue("random_seed", int(seed))
    # A relative gap measured against an incumbent of 0 means nothing; absolute gap only.
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 1e-7)
    if time_limit is not None:
        highs.setOptionValue("time_limit", max(float(time_limit), 0.01))
    if target_margin is not None and model.variant == "sign" and fixed_pattern is None:
        highs.setOptionValue("objective_target", -float(target_margin))
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_columns
    lp.num_row_ = model.n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = np.where(np.isinf(lower), -highspy.kHighsInf, lower)
    lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
    lp.row_lower_ = np.where(np.isinf(model.row_lower), -highspy.kHighsInf, model.row_lower)
    lp.row_upper_ = np.where(np.isinf(model.row_upper), highspy.kHighsInf, model.row_upper)
    matrix = model.matrix
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = model.n_columns
    lp.a_matrix_.num_row_ = model.n_rows
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    if integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                           for flag in integer]
    highs.passModel(lp)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.array(highs.getSolution().col_value) if has_solution else None
    is_mip = bool(integer.any())
    objective = dual = gap = None
    if has_solution:
        objective = float(-info.objective_function_value) if model.variant == "sign" else 0.0
    if model.variant == "sign":
        if is_mip:
            bound_value = float(info.mip_dual_bound)
            dual = -bound_value if math.isfinite(bound_value) else None
            gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else None
        elif status == "Optimal":
            dual = objective
    nodes = int(info.mip_node_count) if is_mip else 0
    return MilpSolution(status, objective, dual, gap, max(nodes, 0), time.perf_counter() - started, values)


def activation_pattern(model: MilpModel, values: np.ndarray) -> np.ndarray:
    """The 0/1 activations of a solution, shape ``(width, 2^n)``."""
    return (np.asarray(values)[model.d_index] > 0.5).astype(np.int64)


@dataclass(frozen=True)
class RealNetwork:
    """A solution read back as floats: ``f(x) = sum_j signs_j relu(weights_j . x + biases_j) + bias``."""

    weights: np.ndarray
    biases: np.ndarray
    signs: np.ndarray
    bias: float

    def outputs(self, n: int) -> np.ndarray:
        """``f`` on all ``2^n`` inputs (float64, for diagnostics only)."""
        x = input_bits(n, 0, 1 << n)
        return np.maximum(x @ self.weights.T + self.biases, 0.0) @ self.signs + self.bias


def read_network(model: MilpModel, values: np.ndarray) -> RealNetwork:
    """The network in a solution vector, on all ``n`` bits (tied weights repeated over their group)."""
    values = np.asarray(values, dtype=float)
    weights = values[model.w_index]
    if model.tied:
        weights = np.repeat(weights, model.groups, axis=1)
    return RealNetwork(
        weights.copy(), values[model.b_index].copy(), model.output_signs.copy(), float(values[model.c_index]),
    )


__all__ = [
    "Formulation", "STRONG", "PLAIN", "FORMULATIONS", "MilpModel", "MilpSolution", "RealNetwork",
    "build_model", "solve_model", "positive_counts", "default_bound", "activation_pattern",
    "read_network", "TARGET_MARGIN", "VARIANTS", "check_groups", "grid_points", "is_tied",
]
