"""Pruned against unpruned cube programs: nodes, CPU seconds and dual bound, HiGHS capped at a node budget.

A node budget (HiGHS ``mip_max_nodes``, one thread, seed 0) makes a run deterministic and
comparable on a loaded machine, where wall time says little; CPU seconds are the process's.
Variants: ``base`` (:func:`~expressivity.prove.cubes.cube.solve_cube`), ``s`` (the stabiliser's sorted
weights), ``c`` (every free unit's facet counts, from ``--below``), ``cs`` (both); see
:mod:`expressivity.prove.cubes.pruning`.  One JSON line per run.

    nice -n 19 python benchmarks/bench_pruning.py --split 6:4:2 --cubes 1257,395 --variants base,cs \
        --below benchmarks/restrictions/n5_w4_p2_cubes.jsonl --nodes 6000
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import expressivity.prove.milp.solve as solve
from expressivity.functions import parity
from expressivity.prove.cubes.cube import cubes, solve_cube
from expressivity.prove.cubes.cube_split import prove_width_by_cubes
from expressivity.prove.cubes.facets import LowerCubes
from expressivity.prove.cubes.pruning import count_rows, solve_pruned_cube
from expressivity.prove.cubes.unit_facets import unit_rule
from expressivity.results.records import read_records

VARIANTS = ("base", "s", "c", "cs")


def capped(budget: int | None):
    """``new_highs`` with a node budget (the solve module's own maker, wrapped)."""
    original = solve.new_highs

    def make():
        highs = original()
        if budget is not None:
            highs.setOptionValue("mip_max_nodes", int(budget))
        return highs
    return make


def run(n: int, width: int, positive: int, indices: list[int], variants: list[str], lower: LowerCubes | None,
        budget: int | None) -> None:
    f = parity(n)
    by_index = {c.index: c for c in cubes(f, width) if c.positive == positive}
    rows = count_rows(unit_rule(f, width, positive, lower)) if lower is not None else None
    solve.new_highs = capped(budget)
    for index in indices:
        for variant in variants:
            cpu, wall = time.process_time(), time.perf_counter()
            cube = by_index[index]
            if variant == "base":
                r = solve_cube(f, width, cube, None)
            else:
                r = solve_pruned_cube(f, width, cube, rows if "c" in variant else None, None,
                                      sort_weights="s" in variant)
            print(json.dumps({"n": n, "width": width, "cube": index, "pattern": cube.pattern, "variant": variant,
                              "budget": budget, "status": r.status, "solver": r.solver_status, "nodes": r.nodes,
                              "cpu": round(time.process_time() - cpu, 2),
                              "wall": round(time.perf_counter() - wall, 2), "dual_bound": r.dual_bound}), flush=True)


def refuse(message: str) -> None:
    """Bad input: one line on stderr, exit status 2 (the project's convention), before any work."""
    print(message, file=sys.stderr)
    sys.exit(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="6:4:2", help="n:w:P")
    parser.add_argument("--cubes", default="1257", help="cube indices, comma-separated")
    parser.add_argument("--variants", default="base,cs", help=f"comma-separated, of {','.join(VARIANTS)}")
    parser.add_argument("--below", default="", help="record files of n - 1 bits (for the c variants)")
    parser.add_argument("--nodes", type=int, default=None, help="HiGHS node budget per run (default: none)")
    parser.add_argument("--smoke", action="store_true", help="n = 4, w = 3, P = 2, two cubes; lower cubes solved here")
    args = parser.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    if any(v not in VARIANTS for v in variants):
        refuse(f"bench_pruning: --variants takes {', '.join(VARIANTS)}, got {args.variants!r}")
    if args.smoke:
        lower = prove_width_by_cubes(parity(3), 3, stop_on_feasible=False).results
        below = LowerCubes.from_records([r.to_dict() for r in lower], 3, 3)
        run(4, 3, 2, [0, 7], list(VARIANTS), below, 2000)
        return
    n, width, positive = (int(v) for v in args.split.split(":"))
    paths = [p for p in args.below.split(",") if p]
    below = LowerCubes.from_records([r for p in paths for r in read_records(p)], n - 1, width) if paths else None
    if any("c" in v for v in variants) and below is None:
        refuse("bench_pruning: the c variants need --below")
    run(n, width, positive, [int(v) for v in args.cubes.split(",")], variants, below, args.nodes)


if __name__ == "__main__":
    main()
