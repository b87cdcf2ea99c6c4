"""Mixed-integer formulation of "can ``w`` ReLU units in one hidden layer compute an n-bit function ``f``?".

The target ``f`` is any Boolean function of ``n`` bits (a
:class:`~expressivity.functions.BooleanFunction` or a spec, see
:func:`target_function`); parity is the default and the example below.  Row
``i`` of the program is the input whose bit ``k`` is ``x_k = (i >> k) & 1``, the
same order as ``f.table``.  A constant ``f`` needs no unit at all (width 0: the
output bias alone) and has no program; every other ``f`` needs at least one unit.

The network class
-----------------
One hidden layer of ``w`` ReLU units and an affine output with a bias,

    g(x) = sum_j a_j * relu(z_j(x)) + c,    z_j(x) = w_j . x + b_j,    x in {0, 1}^n,

all parameters real.  Two questions (``variant``):

* ``"sign"``: ``g(x) > 0`` on every input with ``f(x) = 1`` (for parity: every odd
  input) and ``g(x) < 0`` on the others (an output of exactly 0 is wrong, as in
  ``verify_exhaustive(mode="sign")``).
* ``"exact"``: ``g(x) == f(x)`` on every input.

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
   ``lam > 0`` multiplies ``g`` by ``lam`` and keeps every sign, so any correct
   network can be scaled until ``max_{j,x} |z_j(x)| = 1`` (not every ``z_j`` is
   identically 0, or ``g`` would be the constant ``c``, and ``f`` is not constant).
   Then every hidden value
   lies in ``[0, 1]``, the big-M of every ReLU is exactly 1 (the tightest the input
   domain allows), ``w_jk = z_j(e_k) - z_j(0)`` lies in ``[-2, 2]``, ``b_j = z_j(0)``
   in ``[-1, 1]``, and, because a correct ``g`` takes both signs (``f`` is not
   constant), the output bias
   ``c`` lies in ``(-P, N)`` where ``N = w - P``: the weighted sum of hidden values
   lies in ``[-N, P]``.  The margin ``t = min_x (2 f(x) - 1) g(x)`` is
   maximised: a correct network of width ``w`` exists exactly when the optimum is
   positive.  The ``"box"`` normalisation (``|w_jk|, |b_j| <= 1``, also lossless by
   the same scaling, big-M ``n + 1`` for every input) is the plain formulation kept
   for comparison.
3. *Exact variant: no scaling is free* (the output is pinned to 0 and 1), so the
   class is bounded explicitly: ``|z_j(x)| <= R`` on every input (``R = bound``,
   default ``2n``, enough for the known n-unit construction for parity
   ``relu(s) - relu(2s - 2) + relu(2s - 4) - ...`` whose pre-activations reach
   ``2n - 2``, for the interpolation on ``s`` of any symmetric function, and for
   the minterm construction, whose pre-activations reach ``n - 1``).  The output
   bias lies in ``[-P R, N R + 1]`` because ``g`` takes values in ``{0, 1}``.
   Statements in this variant are about that class only.

The program written from this normal form is in :mod:`expressivity.prove.milp.program`;
the symmetry breaking and valid inequalities it may add, each with the argument
that it loses no network, are in :mod:`expressivity.prove.milp.symmetry` and
:mod:`expressivity.prove.milp.cuts`.

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
networks.  Which of the symmetry breaking still holds for tied weights is said in
:mod:`expressivity.prove.milp.symmetry`.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from expressivity.errors import InputError, check_choice, check_int, check_type
from expressivity.prove.milp.symmetry import is_tied, symmetry_plan  # is_tied: re-exported
from expressivity.verify.exhaustive import input_bits

VARIANTS = ("sign", "exact")
NORMALISATIONS = ("preactivation", "box")
UNIT_ORDERS = ("active-count", "bias", "none")


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
        Add S1, S2 and S3 where the target's symmetries allow them (see
        :mod:`expressivity.prove.milp.symmetry`).
    unit_order : {"active-count", "bias", "none"}
        The key of S3 (ignored without ``symmetry``).
    correlation_cuts : bool
        C1: on every subcube of dimension m >= 2, each unit's hidden values have
        parity correlation at most ``K_m`` (see
        :func:`~expressivity.prove.milp.cuts.unit_correlation_bound`).
    canonical_cuts : bool
        C2: the activations and hidden values of unit 0 follow the order that S2
        puts on its weights (needs ``symmetry``; only where S2 is parity's form).
    sign_binaries : bool
        C3: a binary per first-layer weight for its sign, and the monotonicity of
        each unit's activations along that coordinate.
    group_symmetry : bool
        With ``symmetry``: derive S1 and S2 from the target's symmetry group
        (:func:`~expressivity.prove.milp.symmetry.symmetry_plan`); False leaves S3 alone.

    Examples
    --------
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
    group_symmetry: bool = True

    def __post_init__(self) -> None:
        check_type(self.name, "name", str, "a string")
        check_choice(self.normalisation, "normalisation", NORMALISATIONS)
        check_choice(self.unit_order, "unit_order", UNIT_ORDERS)
        for flag in ("symmetry", "correlation_cuts", "canonical_cuts", "sign_binaries", "group_symmetry"):
            check_type(getattr(self, flag), flag, bool, "True or False")
        if self.canonical_cuts and not self.symmetry:
            raise InputError("canonical_cuts needs symmetry")
        if self.correlation_cuts and self.normalisation != "preactivation":
            raise InputError("correlation_cuts needs the 'preactivation' normalisation")
        if self.symmetry and self.normalisation != "preactivation":
            # Flipping inputs changes biases, so a box on the biases is not
            # invariant and S2 could cut off every network of an orbit.
            raise InputError("symmetry breaking needs the 'preactivation' normalisation")


#: The formulation ``prove-width`` uses.
STRONG = Formulation("strong")
#: No symmetry breaking, box on weights, loose big-M: the baseline.
PLAIN = Formulation("plain", normalisation="box", symmetry=False, unit_order="none",
                    correlation_cuts=False, canonical_cuts=False)
FORMULATIONS = {f.name: f for f in (STRONG, PLAIN)}


def positive_counts(width: int, formulation: Formulation = STRONG, groups: tuple[int, ...] | None = None,
                    function=None) -> tuple[int, ...]:
    """The counts ``P`` of +1 output weights the program must be solved for.

    S1 (``P >= ceil(w/2)``) needs an input transform that negates the target
    (:mod:`expressivity.prove.milp.symmetry`).  ``function=None`` is parity: a single flip
    does, and with tied ``groups`` a group of odd size.

    Examples
    --------
    >>> positive_counts(4), positive_counts(3), positive_counts(3, PLAIN)
    ((2, 3, 4), (2, 3), (0, 1, 2, 3))
    >>> positive_counts(3, groups=(2, 2)), positive_counts(3, groups=(3, 1))
    ((0, 1, 2, 3), (2, 3))
    >>> positive_counts(3, function=target_function("threshold:3", 3))  # AND: nothing negates it
    (0, 1, 2, 3)
    >>> positive_counts(3, function=target_function("majority", 3))  # majority(NOT x) = NOT majority(x)
    (2, 3)
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    if function is None:
        negating = groups is None or any(g % 2 for g in groups)
    else:
        tied = tuple(groups) if is_tied(groups) else None
        negating = formulation.symmetry and symmetry_plan(function, tied, formulation.group_symmetry).negating
    first = -(-width // 2) if formulation.symmetry and negating else 0
    return tuple(range(first, width + 1))


def target_function(function, n: int):
    """The target on ``n`` bits: ``None`` is parity, a spec is parsed at ``n``, a function must have ``n`` bits.

    Examples
    --------
    >>> target_function(None, 3).hex, target_function("majority", 3).hex
    ('96', 'e8')
    """
    from expressivity.functions import BooleanFunction, parity, parse_function

    if function is None:
        return parity(n)
    if isinstance(function, BooleanFunction):
        if function.n != n:
            raise InputError(f"the function has {function.n} bits, but n = {n}")
        return function
    if isinstance(function, str):
        return parse_function(function, n)
    raise InputError(f"a function is a spec string or a BooleanFunction, got {type(function).__name__}")


def is_constant(f) -> bool:
    """Whether ``f`` is constant: then width 0 (the output bias alone) computes it.

    Examples
    --------
    >>> is_constant(target_function("hex:00", 3)), is_constant(target_function(None, 3))
    (True, False)
    """
    return f.count_ones in (0, 1 << f.n)


def grid_targets(f, groups: tuple[int, ...]) -> np.ndarray:
    """``f`` on each row of :func:`grid_points` ``(groups)``, as 0/1 int64.

    Untied (every group one bit) this is ``f.table`` itself: the grid is the
    inputs in the same order.  Tied, ``f`` must depend only on the group counts.

    Examples
    --------
    >>> grid_targets(target_function(None, 3), (2, 1)).tolist()
    [0, 1, 1, 0, 0, 1]
    >>> grid_targets(target_function("expr:x0 & ~x1", 2), (2,))
    Traceback (most recent call last):
    ...
    ValueError: expr:x0 & ~x1 is not a function of the group counts 2: tied weights cannot compute it
    """
    if all(g == 1 for g in groups):
        return f.table.astype(np.int64)
    bits = input_bits(f.n, 0, 1 << f.n)
    starts = np.cumsum((0,) + tuple(groups))
    counts = np.stack([bits[:, s:s + g].sum(axis=1) for s, g in zip(starts, groups)], axis=1)
    strides = np.array([int(np.prod([h + 1 for h in groups[i + 1:]])) for i in range(len(groups))], dtype=np.int64)
    cell = counts @ strides  # the row of grid_points (itertools.product order)
    values = np.full(int(np.prod([g + 1 for g in groups])), -1, dtype=np.int64)
    values[cell] = f.table
    if not np.array_equal(values[cell], f.table.astype(np.int64)):
        raise ValueError(f"{f.spec} is not a function of the group counts {'+'.join(map(str, groups))}: "
                         "tied weights cannot compute it")
    return values


def check_groups(n: int, groups) -> tuple[int, ...]:
    """``groups`` as a tuple of positive sizes summing to ``n`` (``None``: every bit alone).

    Examples
    --------
    >>> check_groups(3, None), check_groups(5, [3, 2])
    ((1, 1, 1), (3, 2))
    """
    if groups is None:
        return (1,) * n
    try:
        groups = tuple(check_int(g, "a group size", error=InputError) for g in groups)
    except TypeError:
        raise InputError(f"groups must be a sequence of sizes, got {type(groups).__name__}") from None
    if not groups or min(groups) < 1 or sum(groups) != n:
        raise InputError(f"groups must be positive sizes summing to n = {n}, got {list(groups)}"[:200])
    return groups


def grid_points(groups: tuple[int, ...]) -> np.ndarray:
    """One row per class of inputs that tied weights cannot tell apart: the group counts.

    Every bit alone gives the inputs themselves, in the verifier's order.

    Examples
    --------
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

    Examples
    --------
    >>> default_bound(5, "sign"), default_bound(5, "exact")
    (1.0, 10.0)
    """
    return 1.0 if variant == "sign" else 2.0 * n


__all__ = [
    "VARIANTS", "NORMALISATIONS", "UNIT_ORDERS", "Formulation", "STRONG", "PLAIN", "FORMULATIONS",
    "positive_counts", "check_groups", "is_tied", "grid_points", "default_bound", "target_function",
    "is_constant", "grid_targets",
]
