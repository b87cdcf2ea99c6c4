"""Time the census of proven minimum widths (sign variant) over every NPN class of n = 3 and n = 4 bits.

    python benchmarks/bench_census.py                      # n = 3 and 4, 60 s per width
    python benchmarks/bench_census.py --bits 4 --time-limit 120
    python benchmarks/bench_census.py --bits 5 --kind symmetric

For each n: the table of classes (representative, name, size, bounds, what
backs them, seconds), the histogram of minimum widths weighted by class size,
the slowest classes, and the total seconds.  One line per class goes to stderr
as it finishes.  Writes no file (no records); one HiGHS thread (the machine is shared).
"""
from __future__ import annotations

import argparse
import time

from expressivity.prove.census import (
    CENSUS_KINDS, MAX_CENSUS_BITS, census, census_table, census_universe, histogram_table,
)
from expressivity.results.tables import format_table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", default="3,4", help="n values, separated by commas")
    parser.add_argument("--kind", default="npn", choices=CENSUS_KINDS)
    parser.add_argument("--time-limit", type=float, default=60.0, help="HiGHS seconds per width of each class")
    parser.add_argument("--slowest", type=int, default=10, help="how many of the slowest classes to list")
    args = parser.parse_args(argv)
    bits = [int(b) for b in args.bits.split(",")]
    for n in bits:
        if not 1 <= n <= MAX_CENSUS_BITS[args.kind]:
            parser.error(f"--bits: the {args.kind} census takes 1 <= n <= {MAX_CENSUS_BITS[args.kind]}, got {n}")
    totals = []
    for n in bits:
        started = time.perf_counter()
        rows = census(n, args.kind, time_limit=args.time_limit, progress=True)
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
        print(f"\nn = {n}: {seconds:.1f} s in all ({sum(r.seconds for r in rows):.1f} s proving)\n", flush=True)
    print(format_table(["n", "classes", "seconds"], [[n, k, f"{s:.1f}"] for n, k, s in totals]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
