"""Every cube of one width, solved on a backend and combined: ``prove_width_by_cubes`` and ``CubesProof``.

The cubes and why they lose no network are in :mod:`expressivity.prove.cubes.cube`; the cubes
settled one bit down, with no program, in :mod:`expressivity.prove.cubes.facets`.  This module
drives both, so that neither of them imports the other back.

Examples
--------
>>> from expressivity.functions import parity
>>> proof = prove_width_by_cubes(parity(3), 2)
>>> proof.status, len(proof.results), {r.status for r in proof.results}
('proven-infeasible', 30, {'proven-infeasible'})
"""
from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from expressivity.backends import LocalBackend
from expressivity.prove.milp.certificate import Certificate
from expressivity.prove.cubes.cube import Cube, CubeResult, _solve_task, cubes
from expressivity.prove.cubes.facets import settle_by_facets
from expressivity.prove.milp.formulation import STRONG, positive_counts
from expressivity.prove.milp.width import SplitOutcome, WidthProof


@dataclass(frozen=True)
class CubesProof:
    """Every cube of one ``(f, width)``: ``status`` is ``"proven-infeasible"`` only when each cube is."""

    n: int
    width: int
    function: str
    function_hex: str
    status: str
    reason: str
    results: tuple[CubeResult, ...]
    cube_count: int
    certificate: Certificate | None
    seconds: float
    time_limit: float | None
    backend: str
    workers: int

    def to_dict(self) -> dict[str, Any]:
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        data["results"] = [r.to_dict() for r in self.results]
        data["certificate"] = None if self.certificate is None else self.certificate.to_dict()
        return {"kind": "prove-width-cubes"} | data

    def to_width_proof(self) -> WidthProof:
        """The same answer as a :class:`~expressivity.prove.milp.width.WidthProof` (formulation ``"cubes"``), one split per ``P``.

        Examples
        --------
        >>> from expressivity.functions import parity
        >>> proof = prove_width_by_cubes(parity(2), 1).to_width_proof()
        >>> proof.status, [(s.positive, s.outcome, s.solver_status) for s in proof.splits]
        ('proven-infeasible', [(1, 'infeasible', '7 of 7 cubes proven infeasible')])
        """
        from expressivity.functions import function_from_hex

        counts = positive_counts(self.width, STRONG, function=function_from_hex(self.function_hex, self.n))
        per_count = self.cube_count // len(counts)
        splits = []
        for positive in counts:
            mine = [r for r in self.results if r.cube.positive == positive]
            closed = sum(r.status == "proven-infeasible" for r in mine)
            outcome = "feasible" if any(r.status == "feasible-certified" for r in mine) else \
                "infeasible" if closed == per_count else "unknown"
            bounds = [r.dual_bound for r in mine if r.dual_bound is not None]
            objectives = [r.objective for r in mine if r.objective is not None]
            through = sum(r.solver_status == "facet" for r in mine)
            text = f"{closed} of {per_count} cubes proven infeasible" + (f" ({through} through a facet)" if through else "")
            splits.append(SplitOutcome(
                positive, outcome, text, max(objectives, default=None),
                max(bounds, default=None), None, sum(r.nodes for r in mine), round(sum(r.seconds for r in mine), 3),
                self.time_limit))
        return WidthProof(self.n, self.width, "sign", "cubes", 1.0, self.status, self.reason, tuple(splits),
                          self.certificate, self.seconds, self.time_limit, None, self.function, self.function_hex)


def prove_width_by_cubes(f, width: int, *, backend=None, time_limit: float | None = 60.0, threads: int = 1,
                         done: Iterable[CubeResult] = (), on_result: Callable[[CubeResult], None] | None = None,
                         stop_on_feasible: bool = True, below=None) -> CubesProof:
    """Solve every cube of ``(f, width)`` on ``backend`` (default: local) and combine the answers.

    ``time_limit`` is HiGHS's limit per cube.  ``done`` holds results of an earlier
    run: those proven infeasible or certified are kept, the others run again (with
    this ``time_limit``: the slow cubes' second pass).  ``on_result`` sees each new
    result as it arrives (to record it).  With ``stop_on_feasible`` the first
    certified network ends the run (the width is settled) and the cubes still
    running are cancelled.  ``below`` (a :class:`~expressivity.prove.cubes.facets.LowerCubes`
    of ``n - 1`` bits and this width) settles, before any program is built, every cube
    whose fixed unit restricted to a facet has the pattern of a proven-infeasible lower
    cube (:mod:`expressivity.prove.cubes.facets`); those results have ``solver_status`` "facet".
    """
    backend = backend or LocalBackend()
    started = time.perf_counter()
    every = cubes(f, width)
    by_key = {cube.key: cube for cube in every}
    results: dict[int, CubeResult] = {}
    for old in done:
        cube = by_key.get(old.cube.key)
        same = (old.n, old.width, old.function_hex) == (f.n, width, f.hex)
        if same and cube is not None and old.status != "unknown":
            results[cube.index] = dataclasses.replace(old, cube=cube)
    found = next((r for r in results.values() if r.status == "feasible-certified"), None)
    todo = [] if (found and stop_on_feasible) else [c for c in every if c.index not in results]
    if below is not None and todo:
        todo, settled = settle_by_facets(f, width, todo, below)
        for result in settled:
            results[result.cube.index] = result
            if on_result is not None:
                on_result(result)
    task = functools.partial(_solve_task, (f.hex, f.n), width, time_limit, threads)
    stream = backend.map_unordered(task, todo)
    try:
        for cube, result in stream:
            results[cube.index] = result
            if on_result is not None:
                on_result(result)
            if result.status == "feasible-certified" and found is None:
                found = result
                if stop_on_feasible:
                    break
    finally:
        stream.close()
    closed = sum(r.status == "proven-infeasible" for r in results.values())
    through = sum(r.solver_status == "facet" for r in results.values())
    via = f" ({through} of them through a facet: a lower cube of n = {f.n - 1} bits)" if through else ""
    if found is not None:
        status = "feasible-certified"
        reason = (f"cube {found.cube.index} (P = {found.cube.positive}, fixed unit of sign {found.cube.sign:+d} active "
                  f"on {found.cube.active} "
                  f"inputs): network verified on all {1 << f.n} inputs")
    elif closed == len(every):
        status, reason = "proven-infeasible", f"HiGHS: every one of the {len(every)} cubes Optimal, dual bound <= 1e-6{via}"
    else:
        open_bounds = [r.dual_bound for r in results.values() if r.status == "unknown" and r.dual_bound is not None]
        status = "unknown"
        reason = (f"{closed} of {len(every)} cubes proven infeasible{via}, {len(every) - len(results)} not run, "
                  f"{len(results) - closed} unknown"
                  + (f" (largest dual bound {max(open_bounds):.3g})" if open_bounds else ""))
    return CubesProof(f.n, width, f.spec, f.hex, status, reason, tuple(results[i] for i in sorted(results)),
                      len(every), None if found is None else found.certificate, time.perf_counter() - started,
                      time_limit, backend.name, backend.workers)


__all__ = ["CubesProof", "prove_width_by_cubes"]
