"""The second lower-bound method: enumerate activation patterns, answer one LP per combination, check every answer exactly.

"Width ``w`` is not enough for ``f``" (one hidden ReLU layer, sign variant)
is proven here without the mixed-integer programs and without trusting a
floating-point solver:

1. :func:`~expressivity.prove.exact.patterns.enumerate_combinations` lists every
   choice of unit patterns (threshold functions) and output signs that a
   network of width ``w`` could have after a normal form that loses no network
   (the first unit's pattern an orbit minimum under the transforms preserving
   ``f``), and drops those failing necessary conditions checked combinatorially.
2. :func:`~expressivity.prove.exact.duals.solve_combination` decides each survivor
   with a linear program, and proves its answer: a Farkas certificate of
   infeasibility checked in integer arithmetic, or a network with rational
   weights checked on every input in Fractions.
3. The width is ``"proven-infeasible"`` when every survivor has a checked
   infeasibility certificate; ``"feasible-certified"`` as soon as one survivor
   has a checked network; ``"undecided"`` otherwise (a certificate that did not
   check, or the time limit), which is never counted.

It runs for ``n <= 5`` and widths 1 and 2 (:data:`~expressivity.prove.exact.patterns.PATTERN_MAX_BITS`,
:data:`~expressivity.prove.exact.patterns.PATTERN_MAX_WIDTH`), and for width 3
through :mod:`~expressivity.prove.exact.three_units` (its step 1 also asks
``NOT f``; its step 2 uses this method's own width-2 answers on faces, named in
``lemmas``).

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
>>> four = prove_width_by_patterns(parse_function("parity", 4), 3)      # five bits: see three_units
>>> four.status, four.survivors, len(four.lemmas)
('feasible-certified', 4096, 16)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from expressivity.prove.exact.duals import (
    ExactNetwork, _LinearPrograms, check_network, rational_network, solve_combination, system,
)
from expressivity.prove.exact.patterns import check_pattern_size, enumerate_combinations, table_mask
from expressivity.prove.exact.three_units import check_three_unit_size, enumerate_three_units, negated_network

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
    ``reason``: why the answer is ``"undecided"``; ``lemmas``: the faces whose
    restrictions this method proved need three units (width 3 only);
    ``farkas``: the checked certificates, ``(combination, multipliers)``, each
    for ``f`` or, with width 3, for ``NOT f`` where ``complements`` says so.
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
    complements: tuple = field(default=(), repr=False, compare=False)  # per certificate: True when it is for NOT f
    lemmas: tuple = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in ("n", "hex", "width", "status", "patterns", "first_units", "considered",
                                              "survivors", "programs", "certificates", "seconds", "reason", "method")}
        data["network"] = None if self.network is None else self.network.to_dict()
        if self.lemmas:
            data["lemmas"] = list(self.lemmas)
        return data


def prove_width_by_patterns(f, width: int, *, time_limit: float | None = None) -> PatternProof:
    """Decide whether ``width`` units (1, 2 or 3) can compute ``f`` (sign variant), every answer checked exactly.

    ``f``: a ``BooleanFunction`` or a truth table of ``n <= 5`` bits.
    ``time_limit``: seconds; past it the answer is ``"undecided"`` and says so.
    ``ValueError`` (one line) for ``n > 5`` or a width other than 1, 2 or 3
    (width 3: at most 20 ones and 20 zeros).
    """
    table = np.asarray(getattr(f, "table", f), dtype=bool).ravel()
    n = len(table).bit_length() - 1
    if width == 3:
        check_three_unit_size(table)
        return _prove_three(table, time_limit)
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

def _first_network(table, survivors, programs, started: float, time_limit: float | None):
    """A network of some survivor, checked on every input in Fractions, looked for first (one primal LP each).

    Returns the network (or ``None``) and the LPs solved.  Only a speed-up: a
    survivor with no network found here is decided again, with its certificate,
    afterwards.
    """
    for tried, (g_is_f, combination) in enumerate(survivors, 1):
        if time_limit is not None and time.perf_counter() - started > time_limit:
            return None, tried - 1
        g = table if g_is_f else ~table
        _, G, h = system(g, combination)
        v = programs.solve(G, h, np.full(len(h), np.inf), np.zeros(G.shape[1]), np.full(G.shape[1], -np.inf),
                           np.full(G.shape[1], np.inf))
        network = None if v is None else rational_network(g, combination, v)
        if network is not None:
            network = network if g_is_f else negated_network(g, network)
            if check_network(table, network):
                return network, tried
    return None, len(survivors)


def _prove_three(table: np.ndarray, time_limit: float | None) -> PatternProof:
    """Width 3 (:mod:`~expressivity.prove.exact.three_units`): enumerate, then one exact LP per survivor."""
    n = len(table).bit_length() - 1
    hex_ = format(table_mask(table), f"0{max(1, (1 << n) // 4)}x")
    started = time.perf_counter()
    enumeration = enumerate_three_units(table, None if time_limit is None else started + time_limit)
    counts = dict(n=n, hex=hex_, width=3, patterns=sum(enumeration.candidates),
                  first_units=enumeration.first_units, considered=enumeration.pairs,
                  survivors=len(enumeration.survivors), lemmas=enumeration.faces)
    if not enumeration.complete:
        # a complete list holds every two-unit network too (with an empty third pattern); a cut one may not
        left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - started))
        narrower = None if left == 0.0 else prove_width_by_patterns(table, 2, time_limit=left)
        if narrower is not None and narrower.status == "feasible-certified":  # a dead third unit adds nothing
            network = narrower.network
            network = ExactNetwork(network.weights + (tuple(Fraction(0) for _ in range(n)),),
                                   network.biases + (Fraction(-1),), network.signs + (1,), network.c)
            return PatternProof(status="feasible-certified", programs=narrower.programs, certificates=0,
                                seconds=time.perf_counter() - started, network=network,
                                reason="a network of two units, and a third unit that is never active", **counts)
        return PatternProof(status="undecided", programs=0, certificates=0, seconds=time.perf_counter() - started,
                            reason=f"the enumeration did not finish: {enumeration.reason}", **counts)
    programs = _LinearPrograms()
    network, tried = _first_network(table, enumeration.survivors, programs, started, time_limit)
    if network is not None:
        return PatternProof(status="feasible-certified", programs=tried, certificates=0,
                            seconds=time.perf_counter() - started, network=network, **counts)
    kept, complements, undecided = [], [], 0
    for solved, (g_is_f, combination) in enumerate(enumeration.survivors):
        if time_limit is not None and time.perf_counter() - started > time_limit:
            return PatternProof(status="undecided", programs=solved, certificates=len(kept),
                                seconds=time.perf_counter() - started,
                                reason=f"time limit {time_limit:g} s: {solved} of {len(enumeration.survivors)} "
                                       "combinations decided", **counts)
        g = table if g_is_f else ~table
        answer = solve_combination(g, combination, programs)
        if answer.status == "feasible":
            network = answer.network if g_is_f else negated_network(g, answer.network)
            if check_network(table, network):
                return PatternProof(status="feasible-certified", programs=solved + 1, certificates=len(kept),
                                    seconds=time.perf_counter() - started, network=network, **counts)
            undecided += 1
        elif answer.status == "infeasible":
            kept.append((combination, answer.multipliers))
            complements.append(not g_is_f)
        else:
            undecided += 1
    seconds = time.perf_counter() - started
    programs_run = len(enumeration.survivors)
    if undecided:
        return PatternProof(status="undecided", programs=programs_run, certificates=len(kept), seconds=seconds,
                            reason=f"{undecided} combinations with no exact certificate either way", **counts)
    return PatternProof(status="proven-infeasible", programs=programs_run, certificates=len(kept), seconds=seconds,
                        farkas=tuple(kept), complements=tuple(complements), **counts)


__all__ = ["PATTERN_METHOD", "PATTERN_STATUSES", "PatternProof", "prove_width_by_patterns"]
