"""The second lower-bound method: enumerate activation patterns, answer one LP per combination, check every answer exactly.

"Width ``w`` is not enough for ``f``" (one hidden ReLU layer, sign variant)
is proven here without the mixed-integer programs and without trusting a
floating-point solver:

1. :func:`~expressivity.prove.patterns.enumerate_combinations` lists every
   choice of unit patterns (threshold functions) and output signs that a
   network of width ``w`` could have after a normal form that loses no network
   (the first unit's pattern an orbit minimum under the transforms preserving
   ``f``), and drops those failing necessary conditions checked combinatorially.
2. :func:`~expressivity.prove.duals.solve_combination` decides each survivor
   with a linear program, and proves its answer: a Farkas certificate of
   infeasibility checked in integer arithmetic, or a network with rational
   weights checked on every input in Fractions.
3. The width is ``"proven-infeasible"`` when every survivor has a checked
   infeasibility certificate; ``"feasible-certified"`` as soon as one survivor
   has a checked network; ``"undecided"`` otherwise (a certificate that did not
   check, or the time limit), which is never counted.

It runs for ``n <= 5`` and widths 1 and 2 (:data:`~expressivity.prove.patterns.PATTERN_MAX_BITS`,
:data:`~expressivity.prove.patterns.PATTERN_MAX_WIDTH`).

Examples
--------
>>> from expressivity.functions import parse_function
>>> proof = prove_width_by_patterns(parse_function("parity", 3), 2)
>>> proof.status, proof.method
('proven-infeasible', 'activation patterns + exact LP duals')
>>> prove_width_by_patterns(parse_function("parity", 3), 1).survivors      # pruned before any LP
0
>>> good = prove_width_by_patterns(parse_function("parity", 2), 2)
>>> good.status, good.network is not None
('feasible-certified', True)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from expressivity.prove.duals import ExactNetwork, _LinearPrograms, solve_combination
from expressivity.prove.patterns import check_pattern_size, enumerate_combinations, table_mask

#: What backs a width this method proves infeasible.
PATTERN_METHOD = "activation patterns + exact LP duals"
#: The outcomes of :func:`prove_width_by_patterns`.
PATTERN_STATUSES = ("proven-infeasible", "feasible-certified", "undecided")


@dataclass(frozen=True)
class PatternProof:
    """What the pattern method found for one ``(f, width)``.

    ``patterns``: threshold functions of ``n`` variables; ``first_units``: orbit
    minima tried for the first unit; ``considered``: combinations in normal
    form; ``survivors``: those left after the combinatorial conditions;
    ``programs``: LPs solved; ``certificates``: infeasibility certificates
    checked exactly; ``network``: the checked network when feasible;
    ``reason``: why the answer is ``"undecided"``.
    """

    n: int
    hex: str
    width: int
    status: str
    patterns: int
    first_units: int
    considered: int
    survivors: int
    programs: int
    certificates: int
    seconds: float
    network: ExactNetwork | None = None
    reason: str = ""
    method: str = PATTERN_METHOD
    farkas: tuple = field(default=(), repr=False, compare=False)  # (Combination, multipliers) checked, for the records

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in ("n", "hex", "width", "status", "patterns", "first_units", "considered",
                                              "survivors", "programs", "certificates", "seconds", "reason", "method")}
        data["network"] = None if self.network is None else self.network.to_dict()
        return data


def prove_width_by_patterns(f, width: int, *, time_limit: float | None = None) -> PatternProof:
    """Decide whether ``width`` units (1 or 2) can compute ``f`` (sign variant), every answer checked exactly.

    ``f``: a ``BooleanFunction`` or a truth table of ``n <= 5`` bits.
    ``time_limit``: seconds; past it the answer is ``"undecided"`` and says so.
    ``ValueError`` (one line) for ``n > 5`` or a width other than 1 or 2.
    """
    table = np.asarray(getattr(f, "table", f), dtype=bool).ravel()
    n = len(table).bit_length() - 1
    check_pattern_size(n, width)
    hex_ = format(table_mask(table), f"0{max(1, (1 << n) // 4)}x")
    started = time.perf_counter()
    enumeration = enumerate_combinations(table, width, None if time_limit is None else started + time_limit)
    counts = dict(n=n, hex=hex_, width=width, patterns=enumeration.patterns, first_units=enumeration.first_units,
                  considered=enumeration.considered, survivors=len(enumeration.survivors))
    if not enumeration.complete:
        return PatternProof(status="undecided", programs=0, certificates=0, seconds=time.perf_counter() - started,
                            reason=f"time limit {time_limit:g} s: the enumeration of combinations did not finish",
                            **counts)
    programs = _LinearPrograms()
    solved = certified = 0
    undecided, kept = [], []
    for combination in enumeration.survivors:
        if time_limit is not None and time.perf_counter() - started > time_limit:
            return PatternProof(status="undecided", programs=solved, certificates=certified,
                                seconds=time.perf_counter() - started,
                                reason=f"time limit {time_limit:g} s: {solved} of {len(enumeration.survivors)} "
                                       "combinations decided", **counts)
        answer = solve_combination(table, combination, programs)
        solved += 1
        if answer.status == "feasible":
            return PatternProof(status="feasible-certified", programs=solved, certificates=certified,
                                seconds=time.perf_counter() - started, network=answer.network, **counts)
        if answer.status == "infeasible":
            certified += 1
            kept.append((combination, answer.multipliers))
        else:
            undecided.append(combination)
    seconds = time.perf_counter() - started
    if undecided:
        first = undecided[0]
        return PatternProof(status="undecided", programs=solved, certificates=certified, seconds=seconds,
                            reason=f"{len(undecided)} combinations with no exact certificate either way, the first "
                                   f"patterns {first.patterns} signs {first.signs}", **counts)
    return PatternProof(status="proven-infeasible", programs=solved, certificates=certified, seconds=seconds,
                        farkas=tuple(kept), **counts)

__all__ = ["PATTERN_METHOD", "PATTERN_STATUSES", "PatternProof", "prove_width_by_patterns"]
