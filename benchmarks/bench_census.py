"""Time the census of proven minimum widths (sign variant) over every NPN class of n = 3 and n = 4 bits.

    python benchmarks/bench_census.py                      # n = 3 and 4, 60 s per width
    python benchmarks/bench_census.py --bits 4 --time-limit 120
    python benchmarks/bench_census.py --bits 5 --kind symmetric
    python benchmarks/bench_census.py --smoke               # n = 2, 10 s limits: seconds

For each n: the table of classes (representative, name, size, bounds, what
backs them, seconds), the histogram of minimum widths weighted by class size,
the slowest classes, the total seconds, and the two lower-bound methods timed
against each other on the same (function, width) pairs: for every class whose
lower bound L is 2 or 3, the seconds HiGHS took to prove width L - 1
infeasible (the MILP, floating point) against the seconds of the pattern
method (activation patterns + Farkas certificates checked in integers) on the
same width.  One line per class goes to stderr
as it finishes.  Writes no file (no records); one HiGHS thread (the machine is shared).
"""
from __future__ import annotations

import argparse
import statistics
import time

from expressivity.prove.census.table import (
    CENSUS_KINDS, MAX_CENSUS_BITS, census, census_table, census_universe, histogram_table,
)
from expressivity.results.tables import format_table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", default="3,4", help="n values, separated by commas")
    parser.add_argument("--kind", default="npn", choices=CENSUS_KINDS)
    parser.add_argument("--time-limit", type=float, default=60.0, help="HiGHS seconds per width of each class")
    parser.add_argument("--slowest", type=int, default=10, help="how many of the slowest classes to list")
    parser.add_argument("--pattern-time-limit", type=float, default=600.0,
                        help="seconds per class for the pattern method (0: off)")
    parser.add_argument("--smoke", action="store_true", help="n = 2 with 10 s limits (seconds)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.bits, args.time_limit, args.pattern_time_limit = "2", 10.0, 10.0
    bits = [int(b) for b in args.bits.split(",")]
    for n in bits:
        if not 1 <= n <= MAX_CENSUS_BITS[args.kind]:
            parser.error(f"--bits: the {args.kind} census takes 1 <= n <= {MAX_CENSUS_BITS[args.kind]}, got {n}")
    totals = []
    for n in bits:
        started = time.perf_counter()
        rows = census(n, args.kind, time_limit=args.time_limit, progress=True,
                      pattern_time_limit=args.pattern_time_limit)
        seconds = time.perf_counter() - started
        totals.append((n, len(rows), seconds))
        what = "NPN classes" if args.kind == "npn" else "classes of symmetric functions"
        print(f"## n = {n}: {len(rows)} {what} ({census_universe(n, args.kind):,} functions), "
              f"sign variant, strong formulation, time limit {args.time_limit:g} s per width\n")
        print(census_table(rows))
        print()
        print(histogram_table(rows))
        slow = sorted(rows, key=lambda row: row.seconds, reverse=True)[:args.slowest]
        print(f"\nslowest {len(slow)} classes:")
        print(format_table(["class", "name", "widths", "status", "seconds"],
                           [[r.hex, r.name or "-", r.widths_text(), r.status, f"{r.seconds:.2f}"] for r in slow]))
        print(f"\nn = {n}: {seconds:.1f} s in all ({sum(r.seconds for r in rows):.1f} s proving with HiGHS, "
              f"{sum((r.second or {}).get('seconds', 0.0) for r in rows):.1f} s in the pattern method)\n")
        print(methods_table(rows), flush=True)
    print(format_table(["n", "classes", "seconds"], [[n, k, f"{s:.1f}"] for n, k, s in totals]))
    return 0


def methods_table(rows) -> str:
    """HiGHS against the pattern method on the same (function, width) pairs: seconds and outcomes per width."""
    pairs: dict[int, list[tuple[float, float, str]]] = {}
    for row in rows:
        if row.second is None:
            continue
        width = row.second["width"]
        milp = [p for p in row.widths if p.width == width and p.status == "proven-infeasible"]
        if milp:
            pairs.setdefault(width, []).append((milp[0].seconds, row.second["seconds"], row.second["status"]))
    body = []
    for width, found in sorted(pairs.items()):
        milp = [m for m, _, _ in found]
        patterns = [p for _, p, _ in found]
        proven = sum(status == "proven-infeasible" for _, _, status in found)
        body.append([width, len(found), proven, f"{sum(milp):.1f}", f"{statistics.median(milp):.3f}",
                     f"{max(milp):.2f}", f"{sum(patterns):.1f}", f"{statistics.median(patterns):.3f}",
                     f"{max(patterns):.2f}", f"{sum(patterns) / max(sum(milp), 1e-9):.1f}x"])
    return format_table(["width", "pairs", "patterns proved", "HiGHS s", "median", "max", "patterns s", "median",
                         "max", "patterns / HiGHS"], body) if body else "(no lower bound of 2 or 3 to compare)"


if __name__ == "__main__":
    raise SystemExit(main())
