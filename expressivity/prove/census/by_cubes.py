"""Lower bounds from cube records: a width whose every cube is closed is not enough.

The argument
------------
A cube run (``prove-width --cubes``, ``benchmarks/bench_restrictions.py
--cube-split``) splits "can ``w`` units compute ``f``" into the cubes of
:func:`~expressivity.prove.cubes.cube.cubes`: one per count ``P`` of +1 output
weights that the program must be solved for
(:func:`~expressivity.prove.milp.formulation.positive_counts`; S1 leaves the
others out only where an input transform negates ``f``) and per orbit
representative of the fixed unit's activation pattern.  The docstring of
:mod:`expressivity.prove.cubes.cube` proves that the split loses no network.  So
if every one of those cubes has a record "proven-infeasible" (by HiGHS, or
through a facet citing such a record), no network of ``w`` units computes ``f``,
nor one of fewer units (a dead unit, ``relu(-1)``, pads it to ``w``), and
``width(f) >= w + 1``.  The width is the same for every member of ``f``'s class
(:mod:`expressivity.prove.census.classes`), so the bound is the class's.

Nothing is added to trust but the closures.  The list is compared key by key
with this toolkit's enumeration of the cubes (a cube missing from the records
leaves the width open); the closures are HiGHS's word, in floating point, and
the row's ``lower_methods`` says so (:data:`CUBES_METHOD`); a record that
holds a network leaves the width open.  ``evidence["cubes"]`` names the
function, the width and the counts ``P``, so the standalone checker
(:mod:`expressivity.prove.check`) can re-count the list's completeness and read
each cube's status in the files given, by its own code.

Examples
--------
>>> from expressivity.functions import parity
>>> from expressivity.prove.cubes.cube import cubes
>>> closed = [{"n": 3, "width": 2, "function_hex": "96", "cube": c.to_dict(), "status": "proven-infeasible"}
...           for c in cubes(parity(3), 2)]
>>> cube_bounds(closed, 3, "symmetric")
{'69': CubeBound(n=3, hex='96', width=2, cubes=30, positive=(1, 2))}
>>> cube_bounds(closed[1:], 3, "symmetric")      # one cube missing: width 2 stays open
{}
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Mapping

from expressivity.prove.census.backing import CUBES_METHOD, LowerBoundDisagreement
from expressivity.prove.census.restriction import class_hex

if TYPE_CHECKING:
    from expressivity.prove.census.table import CensusRow

CLOSED = "proven-infeasible"


@dataclass(frozen=True)
class CubeBound:
    """Every cube of ``width`` units for the function ``hex`` of ``n`` bits is closed: ``width + 1`` is a lower bound.

    ``cubes``: how many cubes; ``positive``: the counts ``P`` they cover.
    """

    n: int
    hex: str
    width: int
    cubes: int
    positive: tuple[int, ...]

    @property
    def method(self) -> str:
        """The ``lower_methods`` entry: :data:`CUBES_METHOD` with what was closed."""
        return f"{CUBES_METHOD}: {self.cubes} cubes of width {self.width}, hex:{self.hex}"

    def evidence(self) -> dict:
        return {"n": self.n, "hex": self.hex, "width": self.width, "cubes": self.cubes,
                "positive": list(self.positive)}


def cube_statuses(records: Iterable[Mapping]) -> dict[tuple, str]:
    """Each cube's status by ``(n, function hex, width, (P, sign, pattern))``; a later "unknown" does not undo a closure.

    Records without a ``"cube"`` are skipped.
    """
    statuses: dict[tuple, str] = {}
    for record in records:
        cube = record.get("cube")
        if not isinstance(cube, Mapping):
            continue
        key = (int(record["n"]), str(record["function_hex"]).lower(), int(record["width"]),
               (int(cube["positive"]), int(cube["sign"]), int(cube["pattern"])))
        if statuses.get(key, "unknown") == "unknown":
            statuses[key] = str(record.get("status"))
    return statuses


def closed_width(hex_: str, n: int, widths: Iterable[int], statuses: Mapping[tuple, str]) -> CubeBound | None:
    """The largest of ``widths`` whose every cube of ``hex_`` is closed in ``statuses``, or ``None``."""
    from expressivity.functions import parse_function
    from expressivity.prove.cubes.cube import cubes

    f = parse_function(f"hex:{hex_}", n)
    for width in sorted(set(widths), reverse=True):
        listed = cubes(f, width)
        if all(statuses.get((n, hex_, width, c.key)) == CLOSED for c in listed):
            return CubeBound(n, hex_, width, len(listed), tuple(sorted({c.positive for c in listed})))
    return None


def cube_bounds(records: Iterable[Mapping], n: int, kind: str) -> dict[str, CubeBound]:
    """The best closed width of each function of ``n`` bits in cube ``records``, by its class in the census ``kind``."""
    from expressivity.functions import parse_function

    statuses = cube_statuses(records)
    widths: dict[str, set[int]] = {}
    for m, hex_, width, _ in statuses:
        if m == n:
            widths.setdefault(hex_, set()).add(width)
    found: dict[str, CubeBound] = {}
    for hex_, ws in sorted(widths.items()):
        bound = closed_width(hex_, n, ws, statuses)
        if bound is not None:
            key = class_hex(parse_function(f"hex:{hex_}", n).table, n, kind)
            if key not in found or found[key].width < bound.width:
                found[key] = bound
    return found


def with_cube_bound(row: "CensusRow", bounds: Mapping[str, CubeBound]) -> "CensusRow":
    """``row`` with its lower bound raised to ``width + 1`` where its class's cubes of that width are all closed."""
    bound = bounds.get(row.hex)
    if bound is None or bound.width + 1 <= row.lower:
        return row
    if bound.width >= row.upper:
        raise LowerBoundDisagreement(row.n, row.hex, bound.width, f"every cube of width {bound.width} "
                                     f"(hex:{bound.hex}) is closed, but a network of width {row.upper} is certified")
    # a facet's citation of a lower bound now exceeded would not match the row: the cubes replace it
    evidence = {k: v for k, v in (row.evidence or {}).items() if k != "restriction"} | {"cubes": bound.evidence()}
    lower = bound.width + 1
    return replace(row, lower=lower, status="exact" if lower == row.upper else row.status,
                   lower_methods=(bound.method,), evidence=evidence)


__all__ = ["CLOSED", "CubeBound", "cube_statuses", "closed_width", "cube_bounds", "with_cube_bound"]
