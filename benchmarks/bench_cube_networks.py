"""Recompute the networks of cube records that say "feasible-certified" but keep no certificate.

Cube records written before records kept certificates (the n = 5 cubes of
``benchmarks/restrictions/n5_w4_p2_cubes.jsonl``) say a cube holds a network but
store none, so ``python -m expressivity.prove.check`` cannot re-check them.  This
script re-solves each such cube (``expressivity.prove.solve_cube``, one HiGHS
thread) and appends the new ``CubeResult`` record, whose integer certificate the
solver verified on every input, to ``--out``, atomically, one record per cube as
it finishes.  A rerun skips the cubes that already have a certified record in
``--out`` and tries the others again.  A cube that does not re-certify is recorded
as its solve ended (``unknown`` with the reason, or what HiGHS proved), never as
certified.  One line per cube goes to stderr: cube index, status, seconds, how
many are done and the time left at the rate so far.

A certified network proves the width; it certifies the cube itself only if its
fixed unit keeps the cube's activation pattern (rounding the solver's weights may
move it, or leave its pre-activation exactly 0 where the cube says active, the
program's active side being ``>= 0``).  With ``--tries K`` such a cube is solved
again with the next HiGHS seeds, up to K solves; the last network is kept either
way and the summary counts the networks that left their cube, by how (the
checker lists them too).

``--merge`` then writes ``--records`` anew (a temporary file beside it and a
rename): each record without a network is replaced, in place, by the certified
record of its cube from ``--out``; every other line is kept byte for byte and in
order.  It refuses, writing nothing, unless every such cube has one.

``--refit`` (no ``--out``) writes ``--records`` anew the same way with each
network that leaves its cube put back into it exactly (:func:`refit`: the LP of
the network's own activation patterns with the fixed unit's set to the cube's,
solved and checked in Fractions); a network it cannot refit stays as it was and
is counted.  On the shipped n = 5 file all 113 refit, in about a second.

    nice -n 19 python benchmarks/bench_cube_networks.py --records benchmarks/restrictions/n5_w4_p2_cubes.jsonl \\
        --out benchmarks/restrictions/n5_w4_p2_networks.jsonl --time-limit 600
    python benchmarks/bench_cube_networks.py --records benchmarks/restrictions/n5_w4_p2_cubes.jsonl \\
        --out benchmarks/restrictions/n5_w4_p2_networks.jsonl --merge
    python benchmarks/bench_cube_networks.py --records benchmarks/restrictions/n5_w4_p2_cubes.jsonl --refit
    python -m expressivity.prove.check benchmarks/restrictions/n5_w4_p2_cubes.jsonl

``--workers N`` (N > 1) solves the cubes on a local Ray instance; only this
process writes records.  ``--smoke``: the cubes of 3-bit parity at width 3 in a
temporary folder, their networks stripped, recomputed, merged and refit (seconds).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

#: The kind of records file read and written (see expressivity.results.records).
KIND = "prove-width --cubes"
#: What a record without a network says.
FEASIBLE = "feasible-certified"


class Refused(ValueError):
    """Input this script refuses before any work: one line, exit 2."""


def cube_key(record: dict) -> tuple:
    """What names a cube across files: ``(n, width, function_hex, positive, sign, pattern)``.

    >>> cube_key({"n": 3, "width": 3, "function_hex": "96", "cube": {"index": 1, "positive": 2, "sign": 1,
    ...           "pattern": 8}})
    (3, 3, '96', 2, 1, 8)
    """
    cube = record["cube"]
    return (int(record["n"]), int(record["width"]), str(record["function_hex"]).lower(),
            int(cube["positive"]), int(cube["sign"]), int(cube["pattern"]))


def needs_network(record: dict) -> bool:
    """A record that says its cube holds a network but keeps none.

    >>> needs_network({"status": "feasible-certified"}), needs_network({"status": "feasible-certified",
    ...                                                                 "certificate": {"weights": []}})
    (True, False)
    """
    return record.get("status") == FEASIBLE and record.get("certificate") is None


def fixed_unit(record: dict) -> str:
    """Whether a certified record's network keeps its cube: ``"holds"``, ``"at zero"`` or ``"moved"``.

    The fixed unit is unit 0 when the cube's sign is +1, else unit ``positive``
    (the checker's rule); it keeps the cube when it is active (pre-activation
    ``> 0``) exactly on the cube's pattern and the network has ``positive`` +1
    output weights.  ``"at zero"``: it does not, but only because the
    pre-activation is exactly 0 on inputs where the pattern says active (the cube
    program's active side is ``>= 0``).

    >>> cert = {"weights": [[1, 1]], "biases": [-1], "output_weights": [1], "output_bias": 0}
    >>> [fixed_unit({"n": 2, "certificate": cert, "cube": {"positive": 1, "sign": 1, "pattern": p}})
    ...  for p in (0b1000, 0b1110, 0b0001)]
    ['holds', 'at zero', 'moved']
    """
    cert, cube, n = record["certificate"], record["cube"], int(record["n"])
    unit = 0 if cube["sign"] > 0 else cube["positive"]
    if unit >= len(cert["biases"]) or sum(v > 0 for v in cert["output_weights"]) != cube["positive"]:
        return "moved"
    z = [cert["biases"][unit] + sum(w for i, w in enumerate(cert["weights"][unit]) if (k >> i) & 1)
         for k in range(1 << n)]
    differ = [k for k in range(1 << n) if (z[k] > 0) != bool((cube["pattern"] >> k) & 1)]
    if not differ:
        return "holds"
    return "at zero" if all(z[k] == 0 for k in differ) else "moved"


def fixed_unit_holds(record: dict) -> bool:
    """Whether a certified record's network keeps its cube (:func:`fixed_unit`)."""
    return fixed_unit(record) == "holds"


def resolve(task: tuple) -> dict:
    """Solve one cube again (a backend task): the new ``CubeResult`` record, with the HiGHS seeds tried.

    ``task``: ``(record, time_limit, tries)``.  Any error becomes an ``unknown`` record saying so.
    """
    from expressivity.functions import function_from_hex
    from expressivity.prove import Cube, CubeResult, solve_cube

    record, time_limit, tries = task
    f, cube = function_from_hex(record["function_hex"], int(record["n"])), Cube.from_dict(record["cube"])
    started = time.perf_counter()
    try:
        for seed in range(tries):
            result = solve_cube(f, int(record["width"]), cube, time_limit=time_limit, seed=seed).to_dict()
            if result["status"] != FEASIBLE or fixed_unit_holds(result):
                break
    except Exception as error:  # noqa: BLE001 -- a cube that fails is recorded as such; the run goes on
        result = CubeResult(f.n, int(record["width"]), f.hex, cube, "unknown", "error", time.perf_counter() - started,
                            0, None, None, time_limit, f"error while solving: {error!r}"[:300]).to_dict()
        seed = 0
    return {"record": result, "seeds": seed + 1, "wall": time.perf_counter() - started}


def exact_certificate(network, table) -> dict | None:
    """A rational network (``expressivity.prove.exact.duals.ExactNetwork``) as an integer certificate record.

    The network's output is ``> 0`` on the ones and ``<= 0`` on the zeros (it was
    checked so in Fractions); its output bias is lowered by half the least output
    on the ones, so every sign is strict, as the toolkit's certificates are
    (``verify_exhaustive``, sign variant).  Every hidden unit is scaled by the lcm ``D`` of the hidden denominators
    (``relu(D z) = D relu(z)``), then the output row by the denominator ``E`` of
    ``D c``: the integer network computes ``D E`` times the shifted one, so its
    sign is the same on every input.  The result is checked by
    ``verify_exhaustive`` on every input (sign variant); ``None`` if it does not
    verify (it always should: the rational network was checked in Fractions).
    """
    import math
    from fractions import Fraction

    import numpy as np

    from expressivity.prove import Certificate
    from expressivity.verify.exhaustive import table_reference, verify_exhaustive
    from expressivity.verify.record import Verification

    hidden = [v for row in network.weights for v in row] + list(network.biases)
    d = math.lcm(*(v.denominator for v in hidden))
    n = len(network.weights[0])
    ones = [network.c + sum(s * max(Fraction(0), b + sum(w for j, w in enumerate(row) if (k >> j) & 1))
                            for row, b, s in zip(network.weights, network.biases, network.signs))
            for k in range(1 << n) if table[k]]
    shifted = network.c - min(ones, default=Fraction(1)) / 2
    e = (d * shifted).denominator
    weights = tuple(tuple(int(v * d) for v in row) for row in network.weights)
    biases = tuple(int(b * d) for b in network.biases)
    out, c = tuple(int(s) * e for s in network.signs), int(d * e * shifted)
    limit = max(v.denominator for v in hidden + [shifted])
    candidate = Certificate(weights, biases, out, c, 1, limit, Verification("skipped", "none", n))
    verification = verify_exhaustive(candidate.network(), table_reference(np.asarray(table, dtype=np.int64)),
                                     mode="sign")
    if not verification.verified:
        return None
    return Certificate(weights, biases, out, c, 1, limit, verification).to_dict()


def refit(record: dict) -> dict | None:
    """The record with a network that keeps its cube, found exactly from the network it has; ``None`` if none is.

    The combination: every unit keeps the activation pattern it has in the stored
    network (active where its pre-activation is ``> 0``) and its output sign,
    except the fixed unit, which gets the cube's pattern.  That combination's one
    linear program (:func:`expressivity.prove.exact.duals.solve_combination`: a
    pattern's rows ``z >= 1`` on it and ``z <= 0`` off it, the output ``>= 1`` on
    the ones and ``<= 0`` on the zeros, all homogeneous, so nothing is lost) is
    solved and its solution checked in Fractions, then made an integer
    certificate (:func:`exact_certificate`).

    Why a network *at zero* always refits: let the stored network ``N`` (integer
    weights, output ``>= 1`` on the ones, ``<= 0`` on the zeros) leave its fixed
    unit ``u`` at ``z_u = 0`` on some inputs the cube calls active.  The cube's
    pattern ``R`` is a threshold function, so some integer affine ``h`` has
    ``h >= 1`` on ``R`` and ``h <= -1`` off it; let ``H = max |h|``.  Scale every
    hidden unit and the output bias of ``N - 1/2`` by ``K``, and replace ``K z_u``
    by ``K z_u + h``.  Where ``z_u >= 1`` or ``z_u <= -1`` (integers) its sign
    stays when ``K > H``; where ``z_u = 0`` it takes the sign of ``h``, that is
    ``R``'s; no other unit changes.  The output moves by at most ``|a_u| H`` from
    ``K (N - 1/2)``, whose values are at least ``K/2`` away from 0 with the right
    sign, so ``K > 2 |a_u| H`` keeps every sign.  That network lies in the LP:
    it is feasible.  A network whose unit *moved* by rounding may or may not refit.
    """
    from expressivity.prove.exact.duals import solve_combination
    from expressivity.prove.exact.patterns import Combination

    cert, cube, n = record["certificate"], record["cube"], int(record["n"])
    table = [bool((int(record["function_hex"], 16) >> k) & 1) for k in range(1 << n)]
    unit = 0 if cube["sign"] > 0 else cube["positive"]
    patterns = []
    for i, (row, bias) in enumerate(zip(cert["weights"], cert["biases"])):
        z = [bias + sum(w for j, w in enumerate(row) if (k >> j) & 1) for k in range(1 << n)]
        patterns.append(int(cube["pattern"]) if i == unit else sum((v > 0) << k for k, v in enumerate(z)))
    signs = tuple(1 if a > 0 else -1 for a in cert["output_weights"])
    answer = solve_combination(table, Combination(tuple(patterns), signs))
    if answer.status != "feasible":
        return None
    certificate = exact_certificate(answer.network, table)
    if certificate is None:
        return None
    new = dict(record, certificate=certificate,
               reason=f"{record.get('reason', '')}; refit exactly into the cube's pattern (the LP of the network's "
                      f"activation patterns with the fixed unit's set to the cube's, solved in rationals)")
    return new if fixed_unit_holds(new) else None


def refit_records(records: str) -> dict:
    """Write ``records`` anew with each certified network that leaves its cube refit into it (:func:`refit`).

    Every other line stays byte for byte and in place; written beside the file and
    renamed over it, then read back.  Returns counts: networks that left their
    cube, by how, before; how many refit; how many still leave it.
    """
    from expressivity.results.atomic import check_writable

    rows, lines = read_input(records)
    try:
        check_writable(records)
    except OSError as error:
        raise Refused(f"cannot rewrite --records {records}: {error}") from None
    before, left = {"at zero": 0, "moved": 0}, {"at zero": 0, "moved": 0}
    new_lines, fixed = [], 0
    for line in lines:
        record = json.loads(line) if line.strip() else None
        if record is None or record.get("status") != FEASIBLE or record.get("certificate") is None \
                or fixed_unit_holds(record):
            new_lines.append(line)
            continue
        how = fixed_unit(record)
        before[how] += 1
        new = refit(record)
        if new is None:
            left[how] += 1
            new_lines.append(line)
        else:
            fixed += 1
            new_lines.append(json.dumps(new, sort_keys=True) + ("\n" if line.endswith("\n") else ""))
    if fixed:
        rewrite(records, lines, new_lines, "refit")
    return {"records": records, "in_file": len(rows), "left_their_cube_before": before, "refit": fixed,
            "still_leave_their_cube": left}


def rewrite(records: str, lines: list[str], new_lines: list[str], step: str) -> None:
    """Replace ``records`` (read as ``lines``) by ``new_lines``: atomically, refused if it changed since, read back."""
    from expressivity.results.atomic import write_text_atomic

    text = "".join(new_lines)
    if Path(records).read_text(encoding="utf-8") != "".join(lines):
        raise Refused(f"--records {records} changed while the {step} ran: nothing written, run it again")
    write_text_atomic(records, text)
    if Path(records).read_text(encoding="utf-8") != text:
        raise RuntimeError(f"{records} does not read back as written")


def split_lines(text: str) -> list[str]:
    """``text`` cut after each ``"\\n"`` (only there: a record may hold other line breaks in its strings).

    >>> split_lines("a\\n\\nb\\rc"), split_lines("a\\n")
    (['a\\n', '\\n', 'b\\rc'], ['a\\n'])
    """
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def check_cube_records(rows: list[dict], label: str, needs: str = "") -> None:
    """:class:`Refused` at the first record of ``rows`` that names no cube (``label``: the option and file)."""
    for number, record in enumerate(rows, start=1):
        try:
            cube_key(record)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise Refused(f"{label}, record {number}: not a cube record{needs}") from None


def read_input(records: str) -> tuple[list[dict], list[str]]:
    """The records of ``records`` and its raw lines; :class:`Refused` if it is missing or not cube records."""
    from expressivity.results.records import RecordsError, read_records

    path = Path(records)
    if not path.is_file():
        raise Refused(f"--records {records}: no such file" if not path.exists() else f"--records {records}: not a file")
    try:
        rows = read_records(path, kind=KIND)
        lines = split_lines(path.read_text(encoding="utf-8"))
    except (OSError, RecordsError) as error:
        raise Refused(f"cannot use --records {records}: {error}") from None
    check_cube_records(rows, f"--records {records}", " (n, width, function_hex, cube {positive, sign, pattern})")
    return rows, lines


def read_output(out: str, records: str) -> list[dict]:
    """The records already in ``out`` (none for a new file); :class:`Refused` if it cannot be used."""
    from expressivity.results.atomic import check_writable
    from expressivity.results.records import RecordsError, read_records

    if not out:
        raise Refused("--out: an empty path names no file")
    same = os.path.realpath(out) == os.path.realpath(records)
    if not same and os.path.exists(out):
        same = os.path.samefile(out, records)
    if same:
        raise Refused(f"--out {out} is the --records file itself: give the new records a file of their own")
    try:
        check_writable(out)
        rows = read_records(out, kind=KIND)
    except (OSError, RecordsError) as error:
        raise Refused(f"cannot use --out {out}: {error}") from None
    check_cube_records(rows, f"--out {out}")
    return rows


def check_functions(rows: list[dict], records: str) -> None:
    """Every record to solve names a function and width the cube programs take: else :class:`Refused`."""
    from expressivity.functions import function_from_hex
    from expressivity.prove import MAX_CUBE_BITS

    for record in rows:
        n, width, hex_ = int(record["n"]), int(record["width"]), record["function_hex"]
        if not 1 <= n <= MAX_CUBE_BITS or width < 1:
            raise Refused(f"--records {records}: a cube of n = {n}, width {width}; the cube programs take "
                          f"n = 1..{MAX_CUBE_BITS} and width >= 1")
        try:
            function_from_hex(hex_, n)
        except ValueError as error:
            raise Refused(f"--records {records}: {error}") from None


def certified(out_rows: list[dict]) -> dict[tuple, dict]:
    """The certified record of each cube in ``out_rows``; one whose network keeps its cube wins, then the last."""
    best: dict[tuple, dict] = {}
    for record in out_rows:
        if record.get("status") == FEASIBLE and record.get("certificate") is not None:
            key = cube_key(record)
            if key not in best or fixed_unit_holds(record) or not fixed_unit_holds(best[key]):
                best[key] = record
    return best


def recompute(records: str, out: str, time_limit: float, workers: int = 1, tries: int = 1,
              log=sys.stderr) -> dict:
    """Re-solve every cube of ``records`` that lacks its network, appending each new record to ``out``.

    Returns a summary: cube counts by status, how many were skipped (certified in
    ``out`` already), the seconds each cube took (median, max, total; all its
    solves, as the task measured them), the wall seconds, and how many networks
    left their cube.
    """
    from expressivity.backends import BackendError, make_backend
    from expressivity.results.records import append_records

    rows, _ = read_input(records)
    done = certified(read_output(out, records))
    wanted = [r for r in rows if needs_network(r)]
    check_functions(wanted, records)
    todo, seen = [], set()
    for record in wanted:
        key = cube_key(record)
        if key not in done and key not in seen:
            seen.add(key)
            todo.append(record)
    print(f"# {records}: {len(rows)} records, {len(wanted)} feasible without a network; {len(wanted) - len(todo)} "
          f"certified in {out} already, {len(todo)} to solve (time limit {time_limit:g} s, {workers} worker(s))",
          file=log, flush=True)
    try:
        backend = make_backend("ray" if workers > 1 else "local", workers=workers if workers > 1 else None)
    except BackendError as error:
        raise Refused(f"--workers {workers}: {error}") from None
    statuses: dict[str, int] = {}
    seconds, moved, started = [], {"at zero": 0, "moved": 0}, time.perf_counter()
    try:
        tasks = [(record, time_limit, tries) for record in todo]
        for count, (_, answer) in enumerate(backend.map_unordered(resolve, tasks), start=1):
            new = answer["record"]
            append_records(out, [new])
            statuses[new["status"]] = statuses.get(new["status"], 0) + 1
            seconds.append(answer["wall"])
            note = ""
            if new["status"] == FEASIBLE and not fixed_unit_holds(new):
                moved[fixed_unit(new)] += 1
                note = f" (the network's fixed unit left the cube, {fixed_unit(new)}: it proves the width only)"
            elif new["status"] != FEASIBLE:
                note = f" ({new['reason']})"
            elapsed = time.perf_counter() - started
            left = elapsed / count * (len(todo) - count)
            tried = "" if answer["seeds"] == 1 else f" ({answer['seeds']} seeds)"
            print(f"cube {new['cube']['index']}: {new['status']}{note}, {answer['wall']:.1f} s{tried}; "
                  f"{count}/{len(todo)} done in {elapsed:.0f} s, about {left:.0f} s left", file=log, flush=True)
    finally:
        backend.close()
    return {
        "records": records, "out": out, "feasible_without_network": len(wanted),
        "skipped": len(wanted) - len(todo), "solved": len(seconds), "statuses": statuses,
        "networks_left_their_cube": moved, "time_limit": time_limit, "workers": workers,
        "seconds": {"median": statistics.median(seconds) if seconds else None,
                    "max": max(seconds, default=None), "total": sum(seconds)},
        "wall_seconds": time.perf_counter() - started,
    }


def merge(records: str, out: str) -> dict:
    """Write ``records`` anew with each record that lacks its network replaced by its cube's certified one in ``out``.

    Every other line stays byte for byte and in place; the new file is written
    beside the old one and renamed over it, then read back and compared.
    :class:`Refused` (nothing written) when a cube has no certified record in
    ``out``, or when ``records`` changed while the merge ran.  Returns counts:
    records, replaced, kept, networks that left their cube.
    """
    rows, lines = read_input(records)
    best = certified(read_output(out, records))
    missing = [r for r in rows if needs_network(r) and cube_key(r) not in best]
    if missing:
        raise Refused(f"cannot merge: {len(missing)} of {sum(map(needs_network, rows))} cubes without a network "
                      f"have no certified record in {out} (run without --merge first)")
    new_lines, replaced, moved = [], 0, {"at zero": 0, "moved": 0}
    for line in lines:
        record = json.loads(line) if line.strip() else None
        if record is not None and needs_network(record):
            new = best[cube_key(record)]
            new_lines.append(json.dumps(new, sort_keys=True) + ("\n" if line.endswith("\n") else ""))
            replaced += 1
            if not fixed_unit_holds(new):
                moved[fixed_unit(new)] += 1
        else:
            new_lines.append(line)
    if replaced:
        rewrite(records, lines, new_lines, "merge")
    return {"records": records, "out": out, "in_file": len(rows), "replaced": replaced, "kept": len(rows) - replaced,
            "networks_left_their_cube": moved}


def smoke_records(folder: Path) -> Path:
    """A tiny records file in ``folder``: every cube of 3-bit parity at width 3, the feasible ones without networks."""
    from expressivity.functions import parity
    from expressivity.prove import prove_width_by_cubes

    proof = prove_width_by_cubes(parity(3), 3, time_limit=10.0, stop_on_feasible=False)
    path = folder / "cubes.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for result in proof.results:
            record = result.to_dict()
            if record["status"] == FEASIBLE:  # the legacy form: feasible, no network kept
                record = {k: record[k] for k in ("n", "width", "function_hex", "cube", "status", "seconds", "nodes",
                                                 "dual_bound")} | {"reason": "written without a certificate"}
            handle.write(json.dumps(record) + "\n")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", help="cube records (JSON lines) whose feasible cubes lack networks")
    parser.add_argument("--out", help="JSON lines: the new records, appended one cube at a time (a rerun resumes)")
    parser.add_argument("--time-limit", type=float, default=600.0, help="HiGHS seconds per solve of a cube")
    parser.add_argument("--tries", type=int, default=1,
                        help="solves per cube (HiGHS seeds 0, 1, ...) while the network's fixed unit leaves the cube")
    parser.add_argument("--workers", type=int, default=1, help="Ray workers (1: in this process)")
    parser.add_argument("--merge", action="store_true",
                        help="replace, in --records, each record without a network by its certified record in --out")
    parser.add_argument("--refit", action="store_true",
                        help="rewrite --records with each network that leaves its cube refit into it, exactly")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    parser.add_argument("--smoke", action="store_true", help="3-bit parity's cubes in a temporary folder (seconds)")
    args = parser.parse_args(argv)
    if args.time_limit <= 0 or args.tries < 1 or args.workers < 1:
        parser.exit(2, "bench_cube_networks: --time-limit must be positive, --tries and --workers at least 1\n")
    with tempfile.TemporaryDirectory() as folder:
        if args.smoke:
            args.records, args.out, args.time_limit = str(smoke_records(Path(folder))), f"{folder}/nets.jsonl", 10.0
        if args.refit and args.merge:
            parser.exit(2, "bench_cube_networks: --refit and --merge are separate steps: give one\n")
        if not args.records or not (args.out or args.refit):
            parser.exit(2, "bench_cube_networks: give --records FILE and --out FILE (or --refit)\n")
        try:
            if args.refit and not args.smoke:
                summary = refit_records(args.records)
            else:
                summary = (merge(args.records, args.out) if args.merge else
                           recompute(args.records, args.out, args.time_limit, args.workers, args.tries))
            if args.smoke:
                summary = {"recompute": summary, "merge": merge(args.records, args.out),
                           "refit": refit_records(args.records)}
        except Refused as error:
            parser.exit(2, f"bench_cube_networks: {error}\n")
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        for key, value in summary.items():
            print(f"{key:26} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
