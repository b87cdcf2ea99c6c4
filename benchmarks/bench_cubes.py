"""The single program against its cubes, on one core and on Ray workers, in the same run.

    nice -n 10 python benchmarks/bench_cubes.py --bits 5 --widths 3,4 --workers 2 --md benchmarks/CUBES.md

For each width: ``prove_width`` (the single program, split only by P), then
``prove_width_by_cubes`` on the local backend (one core, one cube after another),
then the same cubes through a local Ray instance with ``--workers`` CPUs.  One
HiGHS thread everywhere.  A feasible width stops at the first certified network,
so its time depends on where that cube comes in the order; an infeasible width
runs every cube.  From the per-cube times of the one-core run, the wall time on C
cores is *simulated* with a longest-processing-time-first schedule (no overheads).
Prints the tables and writes them, with the machine's load, to ``--md``.
``--smoke``: n = 3, width 2, the local backend only (no Ray), 10 s limits: seconds.
"""
from __future__ import annotations

import argparse
import heapq
import json
import os
import statistics
import time

from expressivity.backends import LocalBackend, make_backend
from expressivity.functions import parity
from expressivity.prove import prove_width
from expressivity.prove.cubes.cube import cubes
from expressivity.prove.cubes.cube_split import prove_width_by_cubes
from expressivity.results.atomic import write_text_atomic
from expressivity.results.tables import format_table


def lpt_makespan(seconds: list[float], cores: int) -> float:
    """Wall time of a longest-first schedule of independent jobs on ``cores`` machines.

    >>> lpt_makespan([3.0, 2.0, 2.0, 1.0], 2)
    4.0
    """
    loads = [0.0] * cores
    for job in sorted(seconds, reverse=True):
        heapq.heapreplace(loads, loads[0] + job)
    return max(loads)


def markdown(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(v) for v in row) + " |" for row in rows])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", type=int, default=5)
    parser.add_argument("--widths", default="3,4")
    parser.add_argument("--workers", type=int, default=2, help="CPUs of the Ray instance")
    parser.add_argument("--time-limit", type=float, default=1800.0, help="HiGHS seconds: per program and per cube")
    parser.add_argument("--md", default=None, help="write the tables to this Markdown file")
    parser.add_argument("--out", default=None, help="JSON lines: every proof with its per-cube records")
    parser.add_argument("--smoke", action="store_true", help="n = 3, width 2, local backend only (seconds)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.bits, args.widths, args.time_limit, args.md, args.out = 3, "2", 10.0, None, None
    n, widths = args.bits, [int(w) for w in args.widths.split(",")]
    f = parity(n)
    load_before = os.getloadavg()
    started = time.perf_counter()
    ray_start = time.perf_counter()
    ray = None if args.smoke else make_backend("ray", workers=args.workers)
    ray_start = time.perf_counter() - ray_start
    rows, records, distributions = [], [], []
    try:
        for width in widths:
            single = prove_width(n, width, time_limit=args.time_limit)
            nodes = sum(s.nodes for s in single.splits)
            rows.append([width, "single program", "1", single.status, f"{single.seconds:.1f}", "-",
                         len(single.splits), nodes, "1.0"])
            print(f"w={width} single: {single.status} {single.seconds:.1f} s", flush=True)
            records.append({"run": "single"} | single.to_dict())
            for backend in [LocalBackend()] + ([ray] if ray is not None else []):
                proof = prove_width_by_cubes(f, width, backend=backend, time_limit=args.time_limit)
                busy = sum(r.seconds for r in proof.results)
                ratio = single.seconds / proof.seconds
                rows.append([width, f"cubes, {backend.name}", backend.workers, proof.status, f"{proof.seconds:.1f}",
                             f"{busy:.1f}", f"{len(proof.results)} of {proof.cube_count}",
                             sum(r.nodes for r in proof.results), f"{ratio:.2f}"])
                print(f"w={width} cubes {backend.name} x{backend.workers}: {proof.status} {proof.seconds:.1f} s "
                      f"({busy:.1f} s in cubes)", flush=True)
                records.append({"run": f"cubes-{backend.name}"} | proof.to_dict())
                if backend.name == "local":
                    times = [r.seconds for r in proof.results]
                    distributions.append((width, proof, times, single.seconds))
    finally:
        if ray is not None:
            ray.close()
    total = time.perf_counter() - started
    header = ["width", "method", "workers", "status", "wall s", "s in cubes", "programs", "nodes", "single/this"]
    print(format_table(header, rows))
    spread_rows = []
    for width, proof, times, single_seconds in distributions:
        cuts = statistics.quantiles(times, n=10, method="inclusive") if len(times) >= 2 else times * 9
        sim = [lpt_makespan(times, c) for c in (2, 16, 128)]
        spread_rows.append([width, proof.status, len(times), f"{min(times):.2f}", f"{statistics.median(times):.2f}",
                            f"{cuts[-1]:.2f}", f"{max(times):.2f}", f"{sum(times):.1f}",
                            " / ".join(f"{s:.1f}" for s in sim), f"{single_seconds:.1f}"])
    spread_header = ["width", "status", "cubes run", "min s", "median s", "90% s", "max s", "sum s",
                     "LPT wall on 2 / 16 / 128 cores (simulated)", "single program s"]
    print(format_table(spread_header, spread_rows))
    load_after = os.getloadavg()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, sort_keys=True) + "\n")
    if args.md:
        text = "\n\n".join([
            f"## Cube-and-conquer against the single program (n = {n}, parity, sign variant)",
            f"    nice -n 10 python benchmarks/bench_cubes.py --bits {n} --widths {args.widths} "
            f"--workers {args.workers} --md {args.md}",
            f"Cubes per width: {', '.join(f'w = {w}: {len(cubes(f, w))}' for w in widths)} (every count P "
            f"of +1 output weights with one threshold pattern of unit 0 per orbit). One HiGHS thread per program; "
            f"the Ray instance ({args.workers} CPUs) took {ray_start:.1f} s to start, not counted below. "
            f"Load average (1 min) {load_before[0]:.2f} before and {load_after[0]:.2f} after, on "
            f"{os.cpu_count()} cores shared with other work; whole run {total:.0f} s. "
            "`single/this` is the single program's wall time over this row's.",
            markdown(header, rows),
            "Per-cube times of the one-core run, and the wall time a longest-first schedule of those "
            "times would take on C cores (a simulation, without start-up or transfer costs):",
            markdown(spread_header, spread_rows),
        ]) + "\n"
        write_text_atomic(args.md, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
