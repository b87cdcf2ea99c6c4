"""The exact pattern method against the MILP, in the same run: every width below a minimum, proven twice.

    nice -n 19 python benchmarks/bench_patterns.py --out benchmarks/prove/two_methods.jsonl.gz
    python benchmarks/bench_patterns.py --smoke      # parity n = 2..3 and 3-bit parity at widths 2, 3: seconds
    python -m expressivity.prove.check benchmarks/prove/two_methods.jsonl.gz

Part 1: ``n``-bit parity, ``n = 2..5``, at width ``m_n - 1`` (1, 2, 2, 3; the
minimum widths ``m_n`` = 2, 3, 3, 4 are those of docs/results/proofs.md), by
:func:`~expressivity.prove.prove_width_by_patterns` (activation patterns, exact
LP duals, every answer checked in integers or Fractions) and by
:func:`~expressivity.prove.prove_width` (HiGHS in floating point, sign variant,
strong formulation): both must say ``proven-infeasible``.

Part 2: the NPN classes of 4 variables whose minimum width is 3 (the census,
``benchmarks/census/evidence/census4.jsonl.gz``), each at width 2 (both
methods must refute it) and width 3 (the pattern method's network is checked
in Fractions, the MILP's is certified).  The three-unit pattern method lists
every surviving combination before its first LP; for these classes step 3's
conditions are weak (millions of survivors), so it stops at
``three_units.MAX_SURVIVORS`` or ``--width3-limit`` seconds and answers
"undecided", with its reason: counted as undecided, never as agreement.

Both methods run on the same machine in the same run, one HiGHS thread; the
seconds are wall-clock around each call.  Tables go to stdout (``--json``: one
JSON object instead), progress to stderr.  ``--out FILE`` writes one JSON-lines
record per (function, width, method) (``.gz``: compressed): the MILP's
``WidthProof.to_dict()`` (kind ``"prove-width"``) and the pattern method's
``PatternProof.to_dict()`` with kind ``"prove-patterns"``, its Farkas
multipliers in integers (``"farkas"``, the census's format) and its network;
``python -m expressivity.prove.check FILE`` re-checks both.  Exit status 1
when the two methods contradict each other on some width.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

from expressivity.functions import parse_function
from expressivity.prove import prove_width, prove_width_by_patterns
from expressivity.prove.census.backing import farkas_evidence
from expressivity.results.atomic import check_writable, write_atomic
from expressivity.results.tables import format_table

ROOT = Path(__file__).resolve().parents[1]
#: The census whose classes of minimum width 3 part 2 reads.
CENSUS = ROOT / "benchmarks" / "census" / "evidence" / "census4.jsonl.gz"
#: Proven minimum widths of n-bit parity (docs/results/proofs.md).
PARITY_MINIMUM = {2: 2, 3: 3, 4: 3, 5: 4}
#: The kind of the pattern method's records, re-checked by expressivity.prove.check.
PATTERN_KIND = "prove-patterns"
#: Each method's answer, as a verdict both can give (anything else: undecided).
VERDICTS = {"proven-infeasible": "infeasible", "feasible-certified": "feasible"}


def pattern_record(proof, part: str) -> dict:
    """The pattern method's proof as a record: its counts, network, lemmas, and Farkas multipliers in integers."""
    complements = proof.complements or (False,) * len(proof.farkas)
    farkas = [farkas_evidence(proof.n, combination, multipliers, complement)
              for (combination, multipliers), complement in zip(proof.farkas, complements)]
    return proof.to_dict() | {"kind": PATTERN_KIND, "part": part, "farkas": farkas}


