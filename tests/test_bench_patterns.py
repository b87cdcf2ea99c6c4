"""benchmarks/bench_patterns.py: both methods agree, and the standalone checker re-checks (and rejects) its records.

The script runs as a user runs it (a subprocess, ``--smoke --json --out``); its
networks are re-evaluated here in Fractions by a plain evaluator of this file,
and ``python -m expressivity.prove.check`` must pass the records and fail a copy
with one network weight or one Farkas multiplier changed.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from expressivity.prove import PatternProof
from expressivity.prove.exact.duals import solve_combination
from expressivity.prove.exact.patterns import Combination

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_patterns.py"
CHECKER = ROOT / "expressivity" / "prove" / "check.py"


def parity(n: int) -> list[int]:
    return [bin(k).count("1") % 2 for k in range(1 << n)]


def table_of(hex_: str, n: int) -> list[int]:
    return [(int(hex_, 16) >> k) & 1 for k in range(1 << n)]


def outputs(record: dict) -> list[Fraction]:
    """The record's network on every input, in Fractions: a rational pattern network or an integer certificate."""
    n = record["n"]
    if record["kind"] == "prove-patterns":
        net = record["network"]
        weights, biases, out, c = net["weights"], net["biases"], net["signs"], net["c"]
    else:
        cert = record["certificate"]
        weights, biases, out, c = cert["weights"], cert["biases"], cert["output_weights"], cert["output_bias"]
    values = []
    for k in range(1 << n):
        x = [(k >> i) & 1 for i in range(n)]
        hidden = [max(Fraction(0), sum(Fraction(w) * b for w, b in zip(row, x)) + Fraction(bias))
                  for row, bias in zip(weights, biases)]
        values.append(Fraction(c) + sum(Fraction(s) * h for s, h in zip(out, hidden)))
    return values


def check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECKER), str(path)], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench_patterns")
    out = folder / "records.jsonl"
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--json", "--out", str(out)], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout), out


def test_both_methods_settle_and_agree_on_every_smoke_row(smoke):
    result, _ = smoke
    verdict = {"proven-infeasible": "infeasible", "feasible-certified": "feasible"}
    rows = result["parity"] + result["classes"]
    assert [(r["n"], r["width"]) for r in result["parity"]] == [(2, 1), (3, 2)]
    for row in rows:
        assert verdict[row["patterns_status"]] == verdict[row["milp_status"]], row
        assert row["agree"] and not row["contradict"]
        # parity of n bits needs n units for n <= 3 (an n-bit parity is not computed by fewer: a known count)
        expected = "infeasible" if row["width"] < 3 else "feasible"
        assert verdict[row["milp_status"]] == expected, row
    assert result["contradictions"] == 0


def test_every_network_in_the_records_computes_its_function(smoke):
    _, out = smoke
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2 * 4 and {r["kind"] for r in records} == {"prove-patterns", "prove-width"}
    networks = [r for r in records if r["status"] == "feasible-certified"]
    assert len(networks) == 2                              # 3-bit parity at width 3, by each method
    for record in networks:
        n = record["n"]
        target = parity(n) if record["kind"] == "prove-width" and record["function"] == "parity" else \
            table_of(record.get("hex") or record["function_hex"], n)
        assert target == parity(3)
        assert [int(v > 0) for v in outputs(record)] == target


def test_the_checker_passes_the_records_and_fails_a_changed_weight(smoke, tmp_path):
    _, out = smoke
    passed = subprocess.run([sys.executable, "-m", "expressivity.prove.check", str(out)], capture_output=True,
                            text=True, timeout=120)
    assert passed.returncode == 0, passed.stdout
    assert "checked exactly: 2 networks" in passed.stdout and "0 failures" in passed.stdout
    records = [json.loads(line) for line in out.read_text().splitlines()]
    pattern = next(r for r in records if r["kind"] == "prove-patterns" and r["network"] is not None)
    pattern["network"]["c"] = str(Fraction(pattern["network"]["c"]) + 1000)   # now positive on every input
    assert [int(v > 0) for v in outputs(pattern)] != parity(3)
    corrupted = tmp_path / "corrupted.jsonl"
    corrupted.write_text("".join(json.dumps(r) + "\n" for r in records))
    failed = check(corrupted)
    assert failed.returncode == 1 and "1 failures" in failed.stdout and "network is wrong" in failed.stdout


def test_the_checker_re_checks_farkas_multipliers_in_the_scripts_format_and_fails_a_changed_one(tmp_path):
    # XOR with one unit active on input 01 alone and a positive output weight: on input 10 the output is c,
    # on 00 it is c too, so no network has that combination; the exact LP's multipliers say so
    spec = importlib.util.spec_from_file_location("bench_patterns", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    xor = [False, True, True, False]
    combination = Combination((0b0010,), (1,))
    answer = solve_combination(xor, combination)
    assert answer.status == "infeasible"
    proof = PatternProof(n=2, hex="6", width=1, status="proven-infeasible", patterns=1, first_units=1, considered=1,
                         survivors=1, programs=1, certificates=1, seconds=0.0,
                         farkas=((combination, answer.multipliers),))
    record = script.pattern_record(proof, "test")
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text(json.dumps(record) + "\n")
    passed = check(good)
    assert passed.returncode == 0 and "1 Farkas certificates" in passed.stdout, passed.stdout
    rows = record["farkas"][0]["rows"]
    rows[0][1] += 1                                        # one multiplier changed: the rows no longer sum to 0
    bad.write_text(json.dumps(record) + "\n")
    failed = check(bad)
    assert failed.returncode == 1 and "do not sum the rows" in failed.stdout, failed.stdout
