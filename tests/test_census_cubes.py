"""Lower bounds from closed cube splits (expressivity.prove.census.by_cubes), the census's --cube-records, the checker.

References written here: which counts P must be split, from a brute-force search
for an input transform that negates the function; the widths, from the census's
own MILP answers (an independent program: no cubes) and from a cube that holds a
network.
"""
from __future__ import annotations

import functools
import itertools
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from expressivity.functions import parity, parse_function
from expressivity.prove.census.by_cubes import cube_bounds, with_cube_bound
from expressivity.prove.census.table import LowerBoundDisagreement, census
from expressivity.prove.cubes.cube_split import prove_width_by_cubes

CHECKER = Path(__file__).resolve().parents[1] / "expressivity" / "prove" / "check.py"
#: x0 AND (x1 XOR x2): two ones of eight, so no input transform negates it, and width 2.
AND_XOR = "28"


@functools.lru_cache(maxsize=None)
def cube_records(hex_: str, n: int, width: int) -> tuple:
    """Every cube of the function at ``width``, solved by HiGHS (seconds)."""
    f = parse_function(f"hex:{hex_}", n)
    return tuple(r.to_dict() for r in prove_width_by_cubes(f, width, stop_on_feasible=False).results)


def negated_by_a_transform(table, n: int) -> bool:
    for perm in itertools.permutations(range(n)):
        for flip in range(1 << n):
            moved = [table[sum(((k >> i) & 1) << perm[i] for i in range(n)) ^ flip] for k in range(1 << n)]
            if all(a != b for a, b in zip(moved, table)):
                return True
    return False


@pytest.fixture(scope="module")
def symmetric3():
    return census(3, "symmetric", time_limit=20, pattern_time_limit=0)


def test_a_closed_split_gives_the_milp_lower_bound_and_an_open_one_gives_none(symmetric3):
    rows = {r.hex: r for r in symmetric3}
    parity3 = next(r for r in symmetric3 if r.name == "parity of 3")
    records = list(cube_records(parity(3).hex, 3, 2)) + list(cube_records(parity(3).hex, 3, 3))
    bounds = cube_bounds(records, 3, "symmetric")
    assert set(bounds) == {parity3.hex}                         # width 3 holds a network: width 2 is the best
    bound = bounds[parity3.hex]
    assert bound.width + 1 == parity3.lower == 3                 # the MILP's own answer, no cubes
    assert bound.positive == ((1, 2) if negated_by_a_transform(parity(3).table, 3) else (0, 1, 2))
    assert any(r["status"] == "feasible-certified" for r in cube_records(parity(3).hex, 3, 3))
    # a cube missing, or open, leaves the width open; a later "unknown" does not reopen a closed cube
    two = list(cube_records(parity(3).hex, 3, 2))
    assert cube_bounds(two[:7] + two[8:], 3, "symmetric") == {}
    assert cube_bounds(two[:7] + [dict(two[7], status="unknown")] + two[8:], 3, "symmetric") == {}
    assert cube_bounds(two + [dict(two[7], status="unknown")], 3, "symmetric") == bounds
    # a function that nothing negates is split over every P = 0..w
    and_xor = cube_bounds(cube_records(AND_XOR, 3, 1), 3, "npn")
    assert not negated_by_a_transform(parse_function(f"hex:{AND_XOR}", 3).table, 3)
    (only,) = and_xor.values()
    assert only.positive == (0, 1) and only.width == 1
    # raising a row: the weakened parity row gets 3 back, with the cubes as its method and evidence
    weak = replace(parity3, lower=1, status="gap", lower_methods=("trivial",))
    raised = with_cube_bound(weak, bounds)
    assert (raised.lower, raised.status, raised.evidence["cubes"]["width"]) == (3, "exact", 2)
    assert raised.lower_methods[0].startswith("cube split, HiGHS (floating point)")
    assert with_cube_bound(rows[parity3.hex], bounds) is rows[parity3.hex]      # nothing to raise
    with pytest.raises(LowerBoundDisagreement):
        with_cube_bound(replace(weak, upper=2), bounds)


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "expressivity", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def check(*paths):
    done = subprocess.run([sys.executable, str(CHECKER), "--json", *map(str, paths)], capture_output=True, text=True,
                          timeout=120)
    return done.returncode, json.loads(done.stdout)["files"]


def jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_the_command_raises_a_row_and_the_checker_recounts_the_split(symmetric3, tmp_path):
    parity3 = next(r for r in symmetric3 if r.name == "parity of 3")
    weak = replace(parity3, lower=1, status="gap", lower_methods=("trivial",), widths=(), time_limit=1e9)
    records = jsonl(tmp_path / "sym3.jsonl", [(weak if r.hex == parity3.hex else r).to_dict() for r in symmetric3])
    cubes = jsonl(tmp_path / "cubes.jsonl", cube_records(parity(3).hex, 3, 2))
    done = run("census", "--kind", "symmetric", "--bits", 3, "--resume", "--records", records, "--cube-records", cubes,
               "--time-limit", 20, "--pattern-time-limit", 0, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = {r["hex"]: r for r in json.loads(done.stdout)["rows"]}[parity3.hex]
    assert (row["lower_bound"], row["status"], row["evidence"]["cubes"]["cubes"]) == (3, "exact", 30)
    raised = json.loads(records.read_text().splitlines()[-1])
    assert raised["hex"] == parity3.hex and raised["lower_bound"] == 3
    status, (report, _) = check(records, cubes)
    assert status == 0 and report["failures"] == [] and report["checked_exactly"]["complete splits"] == 2
    assert any("every cube of width 2" in line for line in report["floating_point"])
    # without the cube file the bound is listed as not checked, never passed
    status, (alone,) = check(records)
    assert status == 0 and any("not in the files given" in line for line in alone["not_checked"])
    # corrupted: a cube dropped, a cube reopened, a count P left out, another function cited
    rows = list(cube_records(parity(3).hex, 3, 2))
    for bad_cubes in (rows[1:], rows[:3] + [dict(rows[3], status="unknown")] + rows[4:]):
        status, (report, _) = check(records, jsonl(tmp_path / "bad_cubes.jsonl", bad_cubes))
        assert status == 1 and any("cubes of width 2" in f for f in report["failures"]), report["failures"]
    for change in ({"positive": [2]}, {"hex": "e8"}, {"cubes": 29}, {"width": 1}):
        bad = dict(raised, evidence=dict(raised["evidence"], cubes=dict(raised["evidence"]["cubes"], **change)))
        status, (report, _) = check(jsonl(tmp_path / "bad.jsonl", [bad]), cubes)
        assert status == 1 and report["failures"], change


def refused(done, *words):
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and all(w in lines[0] for w in words), done.stderr


def test_cube_records_refuse_bad_input_in_one_line(tmp_path):
    args = ("census", "--kind", "symmetric", "--bits", 3, "--cube-records")
    refused(run(*args, tmp_path / "absent.jsonl", cwd=tmp_path), "--cube-records", "no such file")
    refused(run(*args, tmp_path, cwd=tmp_path), "--cube-records", "directory")
    other = jsonl(tmp_path / "n2.jsonl", cube_records(parity(2).hex, 2, 1))
    refused(run(*args, other, cwd=tmp_path), "no cube records of 3 bits")
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(cube_records(parity(3).hex, 3, 2)[0])[:-5] + "\n")
    refused(run(*args, broken, cwd=tmp_path), "--cube-records")
    malformed = jsonl(tmp_path / "malformed.jsonl", [dict(cube_records(parity(3).hex, 3, 2)[0], width="two")])
    refused(run(*args, malformed, cwd=tmp_path), "--cube-records")
    # a closed width at or above a certified network's: the census refuses to contradict itself
    faked = [dict(r, status="proven-infeasible") for r in cube_records(parity(3).hex, 3, 3)]
    refused(run(*args, jsonl(tmp_path / "faked.jsonl", faked), "--time-limit", 20, "--pattern-time-limit", 0,
                "--json", cwd=tmp_path), "disagrees")
