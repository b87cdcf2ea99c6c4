"""Symmetry breaking for the program of :mod:`expressivity.prove.milp.program`, derived from the function's symmetry group.

It is written on the normal form of :mod:`expressivity.prove.milp.formulation`; the valid
inequalities are in :mod:`expressivity.prove.milp.cuts`.

How input transforms act on networks
------------------------------------
An input transform ``T = (perm, flips)`` of
:mod:`expressivity.functions.npn` reads ``y(x)`` with ``y[perm[i]] = x[i] XOR
flips[i]``; ``y`` is an affine bijection of the cube.  A network ``g`` becomes
``g o y``: every unit's weights are permuted and negated where flipped, its
bias shifts, and its pre-activations on the ``2^n`` inputs are *permuted*
(``z'_j(x) = z_j(y(x))``).  So ``max |z_j(x)| = 1`` (sign variant) and
``|z_j(x)| <= R`` (exact variant) are kept, output weights and ``c`` are
untouched, and so is the count ``P`` of +1 output weights.  The symmetry group
of ``f`` (:func:`~expressivity.functions.symmetry_group`, computed for
``n <= 6``) holds the transforms with ``f o y == f`` (*preserving*) and those
with ``f o y == NOT f`` (*negating*).  If ``g`` computes ``f``:

* ``g o y`` computes ``f`` for a preserving ``T`` (same margin, same ``P``);
* for a negating ``T``, ``g o y`` computes ``NOT f``.  Sign variant: ``-(g o y)``
  computes ``f`` (all ``a_j`` and ``c`` negated) with the same margin
  ``min_x (2 f(x) - 1) g'(x)``.  Exact variant: ``1 - g o y`` computes
  ``f = 1 - NOT f`` (``a_j -> -a_j``, ``c -> 1 - c``).  Either way the +1 and
  -1 units swap (``P' = N``), and the class is kept: ``|z| <= R`` bounds only
  first-layer pre-activations, which are permuted, and the program's bounds
  on ``c`` (``(-P, N)`` resp. ``[-P R, N R + 1]``) are derived from ``f`` taking
  both values resp. ``f in {0, 1}``, so they hold for the new network with the
  new ``P``.  S1 is therefore used in both variants.

Symmetry breaking (``symmetry=True``)
-------------------------------------
Each constraint keeps at least one network of every orbit.  Which ones apply
is decided by :func:`symmetry_plan` from the group; the constraints are applied
to a network in the order S1, S2, S3, each step keeping what the earlier ones
established:

* S1 ``P >= ceil(w / 2)``, only when the group has a negating element: of a
  network and its partner under it (above), one has ``P >= N``.  Without one
  (``threshold:3``, AND, ...) every ``P`` in ``0..w`` is solved.  For parity a
  single input flip is negating.
* S2 puts unit 0's weights ``u`` in a canonical form, using preserving
  transforms only (``P`` and the output weights stay).  Unit 0 is any unit of
  the first sign group present (positive if ``P >= 1``): units of a sign group
  are interchangeable, so any unit may be relabelled 0 first.  The inputs split
  into *blocks* of interchangeable inputs (``k ~ l`` when the transposition of
  ``x_k`` and ``x_l`` preserves ``f``; transpositions compose, so this is an
  equivalence and every permutation within a block preserves ``f``).  Let ``F``
  be the flip masks that preserve ``f`` with no permutation.  Per block ``B =
  (b_0 < b_1 < ...)`` one form, acting only on ``u_B`` (blocks are disjoint,
  so the forms are established one block at a time without undoing another):

  - ``"pairs"`` (every pair flip within ``B`` is in ``F``): the parity form
    ``u_b1 >= u_b2 >= ... >= u_b,m-1 >= |u_b0|``.  Let ``k*`` minimise ``|u_k|``
    over ``B``; flipping the pair ``{k, k*}`` for every other ``k`` with
    ``u_k < 0`` makes those ``u_k >= 0``; permuting ``B`` then puts ``k*`` first
    and the rest in decreasing order.  For parity (and its negation) the one
    block is all inputs: today's ``w_01 >= ... >= w_0,n-1 >= |w_00|``.
  - ``"free"`` (every single flip within ``B`` is in ``F``: ``f`` does not read
    these inputs): ``u_b0 >= ... >= u_b,m-1 >= 0``: flip the negative ones, sort.
  - ``"whole"`` (flipping all of ``B`` at once is in ``F``):
    ``u_b0 >= ... >= u_b,m-1`` and ``u_b0 + u_b,m-1 >= 0``: sort; if the sum is
    negative, flip all of ``B`` and sort again, which negates the sum.
  - ``"sorted"`` (only the permutations): ``u_b0 >= ... >= u_b,m-1``.  For a
    symmetric ``f`` the one block is all inputs: ``w_00 >= w_01 >= ... >= w_0,n-1``.
  - ``"none"``: a block of one input with no flip.

  Elements of the group that mix a permutation with flips, or flips across
  blocks, are not used (still sound, only weaker).
* S3 units are interchangeable within a sign group, whatever ``f``: order
  them.  Default key (``unit_order="bias"``): ``b_1 >= b_2 >= ...`` over the
  units of each sign group other than unit 0 when S2 put it in a canonical
  form (S2's transform changes every bias, so S2 comes first and S3 only
  relabels the others; unit 0 joins the order when S2 is empty).  With
  ``"active-count"`` the key is the number of inputs that activate a unit,
  which input transforms preserve, so unit 0 joins the order (choose it as
  the most active unit of its group before S2), and, when ``P == N`` and the
  group has a negating element, the first positive unit is at least as active
  as the first negative one (of a network and its S1 partner, choose that one).

Only ``n <= 6`` has a computed group.  Parity and its negation use their known
group at every ``n`` (all permutations, even flips preserving, odd flips
negating; for ``n <= 6`` the plan is the one the computed group gives), so their
programs are the ones written before functions were a parameter; beyond
``n = 6`` every other function gets S3 alone.  ``Formulation(group_symmetry=False)``
asks for S3 alone for every function.

The pre-activation normalisation and the exact variant's class ``|z| <= R`` are
invariant under all input transforms (they permute the inputs), which is
why the symmetry breaking requires them.

Tied weights (``groups``)
-------------------------
The target must then be a function of the group counts (checked).  S1 holds
when flipping every bit of some set of whole groups negates ``f``
(``u_i -> g_i - u_i`` maps tied networks to tied networks; for parity: a group
of odd size); S3 holds as is, with unit 0 in the order; S2 and C2 are about
single inputs and are left out.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from expressivity.prove.milp.rows import _Rows


def is_tied(groups) -> bool:
    """Whether some group holds more than one bit (``None``: no groups).

    Examples
    --------
    >>> is_tied((3, 3)), is_tied((1, 1)), is_tied(None)
    (True, False, False)
    """
    return groups is not None and any(g > 1 for g in groups)



#: Largest n whose symmetry group is computed (n! 2^n transforms; see expressivity.functions.npn).
MAX_GROUP_BITS = 6
S2_FORMS = ("pairs", "free", "whole", "sorted", "none")


@dataclass(frozen=True)
class SymmetryPlan:
    """The symmetry breaking a function's symmetry group allows (see the module docstring).

    Attributes
    ----------
    negating : bool
        S1 holds: ``P >= ceil(w / 2)``.
    blocks : tuple of ((int, ...), str)
        S2: the blocks of interchangeable inputs, each with its form (one of
        :data:`S2_FORMS`); empty when tied or not derived.
    source : str
        Where it comes from, in words.

    Examples
    --------
    >>> from expressivity.functions import parse_function
    >>> symmetry_plan(parse_function("parity", 3)).describe()
    'S1; S2 pairs 0,1,2 (parity form); C2'
    >>> symmetry_plan(parse_function("threshold:3", 3)).describe()
    'S2 sorted 0,1,2'
    """

    negating: bool
    blocks: tuple[tuple[tuple[int, ...], str], ...] = ()
    source: str = "symmetry group"

    @property
    def canonical(self) -> bool:
        """S2 is the parity form on all inputs (n >= 2): C2 applies."""
        return len(self.blocks) == 1 and self.blocks[0][1] == "pairs"

    @property
    def has_s2(self) -> bool:
        """S2 puts some constraint on unit 0."""
        return any(form != "none" for _, form in self.blocks)

    def describe(self) -> str:
        parts = ["S1"] if self.negating else []
        for block, form in self.blocks:
            if form != "none":
                parts.append(f"S2 {form} {','.join(str(k) for k in block)}")
        if self.canonical:
            parts[-1] += " (parity form)"
            parts.append("C2")
        return "; ".join(parts) or "S3 only"


def _is_parity(f) -> tuple[bool, bool]:
    """``(f is parity or its negation, f is parity)``."""
    from expressivity.functions.table import row_weights

    parity = (row_weights(f.n) % 2).astype(bool)
    same = bool(np.array_equal(f.table, parity))
    return same or bool(np.array_equal(f.table, ~parity)), same


@functools.lru_cache(maxsize=256)
def symmetry_plan(f, groups: tuple[int, ...] | None = None, derive: bool = True) -> SymmetryPlan:
    """S1 and S2 for target ``f`` (a ``BooleanFunction``), from its symmetry group.

    ``groups`` (tied weights): S1 only, from flips of whole groups.  ``derive=False``
    (or ``n > 6`` for a function other than parity and its negation): nothing, S3 alone.

    Examples
    --------
    >>> from expressivity.functions import parse_function
    >>> symmetry_plan(parse_function("majority", 3)).describe()
    'S1; S2 sorted 0,1,2'
    >>> symmetry_plan(parse_function("expr:x2 & (x0 ^ x1)", 3)).describe()
    'S2 pairs 0,1'
    >>> symmetry_plan(parse_function("expr:x0 & x1", 3)).describe()
    'S2 sorted 0,1; S2 free 2'
    >>> symmetry_plan(parse_function("parity", 4), groups=(2, 2)).describe(), symmetry_plan(parse_function("parity", 9)).source
    ('S3 only', 'parity: known group')
    """
    n = f.n
    either, _ = _is_parity(f)
    if not derive:
        return SymmetryPlan(False, (), "not asked: S3 only")
    if is_tied(groups):
        return SymmetryPlan(_tied_negating(f, groups, either), (), "tied groups")
    if either:  # known for every n: all permutations, even flips preserve, odd flips negate
        return SymmetryPlan(n >= 1, ((tuple(range(n)), "pairs"),) if n >= 2 else (((0,), "none"),),
                            "parity: known group")
    if n > MAX_GROUP_BITS:
        return SymmetryPlan(False, (), f"none: no symmetry group computed for n > {MAX_GROUP_BITS}")
    from expressivity.functions.npn import NPNTransform
    from expressivity.functions.symmetry import symmetry_group

    group = symmetry_group(f)
    preserving = set(group.preserving)
    identity = tuple(range(n))

    def swap(k: int, l: int) -> NPNTransform:
        perm = list(identity)
        perm[k], perm[l] = l, k
        return NPNTransform(tuple(perm), (0,) * n, False)

    def flip(bits) -> bool:
        mask = tuple(1 if k in bits else 0 for k in range(n))
        return NPNTransform(identity, mask, False) in preserving

    blocks: list[list[int]] = []
    for k in range(n):
        for block in blocks:
            if swap(block[0], k) in preserving:
                block.append(k)
                break
        else:
            blocks.append([k])
    plan = []
    for block in blocks:
        if all(flip((k,)) for k in block):
            form = "free"
        elif len(block) >= 2 and all(flip((k, l)) for i, k in enumerate(block) for l in block[i + 1:]):
            form = "pairs"
        elif len(block) >= 2 and flip(block):
            form = "whole"
        else:
            form = "sorted" if len(block) >= 2 else "none"
        plan.append((tuple(block), form))
    return SymmetryPlan(bool(group.negating), tuple(plan), "symmetry group")


def _tied_negating(f, groups: tuple[int, ...], either_parity: bool) -> bool:
    """Whether flipping every bit of some set of whole groups negates ``f``."""
    if either_parity:
        return any(g % 2 for g in groups)
    starts = np.cumsum((0,) + tuple(groups))
    masks = [((1 << int(g)) - 1) << int(s) for g, s in zip(groups, starts)]
    rows = np.arange(1 << f.n)
    for choice in range(1, 1 << len(groups)):
        mask = sum(m for i, m in enumerate(masks) if choice >> i & 1)
        if np.array_equal(f.table[rows ^ mask], ~f.table):
            return True
    return False


def _add_canonical_form(rows: _Rows, plan: SymmetryPlan, u) -> int:
    """S2 on unit 0's weight columns ``u``; the number of rows added."""
    inf = math.inf
    before = len(rows.lower)
    for block, form in plan.blocks:
        b = list(block)
        if form == "pairs":  # u_b1 >= ... >= u_b,m-1 >= |u_b0|
            for k in range(1, len(b) - 1):
                rows.add([(u[b[k]], 1.0), (u[b[k + 1]], -1.0)], 0.0, inf)
            rows.add([(u[b[-1]], 1.0), (u[b[0]], -1.0)], 0.0, inf)
            rows.add([(u[b[-1]], 1.0), (u[b[0]], 1.0)], 0.0, inf)
            continue
        if form in ("free", "whole", "sorted"):
            for k in range(len(b) - 1):
                rows.add([(u[b[k]], 1.0), (u[b[k + 1]], -1.0)], 0.0, inf)
        if form == "free":
            rows.add([(u[b[-1]], 1.0)], 0.0, inf)
        elif form == "whole":
            rows.add([(u[b[0]], 1.0), (u[b[-1]], 1.0)], 0.0, inf)
    return len(rows.lower) - before


