"""Push the table of proven minimum widths as far as a wall-clock budget allows; compare formulations.

    python benchmarks/bench_prove.py --budget 1200 --time-limit 600 --bits 2..7 --compare-limit 120
    python benchmarks/bench_prove.py --smoke      # n = 2..3, short limits: seconds

Part 1 runs ``prove_minimum_width`` with the strong formulation for n = 2, 3, ...
until the budget is spent (each width gets ``min(time limit, budget left)``).
Part 2 re-solves, with the plain formulation (no symmetry breaking, box
normalisation, big-M n + 1, every sign split), each width that part 1 settled
with the same per-width time limit, and reports the ratio of solve times on the
cases both settle.  Prints tables; ``--out`` also writes every record as JSON lines.
One HiGHS thread throughout (the machine is shared).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from expressivity.prove import PLAIN, STRONG, prove_minimum_width, prove_width
from expressivity.results.tables import format_table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=600.0, help="wall-clock seconds for part 1")
    parser.add_argument("--time-limit", type=float, default=300.0, help="HiGHS seconds per (n, width)")
    parser.add_argument("--bits", default="2..7", help="A..B")
    parser.add_argument("--compare-limit", type=float, default=120.0,
                        help="time limit per width for both formulations in part 2 (0: skip part 2)")
    parser.add_argument("--compare-max-bits", type=int, default=5, help="part 2 only for n up to this")
    parser.add_argument("--variant", default="sign", choices=("sign", "exact"))
    parser.add_argument("--out", default=None, help="JSON-lines file for every proof")
    parser.add_argument("--smoke", action="store_true", help="n = 2..3, 10 s limits, no file (seconds)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.bits, args.budget, args.time_limit, args.compare_limit, args.compare_max_bits, args.out = \
            "2..3", 60.0, 10.0, 10.0, 3, None
    low, high = (int(x) for x in args.bits.split(".."))
    records = []

    # -- part 1: the table -----------------------------------------------------------
    started = time.perf_counter()
    summaries = []
    for n in range(low, high + 1):
        left = args.budget - (time.perf_counter() - started)
        if left <= 1:
            print(f"budget spent before n = {n}", file=sys.stderr)
            break
        limit = min(args.time_limit, left)

        def report(proof):
            records.append(proof.to_dict() | {"part": "table"})
            print(f"  n={proof.n} width={proof.width}: {proof.status} in {proof.seconds:.1f} s "
                  f"({proof.reason[:100]})", file=sys.stderr, flush=True)

        summary = prove_minimum_width(n, variant=args.variant, time_limit=limit, on_proof=report)
        summaries.append(summary)
        print(f"n={n}: lower {summary.lower_bound}, upper {summary.upper_bound} ({summary.upper_source}), "
              f"{summary.status}; {time.perf_counter() - started:.0f} s elapsed", file=sys.stderr, flush=True)
    table_seconds = time.perf_counter() - started
    print("## Proven minimum widths (strong formulation)")
    rows = [[s.n, s.lower_bound, s.upper_bound, s.upper_source, s.status,
             " ".join(f"w{p.width}:{_short(p.status)}({p.seconds:.1f}s)" for p in s.widths)] for s in summaries]
    print(format_table(["n", "proven lower", "certified upper", "upper from", "status", "widths (time)"], rows))
    print(f"part 1: {table_seconds:.0f} s of a {args.budget:.0f} s budget, time limit {args.time_limit:g} s per width")

    # -- part 2: strong against plain ---------------------------------------------------
    if args.compare_limit > 0:
        cases = [(p.n, p.width) for s in summaries for p in s.widths if p.n <= args.compare_max_bits]
        rows, ratios = [], []
        for n, width in cases:
            result = {}
            for formulation in (STRONG, PLAIN):
                proof = prove_width(n, width, variant=args.variant, formulation=formulation,
                                    time_limit=args.compare_limit)
                records.append(proof.to_dict() | {"part": "compare"})
                result[formulation.name] = proof
                print(f"  compare n={n} width={width} {formulation.name}: {proof.status} "
                      f"{proof.seconds:.2f} s", file=sys.stderr, flush=True)
            strong, plain = result["strong"], result["plain"]
            both = strong.status != "unknown" and plain.status != "unknown"
            ratio = plain.seconds / strong.seconds if both and strong.seconds > 0 else None
            if ratio is not None:
                ratios.append(ratio)
            rows.append([n, width, _short(strong.status), f"{strong.seconds:.2f}", _short(plain.status),
                         f"{plain.seconds:.2f}", f"{ratio:.1f}" if ratio is not None else "-"])
        print(f"\n## Strong against plain ({args.compare_limit:g} s limit per width)")
        print(format_table(["n", "width", "strong", "seconds", "plain", "seconds", "plain/strong"], rows))
        if ratios:
            import statistics

            print(f"ratio on the {len(ratios)} cases both settle: median {statistics.median(ratios):.1f}, "
                  f"geometric mean {statistics.geometric_mean(ratios):.1f}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, sort_keys=True) + "\n")
    return 0


def _short(status: str) -> str:
    return {"proven-infeasible": "infeasible", "feasible-certified": "certified"}.get(status, status)


if __name__ == "__main__":
    raise SystemExit(main())
