"""Re-check proof records with a small program of its own: ``python -m expressivity.prove.check FILE...``.

The model is VIPR for MIP and DRAT for SAT: the solver may be large, the
checker must be small.  This module imports only the standard library and
numpy (nothing else of ``expressivity``), so what it accepts does not rest on
the code that wrote the records.  It reads JSON-lines records and re-checks
the evidence each one carries, in integer and :class:`~fractions.Fraction`
arithmetic:

* a *network* (an integer certificate of ``prove-width``, a census width or a
  cube; the rational network of the pattern method; the float64 weights of a
  ``search-width`` record, read exactly as dyadic rationals) is evaluated on all
  ``2^n`` inputs and must compute the function of the record's hex: sign
  variant, output ``> 0`` exactly on the ones (0 is wrong); exact variant,
  output ``== scale * f(x)``;
* *Farkas multipliers* of a pattern combination (``{"patterns", "signs",
  "rows": [[row, y], ...]}``, integers ``y``): the rows of ``G v >= h`` are
  rebuilt from the combination's patterns and signs alone and
  ``y >= 0, y^T G = 0, y^T h > 0`` is checked (so no network has those
  patterns and signs);
* a *hull certificate* (``{"ones": [[row, weight], ...], "zeros": [...]}``,
  integer weights): the same point in the convex hull of the ones and of the
  zeros, so ``f`` is not linearly separable and width 1 is not enough;
* a cube closed *through a facet*: its restriction to the facet is recomputed,
  the lower cube it cites must be a closed record of the files given, reached
  from it by an input transform; it then rests on what that cube rests on;
* the constructions named as a census row's upper bound (minterms,
  interpolation on ``sum(x)``, zigzag) are rebuilt here and checked like any
  network, with no more units than the bound;
* with ``--rederive`` (seconds per record), a three-unit refutation (a pattern
  proof of width 3 with face ``lemmas``) is re-derived by the sibling file
  ``rederive.py`` (numpy only too): its count of surviving combinations must be
  the record's.  Its face lemmas (restrictions needing three units) are
  re-derived there where the sandwich conditions suffice (parity of 3 and 4
  bits), and the width then counts as proven exactly; the others are listed
  with the census rows of the files given that prove them;
* a file's cube splits (``n <= 6``): the sibling file ``split_cover.py``
  counts that every threshold pattern of ``n`` inputs lies in the orbit of a
  listed cube, so the split loses no network (:func:`check_splits`); a
  complete split whose cubes are all closed then says "no network", resting on
  those closures.

What the records alone cannot settle is listed, never passed: closures by
HiGHS in floating point (with their dual bound), pattern-method refutations
made by combinatorial pruning, the completeness of a list of combinations,
named constructions without a network.

The checker is four files by subject, with two helpers:
``check_evidence.py`` (networks, Farkas multipliers, hulls, in integers and
Fractions), ``check_census.py`` (census rows and pattern-method records),
``check_cubes.py`` (cubes and their splits), and this file (reading the
records, search-width networks, the report); ``rederive.py`` and
``split_cover.py`` re-derive three-unit refutations and count splits.

Row ``k`` of a truth table is the input with ``x_i = (k >> i) & 1``; the hex
holds row ``k`` in bit ``k`` (the last digit holds rows 0-3: 4-bit parity is
``6996``).  Exit status 0 when nothing failed, 1 when a check failed, 2 for bad
input (one line on stderr).  ``--json`` prints one JSON object; ``--brief``
prints only the summaries and the failures.  The file also runs on its own,
``python expressivity/prove/check.py FILE...``, without importing the package
(about 2 s of imports less).

The sign variant follows the records: output ``> 0`` exactly on the ones, so an
output of exactly 0 passes on a zero (the pattern method's convention;
``verify_exhaustive``'s sign mode also calls it wrong, and the certificates the
solver writes never have one).  A cube's network proves its width; when
rounding moved its fixed unit's pattern it does not certify the cube itself,
and that is listed.
"""
from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import re
import sys

import numpy as np

if __package__:                  # python -m expressivity.prove.check, or imported: the sibling modules
    from .check_census import census_by_hex, census_classes, check_census, check_patterns, check_width_proof
    from .check_cubes import check_cube, check_splits, cube_index
    from .check_evidence import (BadRecord, Report, as_int, check_farkas, check_hull, count, evaluate, judge,
                                 parity_table, table_of)
else:                            # python expressivity/prove/check.py: Python put this file's folder first on sys.path
    from check_census import census_by_hex, census_classes, check_census, check_patterns, check_width_proof
    from check_cubes import check_cube, check_splits, cube_index
    from check_evidence import (BadRecord, Report, as_int, check_farkas, check_hull, count, evaluate, judge,
                                parity_table, table_of)

__all__ = ["check_files", "read_records", "summary_text", "main", "BadRecord", "table_of", "evaluate", "judge",
           "check_farkas", "check_hull"]

#: The largest records file read (bytes): checked before reading.
MAX_FILE_BYTES = 1 << 30


