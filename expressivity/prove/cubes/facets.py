"""Cubes settled one bit down: a network restricted to a facet of the cube is a network of the same width.

Restriction to a facet
----------------------
Let ``g(x) = c + sum_j a_j relu(z_j(x))`` (``z_j`` affine) sign-represent ``f``
on ``{0,1}^n`` in the normal form of :mod:`expressivity.prove.milp.formulation`
(output weights +-1, ``P`` of them +1, every ``|z_j(x)| <= 1``, margin ``t``).
Fix bit ``i`` to ``v``: on the facet ``x_i = v`` the same sum, with ``x_i = v``
substituted in every ``z_j``, is a network of the other ``n - 1`` bits with the
same width, the same output weights (so the same ``P``), every ``|z_j| <= 1``
still, and a margin of at least ``t`` (a minimum over fewer inputs).  It
sign-represents ``f_{i,v}``, ``f`` with ``x_i = v``, and unit ``j``'s pattern on
the facet is ``R_j`` restricted to it.  Units that do not cut the facet stay in
it as units with a constant pattern, which the lower programs allow.

Dropping a cube
---------------
A cube ``(P, s, R)`` of :mod:`expressivity.prove.cubes.cube` holds the networks in
which a unit of output sign ``s`` (``s = fixed_sign(w, P)``, the same rule one
bit down since ``w`` and ``P`` are the same) has the pattern ``R``.  Restricted
to the facet, such a network has a unit of sign ``s`` with the pattern
``R|_{x_i = v}``; by steps 3 and 5 of the cubes' argument (any unit of that sign
group may be the fixed one; a transform preserving the function moves its
pattern to the orbit's representative) it lies in the lower cube
``(P, s, rep(R|_{x_i = v}))`` of ``f_{i,v}``.  So **if that lower cube is proven
infeasible, so is ``(P, s, R)``**, with the same word: no network with a
normalised margin above ``ZERO_MARGIN``, HiGHS in floating point (the lower
cube's dual bound is recorded with the dropped one).  A lower cube that is
unknown, certified or not in the records drops nothing.

The lower records may be for a function equivalent to ``f_{i,v}`` under an
input transform ``T`` (``f' = f_{i,v} o T``, as for parity, whose facets are
parity and its negation, ``parity o flip``): ``g o T`` is a network of the same
width and output weights for ``f'`` (``T`` permutes the inputs, so the
normalisation and the margin are kept), and its unit's pattern is ``R o T``.
Only input transforms are used: negating the output would swap the sign groups.

Examples
--------
>>> from expressivity.functions import parity
>>> restrict(0b1000, 2, 0, 1)  # x0 AND x1 on the facet x0 = 1 is x1
2
>>> [h.hex for _, _, h in facet_functions(parity(2))]  # x1, NOT x1, x0, NOT x0
['2', '1', '2', '1']
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np

from expressivity.prove.cubes.cube_patterns import _orbit, _preserving_rows
from expressivity.prove.cubes.cube import Cube, CubeResult

#: Fields a lower record needs (a prove-width --cubes record or any dict with these).
LOWER_FIELDS = ("n", "width", "function_hex", "cube", "status")


def restrict(table: int, n: int, bit: int, value: int) -> int:
    """The ``(n-1)``-bit table (bit ``k``: row ``k``) of an ``n``-bit ``table`` on the facet ``x_bit = value``.

    Examples
    --------
    >>> restrict(0b0110, 2, 1, 0), restrict(0b0110, 2, 1, 1)  # XOR: x0 when x1 = 0, NOT x0 when x1 = 1
    (2, 1)
    """
    out, low = 0, (1 << bit) - 1
    for row in range(1 << n):
        if (row >> bit) & 1 == value and (table >> row) & 1:
            out |= 1 << ((row & low) | ((row >> (bit + 1)) << bit))
    return out


def facet_functions(f) -> list[tuple[int, int, Any]]:
    """``(bit, value, f_{bit,value})`` for the ``2n`` facets, each a ``BooleanFunction`` of ``n - 1`` bits."""
    from expressivity.functions import function_from_hex
    from expressivity.functions.table import table_to_hex

    rows = np.arange(1 << f.n)
    out = []
    for bit in range(f.n):
        for value in (0, 1):  # the facet's rows, in order, are the rows 0, 1, ... of the other bits
            low = np.asarray(f.table, dtype=bool)[((rows >> bit) & 1) == value]
            out.append((bit, value, function_from_hex(table_to_hex(low), f.n - 1)))
    return out


@dataclass(frozen=True)
class LowerCubes:
    """Settled cubes of ``(n, width)``, by function: ``status[hex][(P, s, pattern)] = (status, dual bound)``."""

    n: int
    width: int
    status: Mapping[str, Mapping[tuple[int, int, int], tuple[str, float | None]]]

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], n: int, width: int) -> "LowerCubes":
        """Keep the cube records of ``n`` bits and ``width`` units (other records are ignored).

        Raises ``ValueError`` for a cube record without the :data:`LOWER_FIELDS`.
        """
        status: dict[str, dict[tuple[int, int, int], tuple[str, float | None]]] = {}
        for record in records:
            if "cube" not in record:
                continue
            missing = [k for k in LOWER_FIELDS if k not in record]
            if missing:
                raise ValueError(f"a cube record without {', '.join(missing)}")
            if (int(record["n"]), int(record["width"])) != (n, width):
                continue
            key = Cube.from_dict(record["cube"]).key
            table = status.setdefault(str(record["function_hex"]), {})
            if table.get(key, ("unknown",))[0] == "unknown":  # a settled record is not undone by a later pass
                table[key] = (str(record["status"]), record.get("dual_bound"))
        return cls(n, width, status)

    @property
    def infeasible(self) -> int:
        """How many proven-infeasible cubes these records hold."""
        return sum(s == "proven-infeasible" for table in self.status.values() for s, _ in table.values())


@functools.lru_cache(maxsize=64)
def _transport(source_hex: str, target_hex: str, n: int) -> int | None:
    """A transform row ``t`` with ``target = source o T_t`` (tables: ``target = source[index[t]]``), or None."""
    from expressivity.functions import function_from_hex
    from expressivity.functions.npn import input_transforms

    _, index = input_transforms(n)
    source, target = function_from_hex(source_hex, n).table, function_from_hex(target_hex, n).table
    hits = np.flatnonzero((source[index] == target).all(axis=1))
    return int(hits[0]) if len(hits) else None


@functools.lru_cache(maxsize=1 << 16)
def _representative(function_hex: str, n: int, pattern: int) -> int:
    from expressivity.functions import function_from_hex

    return int(_orbit(pattern, n, _preserving_rows(function_from_hex(function_hex, n)))[0])


def _moved(pattern: int, n: int, row: int) -> int:
    from expressivity.functions.npn import input_transforms

    _, index = input_transforms(n)
    table = np.array([(pattern >> k) & 1 for k in range(1 << n)], dtype=np.int64)[index[row]]
    return int(sum(int(v) << k for k, v in enumerate(table)))


def facet_drop(f, width: int, cube: Cube, lower: LowerCubes,
               facets: list[tuple[int, int, Any]] | None = None) -> CubeResult | None:
    """``cube`` read off the facets: a proven-infeasible :class:`CubeResult` if a lower cube settles it, else None.

    Examples
    --------
    >>> from expressivity.functions import parity
    >>> from expressivity.prove.cubes.cube import cubes
    >>> from expressivity.prove.cubes.cube_split import prove_width_by_cubes
    >>> lower = prove_width_by_cubes(parity(2), 2, stop_on_feasible=False)
    >>> below = LowerCubes.from_records([r.to_dict() for r in lower.results], 2, 2)
    >>> dropped = [c for c in cubes(parity(3), 2) if facet_drop(parity(3), 2, c, below)]
    >>> len(dropped), len(cubes(parity(3), 2))
    (22, 30)
    """
    if (lower.n, lower.width) != (f.n - 1, width):
        raise ValueError(f"lower cubes are for n = {lower.n}, width {lower.width}; "
                         f"this cube needs n = {f.n - 1}, width {width}")
    for bit, value, h in facets if facets is not None else facet_functions(f):
        below = restrict(cube.pattern, f.n, bit, value)
        for source_hex, settled in lower.status.items():
            row = _transport(h.hex, source_hex, h.n)
            if row is None:
                continue
            rep = _representative(source_hex, h.n, _moved(below, h.n, row))
            status, dual = settled.get((cube.positive, cube.sign, rep), ("", None))
            if status == "proven-infeasible":
                reason = (f"on the facet x{bit} = {value} its fixed unit is active on the inputs {below:#x} of "
                          f"{h.n} bits: lower cube (P = {cube.positive}, sign {cube.sign:+d}, pattern {rep}) of "
                          f"{source_hex} proven infeasible")
                return CubeResult(f.n, width, f.hex, cube, "proven-infeasible", "facet", 0.0, 0, dual, None, None,
                                  reason)
    return None


def settle_by_facets(f, width: int, todo: Iterable[Cube], lower: LowerCubes) -> tuple[list[Cube], list[CubeResult]]:
    """Split ``todo`` into the cubes still to solve and the results of those settled through a facet."""
    facets, kept, settled = facet_functions(f), [], []
    for cube in todo:
        dropped = facet_drop(f, width, cube, lower, facets)
        if dropped is None:
            kept.append(cube)
        else:
            settled.append(dropped)
    return kept, settled


__all__ = ["LOWER_FIELDS", "restrict", "facet_functions", "LowerCubes", "facet_drop", "settle_by_facets"]
