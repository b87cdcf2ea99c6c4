"""The facet rule for every unit: which patterns a unit of each output sign may show on a facet.

:mod:`expressivity.prove.cubes.facets` drops a cube when its *fixed* unit, restricted to
a facet, has the pattern of a proven-infeasible lower cube.  The same argument
holds for every unit of the network, with one more step for a unit whose output
sign is not the one the lower cubes fix.

The rule
--------
Let ``g`` be a network of ``w`` units in the normal form of
:mod:`expressivity.prove.milp.formulation` (output weights +-1, ``P`` of them +1,
every ``|z_j| <= 1``, margin ``t > 0``) that sign-represents ``f`` on
``{0,1}^n``, and let unit ``j`` have output sign ``s`` and pattern ``R``.  On
the facet ``x_i = v`` (restriction lemma of :mod:`~expressivity.prove.cubes.facets`)
the same units form a network ``g'`` of ``n - 1`` bits for ``h = f_{i,v}`` with
the same width, output weights, normalisation and a margin ``>= t``, in which
unit ``j`` has sign ``s`` and pattern ``Q = R|_{x_i = v}``.  Let a lower record
be for a function ``h'`` with ``h' = h o T`` (``T`` an input transform, found
by :func:`~expressivity.prove.cubes.facets._transport`); ``g' o T`` is a network for
``h'`` with the same weights' signs, in which unit ``j`` has pattern ``Q o T``.
Then:

* (direct) by steps 3 and 5 of :mod:`~expressivity.prove.cubes.cube` (any unit of
  the sign group a cube fixes may be its fixed unit; a transform preserving
  ``h'`` moves its pattern to the orbit's representative) ``g' o T`` lies in the
  lower cube ``(P, s, rep(Q o T))`` of ``h'`` -- a key the records hold only when
  ``s`` is the sign the lower cubes fix at ``P``;
* (S1) if an input transform ``U`` negates ``h'`` (``h' o U = NOT h'``), then
  ``-(g' o T o U)`` sign-represents ``h'`` with the same margin (the margin
  ``min (2 h' - 1) g`` is symmetric), ``w - P`` weights +1, and unit ``j`` of
  sign ``-s`` with pattern ``Q o T o U``: it lies in the lower cube
  ``(w - P, -s, rep(Q o T o U))``.

**If either lower cube is proven infeasible, no network of the upper question
has a unit of sign s whose restriction to that facet is Q**: ``Q`` is
*forbidden* for sign ``s`` on that facet.  The word is that of the lower cubes
(HiGHS in floating point: no margin above ``ZERO_MARGIN``).  A lower cube that
is unknown, certified or missing forbids nothing.  For parity at ``w = 4``,
``P = 2`` both signs are covered by the 5-bit records of ``P = 2``: a positive
unit directly, a negative one through S1 (``U`` flips one bit).

What the rule gives (parity, ``n = 6, w = 4, P = 2``, the 5-bit records of
``benchmarks/restrictions``): the 6-bit threshold patterns all of whose 12
restrictions are allowed form 469 orbits under parity's preserving transforms
(2,569,152 patterns), for either sign: exactly the 469 cubes that the fixed
unit's rule leaves open, so the rule settles no further cube by itself.  A
second level of cubes fixing a free unit's whole pattern would have about
``2.6 * 10^6 / |Stab(R)|`` cubes per open cube (the stabilisers of the open
patterns have 1 to 720 elements, most 2 to 12): far too many.  The rule enters
the programs instead as valid rows on counts (:mod:`expressivity.prove.cubes.pruning`).

Examples
--------
>>> from expressivity.functions import parity
>>> from expressivity.prove.cubes.cube_split import prove_width_by_cubes
>>> from expressivity.prove.cubes.facets import LowerCubes
>>> lower = prove_width_by_cubes(parity(2), 2, stop_on_feasible=False)
>>> below = LowerCubes.from_records([r.to_dict() for r in lower.results], 2, 2)
>>> rule = unit_rule(parity(3), 2, 1, below)
>>> sorted(len(rule.forbidden[key]) for key in rule.forbidden)[:2], len(rule.forbidden)
([3, 3], 12)
>>> unit_forbidden(rule, 1, 0b0000_0000)  # a positive unit active nowhere: forbidden on the first facet
(0, 0)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from expressivity.prove.cubes.cube_patterns import _distinct_orbits, _orbit, _preserving_rows
from expressivity.prove.cubes.facets import LowerCubes, _transport, facet_functions, restrict


@functools.lru_cache(maxsize=8)
def threshold_tables(n: int) -> np.ndarray:
    """Every threshold function of ``n`` bits as an integer (sorted uint64), from the orbits of the cubes' list."""
    return np.sort(np.concatenate(_distinct_orbits(n)))


def _tables(values: np.ndarray, n: int) -> np.ndarray:
    return ((values[:, None] >> np.arange(1 << n, dtype=np.uint64)) & np.uint64(1)).astype(bool)