def check_search(report: Report, record, folder: str) -> None:
    label = f"search-width n={record['n']} {record['function_hex']} shape {record.get('shape')}"
    if not record.get("weights_file"):
        if record.get("successes"):
            report.unchecked.append(f"{label}: {record['successes']} fits, no weights kept")
        else:
            report.nothing_claimed += 1
        return
    path = os.path.join(folder, record["weights_file"])
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            depth = sum(1 for k in data.files if re.fullmatch(r"weight_\d+", k))
            layers = [(data[f"weight_{d}"].tolist(), data[f"bias_{d}"].tolist()) for d in range(depth)]
    except (OSError, ValueError, KeyError) as error:
        report.failures.append(f"{label}: weights file unreadable: {error}"[:200])
        return
    n = as_int(record["n"])
    encoding = "01" if meta.get("inputs", "0/1") == "0/1" else "pm1"
    values, scale = evaluate(layers, n, encoding)
    count(report, label, judge(values, scale, table_of(record["function_hex"], n), "sign"))


def read_records(path: str) -> list:
    """The JSON objects of a records file; ``OSError``/``ValueError`` (one line) for bad input.

    A last line without its newline that does not parse is being written by another process: it is skipped.
    """
    if not os.path.isfile(path):
        raise ValueError(f"{path}: not a regular file")
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes")
    opener = gzip.open if path.endswith(".gz") else open    # large certificate files ship compressed
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            text = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, UnicodeDecodeError) as error:   # a damaged or truncated compressed file
        raise ValueError(f"{path}: cannot be read ({type(error).__name__})") from None
    if len(text) > MAX_FILE_BYTES:
        raise ValueError(f"{path}: more than {MAX_FILE_BYTES:,} characters")
    lines = text.split("\n")
    records = []
    collecting = gc.isenabled()
    gc.disable()            # millions of small lists of multipliers: the collector's passes cost more than the parse
    try:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if number == len(lines):
                    continue
                raise ValueError(f"{path}:{number}: not JSON") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: a record must be a JSON object")
            records.append(record)
    finally:
        if collecting:
            gc.enable()
    return records


def check_files(paths, rederive_three: bool = False) -> list[Report]:
    """Check every record of ``paths`` (read first, so that facet citations reach across files).

    ``rederive_three``: re-derive the three-unit refutations (:func:`~expressivity.prove.check_census.rederived`, seconds each).
    """
    files = [(p, read_records(p)) for p in paths]
    census_rows = census_classes(files) if rederive_three else None
    by_hex, cubes = census_by_hex(files), cube_index(files)
    reports = []
    for path, records in files:
        report = Report(path, census_rows)
        report.census_by_hex, report.cubes = by_hex, cubes
        for number, record in enumerate(records, 1):
            report.records += 1
            try:
                if record.get("kind") == "census":
                    check_census(report, record)
                elif "cube" in record:
                    check_cube(report, record, cubes)
                elif record.get("kind") == "prove-width":
                    n = as_int(record["n"])
                    table = table_of(record["function_hex"], n) if record.get("function_hex") else parity_table(n)
                    check_width_proof(report, f"prove-width {record.get('function', 'parity')} n={n}", record, n, table)
                elif record.get("kind") == "search-width":
                    check_search(report, record, os.path.dirname(path))
                elif record.get("kind") == "prove-patterns":
                    check_patterns(report, record)
                else:
                    report.unchecked.append(f"record {number}: kind {record.get('kind')!r} not recognised")
            except (KeyError, TypeError, ValueError) as error:
                report.failures.append(f"record {number}: malformed ({error!r})"[:200])
        check_splits(report, records)
        reports.append(report)
    return reports


def summary_text(report: Report, brief: bool = False) -> str:
    exact = report.exact
    lines = [f"{report.path}: {report.records} records; checked exactly: {exact['networks']} networks, "
             f"{exact['farkas']} Farkas certificates, {exact['hulls']} hull certificates, {exact['constructions']} "
             f"constructions, {exact['facets']} facet citations, {exact['rederived']} three-unit re-derivations, "
             f"{exact['complete splits']} complete cube splits; "
             f"{len(report.floating)} closures resting on floating "
             f"point; {len(report.unchecked)} claims not checked; {report.nothing_claimed} claiming nothing; "
             f"{len(report.failures)} failures"]
    for title, items in (("FAILED", report.failures), ("floating point", report.floating),
                         ("not checked", report.unchecked)):
        shown = items if not brief or title == "FAILED" else []
        lines.extend(f"  {title}: {item}" for item in shown)
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    def error(self, message):               # one line, exit 2
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv=None) -> int:
    parser = _Parser(prog="python -m expressivity.prove.check",
                                     description="Re-check the evidence in proof records (numpy and fractions only).")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--brief", action="store_true", help="summaries and failures only")
    parser.add_argument("--rederive", action="store_true",
                        help="re-derive three-unit refutations with rederive.py (seconds per record)")
    args = parser.parse_args(argv)
    try:
        reports = check_files(args.files, args.rederive)
    except (OSError, ValueError) as error:
        print(f"error: {error}".splitlines()[0][:300], file=sys.stderr)
        return 2
    failed = any(r.failures for r in reports)
    if args.json:
        print(json.dumps({"files": [r.to_dict() for r in reports], "failed": failed}))
    else:
        print("\n".join(summary_text(r, args.brief) for r in reports))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