def _add_symmetry_breaking(rows: _Rows, formulation, plan: SymmetryPlan, width, positive, w_index, b_index,
                           d_index, tied: bool) -> None:
    # The arguments are in the module docstring.  S1 is in positive_counts (every P >= ceil(w/2)
    # when plan.negating).
    inf = math.inf
    negative = width - positive
    # S2: unit 0 (the first positive unit if P >= 1, else the first negative one) in canonical form.
    canonical_unit0 = False
    if not tied and width >= 1:
        canonical_unit0 = _add_canonical_form(rows, plan, w_index[0]) > 0
    # S3: relabel units within each sign group.  With "active-count" the key is invariant under
    # input transforms, so unit 0 joins the order; with "bias" it does not, so unit 0 stays out
    # when S2 fixed it.
    if formulation.unit_order == "none":
        return
    sign_groups = [list(range(0, positive)), list(range(positive, width))]
    if formulation.unit_order == "bias" and canonical_unit0:
        first = 0 if positive >= 1 else 1
        sign_groups[first] = sign_groups[first][1:]
    for group in sign_groups:
        for first, second in zip(group, group[1:]):
            if formulation.unit_order == "active-count":
                terms = [(col, 1.0) for col in d_index[first]] + [(col, -1.0) for col in d_index[second]]
            else:
                terms = [(b_index[first], 1.0), (b_index[second], -1.0)]
            rows.add(terms, 0.0, inf)
    # With P == N the swap of S1 is still free: choose, of the two, the labelling whose most
    # active positive unit is at least as active as the most active negative one (both counts
    # are invariant under input transforms).
    if formulation.unit_order == "active-count" and positive == negative and positive >= 1 and plan.negating:
        terms = [(col, 1.0) for col in d_index[0]] + [(col, -1.0) for col in d_index[positive]]
        rows.add(terms, 0.0, inf)


__all__ = ["MAX_GROUP_BITS", "S2_FORMS", "SymmetryPlan", "is_tied", "symmetry_plan"]