def _negating_row(h_hex: str, n: int) -> int | None:
    """An input transform row ``u`` with ``h o U = NOT h``, or None when no input transform negates ``h``."""
    from expressivity.functions import function_from_hex
    from expressivity.functions.npn import input_transforms

    _, index = input_transforms(n)
    table = function_from_hex(h_hex, n).table
    hits = np.flatnonzero((table[index] != table).all(axis=1))
    return int(hits[0]) if len(hits) else None


def _infeasible_images(source_hex: str, n: int, keys: list[int]) -> np.ndarray:
    """The union (sorted uint64) of the orbits under ``source``'s preserving transforms of the patterns ``keys``."""
    from expressivity.functions import function_from_hex

    rows = _preserving_rows(function_from_hex(source_hex, n))
    found = [_orbit(k, n, rows) for k in keys]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint64)


def forbidden_patterns(h, width: int, positive: int, sign: int, lower: LowerCubes) -> frozenset[int]:
    """The threshold patterns of ``h``'s ``n`` bits forbidden for a unit of ``sign`` (the rule of the module docstring).

    ``h`` is a facet function, ``lower`` the cube records of its ``n`` bits and ``width``.

    Examples
    --------
    >>> from expressivity.functions import parity
    >>> from expressivity.prove.cubes.cube_split import prove_width_by_cubes
    >>> from expressivity.prove.cubes.facets import LowerCubes
    >>> lower = prove_width_by_cubes(parity(2), 2, stop_on_feasible=False)
    >>> below = LowerCubes.from_records([r.to_dict() for r in lower.results], 2, 2)
    >>> sorted(forbidden_patterns(parity(2), 2, 1, 1, below)), sorted(forbidden_patterns(parity(2), 2, 1, -1, below))
    ([0, 1, 8], [0, 2, 4])
    """
    from expressivity.functions.npn import input_transforms, table_values

    n = h.n
    _, index = input_transforms(n)
    universe = threshold_tables(n)
    tables = _tables(universe, n)
    out = np.zeros(len(universe), dtype=bool)
    for source_hex, settled in lower.status.items():
        row = _transport(h.hex, source_hex, n)
        if row is None:
            continue
        moved = tables[:, index[row]]  # Q o T: the unit's pattern in the network for the recorded function
        wanted = [((positive, sign), moved)]
        negating = _negating_row(source_hex, n)
        if negating is not None:
            wanted.append(((width - positive, -sign), moved[:, index[negating]]))
        for (p, s), images in wanted:
            keys = [k[2] for k, (status, _) in settled.items() if k[:2] == (p, s) and status == "proven-infeasible"]
            if keys:
                out |= np.isin(table_values(images), _infeasible_images(source_hex, n, keys))
    return frozenset(int(v) for v in universe[out])


@dataclass(frozen=True)
class UnitRule:
    """The rule for every unit of ``(f, width, positive)``: ``forbidden[(bit, value, sign)]``, facet patterns.

    ``facet_tables[(bit, value)]`` is the facet function's table as an integer (bit ``k``: facet row ``k``).
    """

    n: int
    width: int
    positive: int
    forbidden: Mapping[tuple[int, int, int], frozenset[int]]
    facet_tables: Mapping[tuple[int, int], int]

    def allowed_counts(self, bit: int, value: int, sign: int) -> frozenset[tuple[int, int]]:
        """``(A, B)`` of every allowed threshold pattern on the facet: active rows where ``f`` is 1, where it is 0."""
        ones = self.facet_tables[(bit, value)]
        full = (1 << (1 << (self.n - 1))) - 1
        banned = self.forbidden[(bit, value, sign)]
        return frozenset((bin(q & ones).count("1"), bin(q & full & ~ones).count("1"))
                         for q in (int(v) for v in threshold_tables(self.n - 1)) if q not in banned)


def unit_rule(f, width: int, positive: int, lower: LowerCubes) -> UnitRule:
    """Forbidden facet patterns for both signs on every facet of ``f`` (lower records of ``n - 1`` bits)."""
    if (lower.n, lower.width) != (f.n - 1, width):
        raise ValueError(f"lower cubes are for n = {lower.n}, width {lower.width}; "
                         f"this rule needs n = {f.n - 1}, width {width}")
    forbidden, tables = {}, {}
    for bit, value, h in facet_functions(f):
        tables[(bit, value)] = int(sum(int(v) << k for k, v in enumerate(h.table)))
        for sign in (1, -1):
            forbidden[(bit, value, sign)] = forbidden_patterns(h, width, positive, sign, lower)
    return UnitRule(f.n, width, positive, forbidden, tables)


def unit_forbidden(rule: UnitRule, sign: int, pattern: int) -> tuple[int, int] | None:
    """The first facet ``(bit, value)`` on which a unit of ``sign`` with ``pattern`` is forbidden, or None."""
    for bit in range(rule.n):
        for value in (0, 1):
            if restrict(pattern, rule.n, bit, value) in rule.forbidden[(bit, value, sign)]:
                return bit, value
    return None


__all__ = ["threshold_tables", "forbidden_patterns", "UnitRule", "unit_rule", "unit_forbidden"]
