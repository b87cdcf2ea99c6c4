"""Parity with a free affine term, and what restricting a network to a face of the cube says about n = 6.

Restriction lemma.  Let ``g(x) = c + sum_j a_j relu(w_j . x + b_j)`` sign-represent
``n``-bit parity and let ``F`` be a face of the cube of dimension ``d`` (some bits
fixed).  A unit whose pre-activation does not change sign on ``F`` is affine there
(zero, or its pre-activation), so on ``F`` the network is an affine term plus the
units that *cut* ``F``, and it sign-represents ``d``-bit parity (or its negation,
the same question).  Hence if ``d``-bit parity needs ``m_d`` ReLUs beside a free
affine term, every ``d``-face is cut by at least ``m_d`` units, and a network with
``P`` positive output weights restricts, on a face that every unit cuts, to one
with the same ``P``.

This script measures the two facts the lemma needs, with the cube programs of
:mod:`expressivity.prove.cubes.cube` (HiGHS, floating point, the same word as
``prove-width``'s "proven-infeasible"):

* ``m_d``: ``k`` ReLUs plus an affine term is the same class as ``k + 1`` units of
  which one (unit 0, output weight +1) is active on every input, because any affine
  term on the cube is ``relu(affine + M) - M`` for a large ``M``, and a negative
  always-active unit is such a term too.  So ``m_d <= k`` iff some cube with unit 0's
  pattern "always" is feasible at width ``k + 1`` for some ``P = 1..k+1``.
* per ``P``: which counts of +1 output weights admit ``n``-bit parity at width ``w``
  (the single program of :mod:`expressivity.prove.milp.program`, one split at a time;
  S1 maps ``P`` to ``w - P``, so ``P >= w/2`` is enough).

* one split by its cubes: every cube of one ``(n, w, P)`` on a backend, each result
  appended to ``--records`` as it arrives (a rerun skips the settled cubes); with ``--below``,
  the cubes that ``n - 1`` bits settle through a facet (:mod:`expressivity.prove.cubes.facets`, which
  needs no "every unit cuts every facet": a restricted network keeps its width and output
  weights) are recorded without a program; ``--every`` solves every cube, so that the records
  say which patterns admit a network (what ``--below`` needs one bit up); ``--prune`` solves the
  pruned programs of :mod:`expressivity.prove.cubes.pruning` (``sort``: the fixed unit's stabiliser;
  ``counts``: every free unit's facet counts, from ``--below``; ``both``), ``--skip`` names another
  run's records to skip.

    python benchmarks/bench_restrictions.py --bits 2..5 --time-limit 1200
    python benchmarks/bench_restrictions.py --splits 5:4 --time-limit 1200
    python benchmarks/bench_restrictions.py --cube-split 5:4:3 --time-limit 600 --workers 2 --records n5p3.jsonl
    python benchmarks/bench_restrictions.py --cube-split 5:4:2 --every --time-limit 600 --workers 2 --records n5p2.jsonl
    python benchmarks/bench_restrictions.py --cube-split 6:4:2 --below n5p2.jsonl --time-limit 3600 \
        --address HOST:PORT --records n6p2.jsonl
    nice -n 19 python benchmarks/bench_restrictions.py --cube-split 6:4:2 --prune sort --below n5p2.jsonl \
        --skip n6p2.jsonl --time-limit 3600 --workers 2 --records n6p2_pruned.jsonl
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import time

from expressivity.functions import parity
from expressivity.backends import make_backend
from expressivity.prove.cubes.cube import Cube, _solve_task, cubes, solve_cube
from expressivity.prove.cubes.facets import LowerCubes, settle_by_facets
from expressivity.prove.cubes.pruning import _solve_pruned_task, count_rows
from expressivity.prove.cubes.unit_facets import unit_rule
from expressivity.prove.milp.formulation import STRONG, default_bound, positive_counts
from expressivity.prove.milp.width import _solve_split
from expressivity.results.records import read_records


#: ``--prune`` values: none, the stabiliser's sorted weights, every free unit's facet counts, both.
PRUNINGS = ("", "sort", "counts", "both")


def parse_span(text: str) -> list[int]:
    low, _, high = text.partition("..")
    return list(range(int(low), int(high or low) + 1))


def affine_rows(bits: list[int], time_limit: float) -> None:
    """``d``-bit parity with ``d - 2`` ReLUs and an affine term: every ``P``."""
    print("| d | ReLUs + affine | P | status | seconds | nodes | dual bound |")
    print("|---|---|---|---|---|---|---|")
    for d in bits:
        relus = d - 2
        always = (1 << (1 << d)) - 1  # unit 0 active on every input: the affine term
        for positive in range(1, relus + 2):
            r = solve_cube(parity(d), relus + 1, Cube(0, positive, 1, always), time_limit=time_limit)
            print(f"| {d} | {relus} | {positive} | {r.status} | {r.seconds:.1f} | {r.nodes} | "
                  f"{r.dual_bound if r.dual_bound is None else f'{r.dual_bound:.3g}'} |", flush=True)


def split_rows(pairs: list[tuple[int, int]], time_limit: float) -> None:
    """Every count ``P`` of +1 output weights the single program solves at ``(n, w)`` (S1: ``P >= w/2``).

    Each split is solved and read as ``prove-width`` does (a network found is certified on every input).
    """
    print("| n | width | P | outcome | HiGHS | margin | dual bound | seconds | nodes |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, width in pairs:
        f = parity(n)
        for positive in positive_counts(width, STRONG, function=f):
            s, _, _ = _solve_split((f.hex, n), width, "sign", STRONG, default_bound(n, "sign"), None, 1, 0,
                                   time_limit, positive)
            print(f"| {n} | {width} | {positive} | {s.outcome} | {s.solver_status} | {s.objective} | "
                  f"{s.dual_bound} | {s.seconds:.1f} | {s.nodes} |", flush=True)


def drop_cut_tail(path: str) -> int:
    """Cut a last line left without its newline by a killed run; the bytes cut (0 when the file ends whole).

    Each record is one line written by one ``write`` and flushed, so only a kill in the
    middle of that write leaves a tail without its newline: a record that was never
    finished (its cube is solved again).  Left in place, the next record would be appended
    to it, and the merged line would make the whole file unreadable.  A tail that is a
    whole JSON object lacks only its newline, and it is kept (the newline is added).
    """
    if not os.path.isfile(path):
        return 0
    with open(path, "rb+") as handle:
        size = start = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        while start > 0:                                 # back, a block at a time, to the last newline
            block = max(0, start - (1 << 16))
            handle.seek(block)
            found = handle.read(start - block).rfind(b"\n")
            start = block + found + 1 if found >= 0 else block
            if found >= 0:
                break
        handle.seek(start)
        try:
            if isinstance(json.loads(handle.read()), dict):
                handle.write(b"\n")
                return 0
        except ValueError:
            pass
        handle.truncate(start)
        return size - start


def cube_split(n: int, width: int, positive: int, time_limit: float, workers: int, records: str,
               every: bool = False, below: list[str] = (), address: str | None = None, prune: str = "",
               skip: list[str] = ()) -> None:
    """Every cube of ``(parity(n), width)`` with ``positive`` +1 output weights, on Ray (or locally with 1 worker).

    The run stops at the first network found unless ``every`` (then every cube is solved: which
    patterns of the fixed unit admit a network).  ``below``: record files of ``n - 1`` bits at
    this width; a cube that one of them settles through a facet (:mod:`expressivity.prove.cubes.facets`)
    is recorded as such and not solved.  Each record is a ``CubeResult`` (``prove-width --cubes``'s form).
    ``prune``: solve the pruned programs of :mod:`expressivity.prove.cubes.pruning`: ``"sort"`` (the fixed
    unit's stabiliser sorts a free unit's weights), ``"counts"`` (every free unit's facet counts, from
    ``below``) or ``"both"``; ``""`` solves the plain cube programs.  ``skip``: more record files whose
    settled cubes of this ``(n, width)`` are not solved again (another run's records).
    """
    if prune not in PRUNINGS:
        raise ValueError(f"prune must be one of {PRUNINGS}, got {prune!r}")
    if prune in ("counts", "both") and not below:
        raise ValueError(f"prune {prune!r} needs the record files of n - 1 bits (below)")
    f = parity(n)
    if cut := drop_cut_tail(records):
        print(f"# {records}: cut {cut} bytes of an unfinished last record (a killed run); its cube is solved again",
              flush=True)
    settled = {Cube.from_dict(r["cube"]).key for path in [records, *skip] for r in read_records(path)
               if "cube" in r and (r.get("n"), r.get("width")) == (n, width) and r["status"] != "unknown"}
    todo = [c for c in cubes(f, width) if c.positive == positive and c.key not in settled]
    lower = LowerCubes.from_records([r for path in below for r in read_records(path)], n - 1, width) if below else None
    print(f"# n = {n}, w = {width}, P = {positive}: {len(todo)} cubes left, {len(settled)} settled before"
          + (f"; {lower.infeasible} proven-infeasible cubes of n = {n - 1} below" if lower else ""), flush=True)
    started, counts = time.perf_counter(), {}

    def record(out, r):
        out.write(json.dumps(r.to_dict()) + "\n")        # one line, one write: at most a cut tail on a kill
        out.flush()
        os.fsync(out.fileno())                           # on disk before the next cube (minutes apart)
        counts[r.status] = counts.get(r.status, 0) + 1

    with open(records, "a") as out:
        if lower is not None:
            todo, settled = settle_by_facets(f, width, todo, lower)
            for r in settled:
                record(out, r)
            print(f"# {len(settled)} settled through a facet, {len(todo)} to solve", flush=True)
        ray = workers > 1 or address is not None
        backend = make_backend("ray" if ray else "local", address=address,
                               workers=workers if ray and address is None else None)
        try:
            task = functools.partial(_solve_task, (f.hex, n), width, time_limit, 1)
            if prune:
                counts_rows = count_rows(unit_rule(f, width, positive, lower)) if prune != "sort" else None
                task = functools.partial(_solve_pruned_task, (f.hex, n), width, time_limit, 1, counts_rows,
                                         prune != "counts")
                print(f"# pruned programs ({prune}): {0 if counts_rows is None else counts_rows.count} facet-count "
                      f"rows (one unit of each sign), first free unit's weights sorted: {prune != 'counts'}",
                      flush=True)
            for solved, (cube, r) in enumerate(backend.map_unordered(task, todo), start=1):
                record(out, r)
                print(f"cube {cube.index} (fixed unit active on {cube.active}): {r.status} ({r.solver_status}), "
                      f"{r.seconds:.1f} s; {solved}/{len(todo)} in {time.perf_counter() - started:.0f} s", flush=True)
                if r.status == "feasible-certified" and not every:
                    break
        finally:
            backend.close()
    print(f"# {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", default=None, help="d range for the affine-term rows, e.g. 2..5")
    parser.add_argument("--splits", default=None, help="n:w pairs for the per-P rows, e.g. 5:4,4:3")
    parser.add_argument("--cube-split", default=None, help="n:w:P, every cube of that split")
    parser.add_argument("--workers", type=int, default=1, help="Ray workers for --cube-split (1: in this process)")
    parser.add_argument("--records", default="cube_split.jsonl", help="JSON lines for --cube-split")
    parser.add_argument("--time-limit", type=float, default=600.0, help="HiGHS seconds per program")
    parser.add_argument("--every", action="store_true", help="--cube-split: solve every cube, not stop at a network")
    parser.add_argument("--below", default="", help="--cube-split: record files of n - 1 bits, comma-separated")
    parser.add_argument("--address", default=None, help="--cube-split: a Ray cluster's HOST:PORT")
    parser.add_argument("--prune", default="", choices=PRUNINGS,
                        help="--cube-split: solve pruned programs (sort: the stabiliser; counts: facet counts, "
                             "needs --below; both)")
    parser.add_argument("--skip", default="", help="--cube-split: more record files whose settled cubes are skipped")
    parser.add_argument("--smoke", action="store_true", help="only the affine rows for d = 2..3, 10 s limit (seconds)")
    args = parser.parse_args()
    if args.prune in ("counts", "both") and not args.below:
        parser.exit(2, f"bench_restrictions: --prune {args.prune} needs --below (record files of n - 1 bits)\n")
    if args.smoke:
        args.bits, args.time_limit, args.cube_split, args.splits = "2..3", 10.0, None, None
    try:  # every value is read before any work, so a typo costs one line, not a traceback after a run
        bits = parse_span(args.bits) if args.bits else []
        split = tuple(int(v) for v in args.cube_split.split(":")) if args.cube_split else None
        pairs = [tuple(int(v) for v in pair.split(":")) for pair in args.splits.split(",")] if args.splits else []
        if (split is not None and len(split) != 3) or any(len(p) != 2 for p in pairs):
            raise ValueError("--cube-split takes n:w:P, --splits n:w pairs")
    except ValueError as error:
        parser.exit(2, f"bench_restrictions: {error}\n")
    if bits:
        affine_rows(bits, args.time_limit)
    if split:
        n, width, positive = split
        cube_split(n, width, positive, args.time_limit, args.workers, args.records, args.every,
                   [p for p in args.below.split(",") if p], args.address, args.prune,
                   [p for p in args.skip.split(",") if p])
    if pairs:
        split_rows(pairs, args.time_limit)


if __name__ == "__main__":
    main()