def both_methods(spec: str, n: int, width: int, args, part: str, records: list) -> dict:
    """One width of one function by the pattern method, then the MILP: a table row (dict), records appended."""
    f = parse_function(spec, n)
    limit = args.width3_limit if width == 3 and part == "classes" else args.pattern_limit
    started = time.perf_counter()
    pattern = prove_width_by_patterns(f, width, time_limit=limit)
    pattern_seconds = time.perf_counter() - started
    started = time.perf_counter()
    milp = prove_width(n, width, function=spec, time_limit=args.time_limit, threads=1)
    milp_seconds = time.perf_counter() - started
    records.append(pattern_record(pattern, part))
    records.append(milp.to_dict() | {"part": part})
    verdicts = VERDICTS.get(pattern.status), VERDICTS.get(milp.status)
    row = {"function": spec, "hex": f.hex, "n": n, "width": width,
           "patterns_status": pattern.status, "patterns_seconds": pattern_seconds, "patterns_reason": pattern.reason,
           "milp_status": milp.status, "milp_seconds": milp_seconds,
           "agree": None not in verdicts and verdicts[0] == verdicts[1],
           "contradict": None not in verdicts and verdicts[0] != verdicts[1],
           "counts": {k: v for k, v in pattern.to_dict().items()
                      if k in ("patterns", "first_units", "considered", "survivors", "programs", "certificates")}
           | {"lemmas": len(pattern.lemmas)}}
    print(f"  {spec} n={n} width={width}: patterns {pattern.status} {pattern_seconds:.2f} s, "
          f"MILP {milp.status} {milp_seconds:.2f} s{'' if row['agree'] else '  (NOT AGREED)'}",
          file=sys.stderr, flush=True)
    return row


def census_classes(path: Path, minimum: int) -> list[str]:
    """The hex of every census row whose proven minimum width is ``minimum``, in the file's order."""
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [r["hex"] for r in rows if r["lower_bound"] == r["upper_bound"] == minimum]


def summary(rows: list[dict]) -> list[dict]:
    """Per width: each method's decided count, total and median seconds; the ratio of totals where both decide."""
    out = []
    for width in sorted({r["width"] for r in rows}):
        mine = [r for r in rows if r["width"] == width]
        both = [r for r in mine if r["agree"]]
        entry = {"width": width, "classes": len(mine), "agreed": len(both)}
        for method in ("patterns", "milp"):
            seconds = [r[f"{method}_seconds"] for r in mine]
            entry[method] = {"decided": sum(VERDICTS.get(r[f"{method}_status"]) is not None for r in mine),
                             "total_seconds": sum(seconds), "median_seconds": statistics.median(seconds)}
        total = sum(r["patterns_seconds"] for r in both)
        entry["milp_over_patterns"] = sum(r["milp_seconds"] for r in both) / total if both and total > 0 else None
        out.append(entry)
    return out


def _short(status: str) -> str:
    return VERDICTS.get(status, status)


def print_tables(parity: list[dict], classes: list[dict], totals: list[dict], args) -> None:
    print("## Parity below its minimum width: both methods, same run (one HiGHS thread)")
    head = ["n", "width", "patterns", "s", "MILP", "s", "MILP/patterns", "patterns", "first units", "considered",
            "survivors", "LPs", "certificates", "lemmas"]
    body = [[r["n"], r["width"], _short(r["patterns_status"]), f"{r['patterns_seconds']:.2f}",
             _short(r["milp_status"]), f"{r['milp_seconds']:.2f}",
             f"{r['milp_seconds'] / r['patterns_seconds']:.2f}" if r["patterns_seconds"] > 0 else "-",
             *(r["counts"][k] for k in ("patterns", "first_units", "considered", "survivors", "programs",
                                         "certificates", "lemmas"))] for r in parity]
    print(format_table(head, body))
    if not classes:
        return
    print(f"\n## Classes of minimum width 3: widths 2 and 3 by both methods "
          f"(pattern limit {args.pattern_limit:g} s, width 3: {args.width3_limit:g} s; MILP {args.time_limit:g} s)")
    by_class: dict = {}
    for r in classes:
        by_class.setdefault(r["function"], {})[r["width"]] = r
    head = ["function", "w2 patterns", "s", "w2 MILP", "s", "w3 patterns", "s", "w3 MILP", "s"]
    body = [[spec] + [x for w in (2, 3) for x in (
        (_short(ws[w]["patterns_status"]), f"{ws[w]['patterns_seconds']:.2f}", _short(ws[w]["milp_status"]),
         f"{ws[w]['milp_seconds']:.2f}") if w in ws else ("-",) * 4)] for spec, ws in by_class.items()]
    print(format_table(head, body))
    reasons: dict = {}
    for r in classes:
        if r["patterns_reason"]:
            reasons[(r["width"], r["patterns_reason"])] = reasons.get((r["width"], r["patterns_reason"]), 0) + 1
    for (width, reason), count in sorted(reasons.items()):
        print(f"pattern method undecided at width {width} on {count} classes: {reason}")
    print("\n## Summary per width")
    head = ["width", "classes", "both agree", "patterns decided", "total s", "median s", "MILP decided", "total s",
            "median s", "MILP/patterns (totals, agreed)"]
    body = [[t["width"], t["classes"], t["agreed"], t["patterns"]["decided"], f"{t['patterns']['total_seconds']:.1f}",
             f"{t['patterns']['median_seconds']:.2f}", t["milp"]["decided"], f"{t['milp']['total_seconds']:.1f}",
             f"{t['milp']['median_seconds']:.2f}",
             "-" if t["milp_over_patterns"] is None else f"{t['milp_over_patterns']:.2f}"] for t in totals]
    print(format_table(head, body))


