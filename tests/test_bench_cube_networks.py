"""benchmarks/bench_cube_networks.py as a user runs it: networks recomputed for cube records that lack them.

A tiny records file (cubes of 3-bit parity at width 3, the feasible ones
stripped of their networks, as records were written before they kept
certificates) is recomputed by the script in a subprocess; the networks are
judged by a plain evaluator written here and by the standalone checker (run as a
file, wherever the prove/ reorganisation puts it); resume, merge and the
refusals of bad input are checked on the same files.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_cube_networks.py"
CHECKER = sorted((ROOT / "expressivity" / "prove").rglob("check.py"))
LEGACY = ("n", "width", "function_hex", "cube", "status", "seconds", "nodes", "dual_bound")


def run(*args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def key(record):
    c = record["cube"]
    return (record["n"], record["width"], record["function_hex"], c["positive"], c["sign"], c["pattern"])


def parity_net_ok(record) -> bool:
    """A plain evaluator: the integer network's output is > 0 exactly on the inputs of odd weight."""
    cert, n = record["certificate"], record["n"]
    for k in range(1 << n):
        x = [(k >> i) & 1 for i in range(n)]
        hidden = [max(0, b + sum(w * v for w, v in zip(row, x))) for row, b in zip(cert["weights"], cert["biases"])]
        out = cert["output_bias"] + sum(a * h for a, h in zip(cert["output_weights"], hidden))
        if (out > 0) != bool(sum(x) % 2):
            return False
    return len(cert["biases"]) <= record["width"]


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    """``(folder, records file)``: the cubes of 3-bit parity at width 3 with three +1 output weights (the fixed
    unit's sign +1), each solved, the feasible ones written without their networks."""
    from expressivity.functions import parity
    from expressivity.prove import Cube, pattern_representatives, solve_cube

    folder, f = tmp_path_factory.mktemp("cubes"), parity(3)
    lines = []
    for index, pattern in enumerate(pattern_representatives(f)):
        record = solve_cube(f, 3, Cube(index, 3, 1, pattern), time_limit=10.0).to_dict()
        if record["status"] == "feasible-certified":
            record = {k: record[k] for k in LEGACY} | {"reason": "kept no certificate"}
        lines.append(json.dumps(record) + "\n")
    path = folder / "cubes.jsonl"
    path.write_text("".join(lines))
    return folder, path


@pytest.fixture(scope="module")
def recomputed(legacy):
    """The script's first run over the legacy file: ``(folder, records, out, completed process)``."""
    folder, records = legacy
    out = folder / "nets.jsonl"
    done = run("--records", records, "--out", out, "--time-limit", 30, "--json", cwd=folder)
    return folder, records, out, done


