"""Benchmark: the tied-weight program against the untied one, on the same (n, width), in the same run.

For each case the untied program (``prove_width(n, w)``, one binary per input
and unit) and the tied one (``prove_width(n, w, groups=...)``, one per grid
point) are solved one after the other, one HiGHS thread each.  Prints binaries,
status and seconds for both and the ratio of the times.  The two answer
different questions when no network exists (the tied class is smaller), so the
ratio is the price of the bigger question, not a like-for-like speed-up; when
both find a network, both networks are certified on all 2^n inputs.

    python benchmarks/bench_tied.py
    python benchmarks/bench_tied.py --time-limit 120
    python benchmarks/bench_tied.py --smoke        # the first case only, 10 s limit: seconds
"""
from __future__ import annotations

import argparse
import platform
import time

from expressivity.prove import build_model, format_groups, positive_counts, prove_width
from expressivity.results.tables import format_table

#: (n, width, groups): a certified width and widths below the minimum, at n = 4..6.
CASES = (
    (4, 3, (2, 2)),
    (5, 4, (3, 2)),
    (5, 4, (5,)),
    (5, 3, (3, 2)),
    (6, 3, (3, 3)),
    (6, 3, (2, 2, 2)),
)


def binaries(n: int, width: int, groups) -> int:
    return build_model(n, width, positive_counts(width, groups=groups)[0], groups=groups).n_binaries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=300.0, help="HiGHS seconds per (n, width, groups)")
    parser.add_argument("--smoke", action="store_true", help="the first case only, 10 s limit (seconds)")
    args = parser.parse_args()
    cases = CASES[:1] if args.smoke else CASES
    args.time_limit = min(args.time_limit, 10.0) if args.smoke else args.time_limit
    print(f"# {platform.machine()}, one HiGHS thread, time limit {args.time_limit:g} s", flush=True)
    rows = []
    for n, width, groups in cases:
        started = time.perf_counter()
        untied = prove_width(n, width, time_limit=args.time_limit)
        untied_seconds = time.perf_counter() - started
        started = time.perf_counter()
        tied = prove_width(n, width, groups=groups, time_limit=args.time_limit)
        tied_seconds = time.perf_counter() - started
        rows.append([n, width, format_groups(groups), binaries(n, width, None), untied.status, f"{untied_seconds:.2f}",
                     binaries(n, width, groups), tied.status, f"{tied_seconds:.2f}",
                     f"{untied_seconds / tied_seconds:.0f}x"])
        print(f"  n={n} width={width} groups={format_groups(groups)}: untied {untied.status} {untied_seconds:.2f} s, "
              f"tied {tied.status} {tied_seconds:.2f} s", flush=True)
    print(format_table(["n", "width", "groups", "binaries", "untied", "s", "binaries", "tied", "s", "untied/tied"],
                       rows))


if __name__ == "__main__":
    main()