def write_records(path: str, records: list) -> None:
    text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
    if path.endswith(".gz"):
        write_atomic(path, lambda temp: Path(temp).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0)))
    else:
        write_atomic(path, lambda temp: Path(temp).write_text(text, encoding="utf-8"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", default="2..5", help="part 1: parity for n in A..B (2 <= A <= B <= 5)")
    parser.add_argument("--classes", type=int, default=-1,
                        help="part 2: the first K classes of minimum width 3 (-1: all 61, 0: skip part 2)")
    parser.add_argument("--budget", type=float, default=0.0,
                        help="part 2 starts no class past this many seconds of the run (0: no budget)")
    parser.add_argument("--time-limit", type=float, default=300.0, help="HiGHS seconds per (function, width)")
    parser.add_argument("--pattern-limit", type=float, default=600.0,
                        help="pattern method seconds per (function, width), except part 2's width 3")
    parser.add_argument("--width3-limit", type=float, default=10.0,
                        help="pattern method seconds at width 3 in part 2 (module docstring)")
    parser.add_argument("--census", default=str(CENSUS), help="census records with the classes of part 2")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout instead of the tables")
    parser.add_argument("--out", default=None, help="JSON-lines file (.gz: compressed) of every proof")
    parser.add_argument("--smoke", action="store_true",
                        help="parity n = 2..3, 3-bit parity as the only class (seconds); no file unless --out")
    args = parser.parse_args(argv)
    try:
        low, high = (int(x) for x in args.bits.split(".."))
        if not 2 <= low <= high <= 5:
            raise ValueError
    except ValueError:
        print(f"error: --bits {args.bits[:40]!r} must be A..B with 2 <= A <= B <= 5", file=sys.stderr)
        return 2
    if args.out is not None:
        try:
            check_writable(args.out)
        except OSError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    if args.smoke:
        low, high, args.time_limit = 2, 3, 30.0
        cases = [("hex:96", 3)]                      # 3-bit parity: minimum width 3, found by both at width 3
    elif args.classes == 0:
        cases = []
    else:
        hexes = census_classes(Path(args.census), 3)
        cases = [(f"hex:{h}", 4) for h in (hexes if args.classes < 0 else hexes[:args.classes])]
    started = time.perf_counter()
    records: list = []

    print("part 1: parity below its minimum width", file=sys.stderr, flush=True)
    parity = [both_methods("parity", n, PARITY_MINIMUM[n] - 1, args, "parity", records) for n in range(low, high + 1)]

    print(f"part 2: {len(cases)} classes of minimum width 3, widths 2 and 3", file=sys.stderr, flush=True)
    classes, skipped = [], 0
    for index, (spec, n) in enumerate(cases):
        if args.budget > 0 and time.perf_counter() - started > args.budget:
            skipped = len(cases) - index
            print(f"budget of {args.budget:g} s spent: {skipped} classes not run", file=sys.stderr, flush=True)
            break
        classes.extend(both_methods(spec, n, width, args, "classes", records) for width in (2, 3))
    totals = summary(classes)
    contradictions = [r for r in parity + classes if r["contradict"]]
    if args.json:
        print(json.dumps({"parity": parity, "classes": classes, "summary": totals, "classes_not_run": skipped,
                          "contradictions": len(contradictions)}))
    else:
        print_tables(parity, classes, totals, args)
        if skipped:
            print(f"{skipped} of {len(cases)} classes not run (budget {args.budget:g} s)")
        print(f"{time.perf_counter() - started:.0f} s in all; {len(contradictions)} contradictions")
    if args.out:
        write_records(args.out, records)
        print(f"{len(records)} records written to {args.out}", file=sys.stderr)
    for r in contradictions:
        print(f"CONTRADICTION: {r['function']} n={r['n']} width {r['width']}: patterns {r['patterns_status']}, "
              f"MILP {r['milp_status']}", file=sys.stderr)
    return 1 if contradictions else 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    raise SystemExit(main())
