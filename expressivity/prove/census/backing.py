"""What backs a lower bound of the census: the solver's word, counting, and two exact methods.

A row's ``lower_methods`` (:class:`~expressivity.prove.census.table.CensusRow`) lists them: ``"HiGHS (floating point)"`` where a width was
proven infeasible (the solver's word, see :mod:`expressivity.prove.milp.width`), and
``"trivial"`` for the bounds that need no proof (width 0 computes only
constants, so a non-constant function needs 1 unit; a constant one needs 0).

Two more methods, exact and sharing no code with the MILP, are added where they
apply.  ``"exact LP dual (width 1)"`` (:data:`EXACT_METHOD`) is added where the lower
bound is 2 and :func:`~expressivity.prove.exact.separable.separability` proves
the representative not linearly separable with a certificate checked in exact
arithmetic (a point in the convex hulls of both its ones and its zeros).  One
unit computes exactly the constants and the threshold functions (proof in
:mod:`expressivity.prove.exact.separable`).  ``"activation patterns + exact LP duals
(width W)"`` (:func:`pattern_method`) is added where the lower bound is ``W + 1``
with ``W`` = 1, 2 or 3 and ``n <= 5`` (``W = 3``: at most 20 ones and 20 zeros,
:mod:`expressivity.prove.exact.three_units`), and
:func:`~expressivity.prove.exact.by_patterns.prove_width_by_patterns` proves width
``W`` infeasible: every combination of unit patterns and output signs that
survives its combinatorial conditions has a Farkas certificate checked in
integer arithmetic.  So at ``n <= 4`` every lower bound of 2 or 3 can have two
independent methods besides HiGHS's word; a row whose nontrivial lower bound
has one method only is marked in the table (``3*``).  The pattern method's
counts and seconds are kept in the row (``second``), and a record that has
them is not proven again on ``--resume``; its time limit is
``pattern_time_limit`` (past it the answer is "undecided" and adds nothing).

The certificates go into the record in integers, for a reader to re-check with
:mod:`expressivity.prove.check` (no solver, a code path of its own): the hull
point as ``evidence["hull"]`` (:func:`hull_evidence`) and, in ``second``, one
set of Farkas multipliers per surviving combination (``"farkas"``,
:func:`farkas_evidence`); the combinations refuted by the pattern method's
combinatorial conditions carry none.

The checks run on every row (resumed ones too) and must agree with the
solver: a function proven separable whose width 1 HiGHS declared infeasible
(lower bound ``>= 2``), proven not separable although a network of width
``<= 1`` is certified (upper bound ``<= 1``), or given a checked network of
width ``W`` by the pattern method although HiGHS proved ``W`` infeasible (or the
converse), raises :class:`LowerBoundDisagreement` naming the function and the
width, before its record is written.  An undecided check adds nothing and
raises nothing; the checks never change a bound.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Mapping

from expressivity.functions import parse_function
from expressivity.prove.exact.by_patterns import PATTERN_METHOD, prove_width_by_patterns
from expressivity.errors import InputError
from expressivity.prove.exact.patterns import PATTERN_MAX_BITS
from expressivity.prove.exact.three_units import check_three_unit_size
from expressivity.prove.exact.separable import separability

if TYPE_CHECKING:
    from expressivity.prove.census.table import CensusRow
    from expressivity.prove.milp.summary import WidthSummary

#: The method that proves widths infeasible today (floating-point MILP; see expressivity.prove.milp.width).
HIGHS_METHOD = "HiGHS (floating point)"
#: Lower bounds that need no proof: width 0 computes only constants.
TRIVIAL_METHOD = "trivial"
#: Width 1 is not enough, by an exact certificate of non-separability (expressivity.prove.exact.separable).
EXACT_METHOD = "exact LP dual (width 1)"
#: The prefix of a bound carried over from a restriction to a facet (expressivity.prove.census.restriction).
RESTRICTION_METHOD = "restriction to a facet"
#: The prefix of a bound from a closed cube split (expressivity.prove.census.by_cubes): HiGHS's word per cube.
CUBES_METHOD = "cube split, HiGHS (floating point)"
#: Seconds the pattern method may take per class in the census (past it: "undecided", nothing added).
PATTERN_TIME_LIMIT = 600.0


def pattern_method(width: int) -> str:
    """The ``lower_methods`` entry of a width proven infeasible by the pattern method.

    Examples
    --------
    >>> pattern_method(2)
    'activation patterns + exact LP duals (width 2)'
    """
    return f"{PATTERN_METHOD} (width {width})"


class LowerBoundDisagreement(RuntimeError):
    """An exact method and the width proofs disagree about one width of one function: a bug to look at."""

    def __init__(self, n: int, hex_: str, width: int, why: str):
        self.n, self.hex, self.width, self.why = n, hex_, width, why
        super().__init__(f"function hex:{hex_} (n={n}), width {width}: {why}")


def short_method(method: str) -> str:
    """A method's name in a table column: ``HiGHS``, ``hull``, ``patterns W``, ``trivial``, or ``facet:`` one of them.

    Examples
    --------
    >>> [short_method(m) for m in (HIGHS_METHOD, EXACT_METHOD, pattern_method(2), TRIVIAL_METHOD)]
    ['HiGHS', 'hull', 'patterns 2', 'trivial']
    >>> short_method(f"{RESTRICTION_METHOD} (5 bits, hex:69969669): {pattern_method(3)}")
    'facet: patterns 3'
    >>> short_method(f"{CUBES_METHOD}: 6321 cubes of width 4, hex:69969669")
    'cubes'
    """
    if method.startswith(RESTRICTION_METHOD) and "): " in method:
        return "facet: " + short_method(method.split("): ", 1)[1])
    if method.startswith(CUBES_METHOD):
        return "cubes"
    if method.startswith(PATTERN_METHOD):
        return "patterns " + method.rsplit(" ", 1)[-1].rstrip(")")
    return {HIGHS_METHOD: "HiGHS", EXACT_METHOD: "hull"}.get(method, method)


def _integers(values) -> list[int]:
    """Nonnegative rationals scaled by the lcm of their denominators: a certificate's meaning is scale-free."""
    values = list(values)
    scale = math.lcm(*(v.denominator for v in values)) if values else 1
    return [int(v * scale) for v in values]