def read(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def test_every_feasible_cube_gets_a_network_that_computes_parity(recomputed):
    folder, records, out, done = recomputed
    assert done.returncode == 0, done.stderr
    wanted = [r for r in read(records) if r["status"] == "feasible-certified"]
    new = read(out)
    summary = json.loads(done.stdout)
    assert len(wanted) >= 2 and sorted(map(key, new)) == sorted(map(key, wanted))
    assert summary["solved"] == len(wanted) and summary["skipped"] == 0
    assert all(r["status"] == "feasible-certified" and r["certificate"] is not None for r in new)
    assert all(parity_net_ok(r) for r in new)
    # one progress line per cube on stderr, after the header line
    progress = [line for line in done.stderr.splitlines() if line.startswith("cube ")]
    assert len(progress) == len(wanted) and all(f"/{len(wanted)} done" in line for line in progress)


def test_the_standalone_checker_accepts_the_new_records(recomputed):
    folder, records, out, done = recomputed
    assert len(CHECKER) == 1, CHECKER
    checked = subprocess.run([sys.executable, str(CHECKER[0]), "--json", str(out)], capture_output=True, text=True,
                             timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)["files"][0]
    assert report["checked_exactly"]["networks"] == len(read(out)) and not report["failures"]
    # the networks whose fixed unit left the cube are the ones the checker leaves unchecked as cube certificates
    summary = json.loads(done.stdout)
    cube_lines = [line for line in report["not_checked"] if line.startswith("cube ")]   # (the split is partial here)
    assert len(cube_lines) == sum(summary["networks_left_their_cube"].values())


def test_a_rerun_skips_the_cubes_already_certified_and_solves_the_rest(recomputed, tmp_path):
    folder, records, out, done = recomputed
    again = run("--records", records, "--out", out, "--json", cwd=folder)
    assert again.returncode == 0 and json.loads(again.stdout)["solved"] == 0
    partial = tmp_path / "partial.jsonl"
    lines = out.read_text().splitlines(keepends=True)
    partial.write_text("".join(lines[:2]))
    resumed = run("--records", records, "--out", partial, "--json", cwd=tmp_path)
    summary = json.loads(resumed.stdout)
    assert resumed.returncode == 0 and summary["skipped"] == 2 and summary["solved"] == len(lines) - 2
    assert partial.read_text().splitlines(keepends=True)[:2] == lines[:2]
    assert sorted(map(key, read(partial))) == sorted(map(key, read(out)))  # each cube once


def test_merge_replaces_the_records_without_networks_and_keeps_the_others_byte_for_byte(recomputed, tmp_path):
    folder, records, out, _ = recomputed
    target = tmp_path / "cubes.jsonl"
    shutil.copy(records, target)
    os.chmod(target, 0o640)
    before = target.read_text().splitlines(keepends=True)
    done = run("--records", target, "--out", out, "--merge", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = target.read_text().splitlines(keepends=True)
    assert len(after) == len(before) and os.stat(target).st_mode & 0o777 == 0o640
    certificates = {key(r): r for r in read(out)}
    for old, new in zip(before, after):
        old_record, new_record = json.loads(old), json.loads(new)
        if old_record["status"] == "feasible-certified":
            assert new_record == certificates[key(old_record)]
        else:
            assert new == old
    assert json.loads(done.stdout)["replaced"] == sum(json.loads(line)["status"] == "feasible-certified"
                                                       for line in before)
    # the merged file re-checks with the standalone checker; a second merge changes nothing
    checked = subprocess.run([sys.executable, str(CHECKER[0]), "--json", str(target)], capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0 and not json.loads(checked.stdout)["files"][0]["failures"]
    merged = target.read_text()
    again = run("--records", target, "--out", out, "--merge", "--json", cwd=tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout)["replaced"] == 0 and target.read_text() == merged


def refused(done, *words):
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and done.stdout == "" and len(lines) == 1, done.stderr
    assert all(word in lines[0] for word in words), lines[0]


def test_bad_input_is_refused_with_one_line_before_any_work(legacy, tmp_path):
    folder, records = legacy
    out = tmp_path / "nets.jsonl"
    refused(run("--records", tmp_path / "absent.jsonl", "--out", out, cwd=tmp_path), "absent.jsonl", "no such file")
    other = tmp_path / "search.jsonl"
    other.write_text(json.dumps({"n": 3, "width": 2, "successes": 1}) + "\n")
    refused(run("--records", other, "--out", out, cwd=tmp_path), "search.jsonl", "width-search")
    refused(run("--records", records, "--out", records, cwd=tmp_path), "is the --records file itself")
    link = tmp_path / "link.jsonl"
    link.symlink_to(records)
    refused(run("--records", records, "--out", link, cwd=tmp_path), "is the --records file itself")
    refused(run("--records", records, "--out", tmp_path / "no" / "nets.jsonl", cwd=tmp_path), "does not exist")
    refused(run("--records", records, "--out", out, "--time-limit", 0, cwd=tmp_path), "--time-limit")
    bad = tmp_path / "bad.jsonl"
    record = json.loads(records.read_text().splitlines()[0]) | {"status": "feasible-certified", "function_hex": "zz"}
    bad.write_text(json.dumps(record) + "\n")
    refused(run("--records", bad, "--out", out, cwd=tmp_path), "bad.jsonl")
    # merge before the networks exist: refused, the records file untouched
    text = records.read_text()
    refused(run("--records", records, "--out", out, "--merge", cwd=tmp_path), "cannot merge")
    assert records.read_text() == text and not out.exists()


def own_cube(record) -> bool:
    """A plain evaluator: the fixed unit (unit 0 for sign +1, else unit ``positive``) is active exactly on the cube's
    pattern and the network has ``positive`` positive output weights."""
    cert, cube, n = record["certificate"], record["cube"], record["n"]
    unit = 0 if cube["sign"] > 0 else cube["positive"]
    for k in range(1 << n):
        x = [(k >> i) & 1 for i in range(n)]
        z = cert["biases"][unit] + sum(w * v for w, v in zip(cert["weights"][unit], x))
        if (z > 0) != bool((cube["pattern"] >> k) & 1):
            return False
    return sum(a > 0 for a in cert["output_weights"]) == cube["positive"]


def and_record(pattern, weights, bias):
    """A one-unit cube record of AND (x0 and x1) whose network is ``relu(w . x + b)`` with output bias -1/2 scaled."""
    cert = {"weights": [weights], "biases": [bias], "output_weights": [2], "output_bias": -1, "scale": 1,
            "denominator_limit": 1, "verification": {"status": "verified", "method": "exhaustive", "n_inputs": 2,
                                                     "inputs_checked": 4, "counterexample": None, "margin": 1.0,
                                                     "reason": "written by the test", "seconds": 0.0}}
    return {"n": 2, "width": 1, "function_hex": "8", "cube": {"index": 0, "positive": 1, "sign": 1, "pattern": pattern},
            "status": "feasible-certified", "solver_status": "test", "seconds": 0.0, "nodes": 0, "dual_bound": None,
            "objective": None, "time_limit": 1.0, "reason": "network verified on all 4 inputs", "certificate": cert}


def test_refit_puts_networks_back_into_their_cubes_exactly_and_keeps_every_other_line(tmp_path):
    # relu(x0 + x1 - 1) computes AND but sits at 0 on rows 1 and 2, where the cube 0b1110 says active ("at zero");
    # the cube 0b0001 (active on row 0 only) holds no network of AND at all, so that record cannot refit
    at_zero, impossible, holds = and_record(0b1110, [1, 1], -1), and_record(0b0001, [1, 1], -1), \
        and_record(0b1000, [1, 1], -1)
    path = tmp_path / "cubes.jsonl"
    lines = [json.dumps(r) + "\n" for r in (holds, at_zero, impossible)]
    path.write_text("".join(lines))
    os.chmod(path, 0o640)
    assert own_cube(holds) and not own_cube(at_zero) and not own_cube(impossible)
    done = run("--records", path, "--refit", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["refit"] == 1 and summary["left_their_cube_before"] == {"at zero": 1, "moved": 1}
    assert summary["still_leave_their_cube"] == {"at zero": 0, "moved": 1}
    after = path.read_text().splitlines(keepends=True)
    assert after[0] == lines[0] and after[2] == lines[2] and os.stat(path).st_mode & 0o777 == 0o640
    new = json.loads(after[1])
    assert own_cube(new) and "refit exactly" in new["reason"]
    # AND by a plain evaluator: the output is > 0 on row 3 only
    cert = new["certificate"]
    outputs = [cert["output_bias"] + cert["output_weights"][0] * max(0, cert["biases"][0] + sum(
        w * ((k >> i) & 1) for i, w in enumerate(cert["weights"][0]))) for k in range(4)]
    assert [v > 0 for v in outputs] == [False, False, False, True]
    checked = subprocess.run([sys.executable, str(CHECKER[0]), "--json", str(path)], capture_output=True, text=True,
                             timeout=60)
    report = json.loads(checked.stdout)["files"][0]
    assert checked.returncode == 0 and report["checked_exactly"]["networks"] == 3 and not report["failures"]
    cube_lines = [line for line in report["not_checked"] if line.startswith("cube ")]   # (the split is partial here)
    assert len(cube_lines) == 1 and "0x1" in cube_lines[0]
    # a second refit changes nothing
    text = path.read_text()
    again = run("--records", path, "--refit", "--json", cwd=tmp_path)
    assert again.returncode == 0 and json.loads(again.stdout)["refit"] == 0 and path.read_text() == text
    refused(run("--records", path, "--refit", "--merge", cwd=tmp_path), "separate steps")