def hull_evidence(certificate) -> dict[str, Any]:
    """A :class:`~expressivity.prove.exact.separable.HullCertificate` as integer weights, ``[row, weight]`` per side.

    Examples
    --------
    >>> from fractions import Fraction
    >>> from expressivity.prove.exact.separable import HullCertificate
    >>> half = Fraction(1, 2)
    >>> hull_evidence(HullCertificate({1: half, 2: half}, {0: half, 3: half}))
    {'ones': [[1, 1], [2, 1]], 'zeros': [[0, 1], [3, 1]]}
    """
    rows = list(certificate.lambdas) + list(certificate.mus)
    weights = _integers(list(certificate.lambdas.values()) + list(certificate.mus.values()))
    pairs = [[int(k), w] for k, w in zip(rows, weights)]
    return {"ones": pairs[:len(certificate.lambdas)], "zeros": pairs[len(certificate.lambdas):]}


def farkas_evidence(n: int, combination, multipliers: Mapping[tuple, Any], complement: bool = False) -> dict[str, Any]:
    """One combination's Farkas multipliers (:mod:`expressivity.prove.exact.duals`) as integers on numbered rows.

    Row ``i * 2^n + k`` is unit ``i``'s row at input ``k``, row ``width * 2^n + k``
    the output's row at input ``k``.  ``complement``: the rows are those of
    ``NOT f`` (:mod:`expressivity.prove.exact.three_units`, step 1), marked
    ``"complement": true``.

    Examples
    --------
    >>> from fractions import Fraction
    >>> from expressivity.prove.exact.patterns import Combination
    >>> farkas_evidence(2, Combination((2,), (1,)), {("unit", 0, 1): Fraction(1, 2), ("output", 1): Fraction(1)})
    {'patterns': [2], 'signs': [1], 'rows': [[1, 1], [5, 2]]}
    """
    size, width = 1 << n, len(combination.patterns)
    rows = [key[1] * size + key[2] if key[0] == "unit" else width * size + key[1] for key in multipliers]
    weights = _integers(multipliers.values())
    evidence = {"patterns": [int(p) for p in combination.patterns], "signs": [int(s) for s in combination.signs],
                "rows": [[r, y] for r, y in sorted(zip(rows, weights)) if y]}
    return evidence | ({"complement": True} if complement else {})


def lower_methods(summary: WidthSummary) -> tuple[str, ...]:
    """What backs ``summary.lower_bound``: HiGHS where a width was proven infeasible, else nothing but counting.

    Examples
    --------
    >>> from expressivity.prove.milp.summary import prove_minimum_width
    >>> lower_methods(prove_minimum_width(2, function="parity"))
    ('HiGHS (floating point)',)
    >>> lower_methods(prove_minimum_width(2, function="threshold:2"))
    ('trivial',)
    """
    if any(p.status == "proven-infeasible" for p in summary.widths):
        return (HIGHS_METHOD,)
    return (TRIVIAL_METHOD,)


def with_exact_methods(row: CensusRow, pattern_time_limit: float | None = PATTERN_TIME_LIMIT) -> CensusRow:
    """``row`` with the exact methods that back its lower bound added to ``lower_methods`` (module docstring).

    Raises :class:`LowerBoundDisagreement` where an exact method contradicts the
    row's bounds.  ``pattern_time_limit``: seconds for the pattern method
    (``0``: do not run it).

    Examples
    --------
    >>> from expressivity.prove.census.table import census
    >>> [(r.hex, r.lower_methods) for r in census(2) if r.lower >= 2]  # doctest: +NORMALIZE_WHITESPACE
    [('6', ('HiGHS (floating point)', 'exact LP dual (width 1)',
            'activation patterns + exact LP duals (width 1)'))]
    """
    return _with_patterns(_with_hull(row), pattern_time_limit)


def _with_hull(row: CensusRow) -> CensusRow:
    if row.lower < 2 and row.upper > 1:
        return row
    result = separability(parse_function(f"hex:{row.hex}", row.n))
    if result.separable is True and row.lower >= 2:
        raise LowerBoundDisagreement(row.n, row.hex, 1, f"proven linearly separable ({result.certificate}), "
                                     "so one unit computes it, but HiGHS proved width 1 infeasible")
    if result.separable is False and row.upper <= 1:
        raise LowerBoundDisagreement(row.n, row.hex, 1, "proven not linearly separable (exact hull "
                                     "certificate), so one unit cannot compute it, but a network of width "
                                     f"{row.upper} is certified")
    if result.separable is False and row.lower == 2:
        methods = row.lower_methods + (() if EXACT_METHOD in row.lower_methods else (EXACT_METHOD,))
        return replace(row, lower_methods=methods,
                       evidence=dict(row.evidence or {}) | {"hull": hull_evidence(result.certificate)})
    return row


def _with_patterns(row: CensusRow, time_limit: float | None) -> CensusRow:
    width = row.lower - 1
    if not 1 <= width <= THREE_UNIT_WIDTH or row.n > PATTERN_MAX_BITS or time_limit == 0:
        return row
    if width == THREE_UNIT_WIDTH:
        try:
            check_three_unit_size(parse_function(f"hex:{row.hex}", row.n).table)
        except InputError:
            return row                              # more than 20 ones or zeros: not this method
    if row.second is not None and row.second.get("width") == width:
        return row                              # proven before (a record read back): not again
    proof = prove_width_by_patterns(parse_function(f"hex:{row.hex}", row.n), width, time_limit=time_limit)
    if proof.status == "feasible-certified":
        raise LowerBoundDisagreement(row.n, row.hex, width, f"a network of width {width} computes it (rational "
                                     "weights checked on every input by the pattern method), but HiGHS proved "
                                     f"width {width} infeasible")
    if proof.status == "proven-infeasible" and row.upper <= width:
        raise LowerBoundDisagreement(row.n, row.hex, width, f"width {width} proven infeasible by the pattern "
                                     f"method (exact LP duals), but a network of width {row.upper} is certified")
    methods = row.lower_methods
    if proof.status == "proven-infeasible" and pattern_method(width) not in methods:
        methods = methods + (pattern_method(width),)
    second = proof.to_dict()
    if proof.status == "proven-infeasible":
        complements = proof.complements or (False,) * len(proof.farkas)
        second["farkas"] = [farkas_evidence(row.n, c, m, k) for (c, m), k in zip(proof.farkas, complements)]
    return replace(row, lower_methods=methods, second=second)


#: The widest width the pattern method proves infeasible for the census (three units: at most 20 ones and zeros).
THREE_UNIT_WIDTH = 3

__all__ = [
    "THREE_UNIT_WIDTH", "HIGHS_METHOD", "TRIVIAL_METHOD", "EXACT_METHOD", "RESTRICTION_METHOD", "CUBES_METHOD", "PATTERN_TIME_LIMIT", "pattern_method", "short_method",
    "LowerBoundDisagreement", "lower_methods", "with_exact_methods", "hull_evidence", "farkas_evidence",
]
