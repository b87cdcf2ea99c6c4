"""``prove-width --exact``: every width HiGHS refutes is proven again by the exact pattern method, as a user runs it."""
from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from expressivity.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "expressivity", "prove-width", *args], capture_output=True,
                          text=True, timeout=120)


def test_every_refuted_width_has_the_exact_proof_beside_it():
    done = run("--bits", "2..4", "--exact", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    refuted = {(w["n"], w["width"]) for w in payload["widths"] if w["status"] == "proven-infeasible"}
    assert refuted == {(2, 1), (3, 1), (3, 2), (4, 1), (4, 2)}           # parity needs 2, 3, 3 units
    assert {(a["n"], a["width"]): a["status"] for a in payload["exact"]} == dict.fromkeys(refuted, "proven-infeasible")
    assert all(a["method"] == "activation patterns + exact LP duals" for a in payload["exact"])


def test_the_table_names_the_exact_method():
    done = run("--bits", "3", "--exact", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "exact method" in done.stdout and done.stdout.count("proven-infeasible") >= 4   # 2 widths, 2 tables


def test_an_exact_check_that_cannot_run_is_refused_before_the_work():
    for args, words in ((("--bits", "6", "--exact"), "n <= 5"), (("--bits", "3", "--exact", "--variant", "exact"),
                                                                 "sign variant")):
        done = run(*args)
        assert done.returncode == 2 and done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr


def _answer(status):
    def prove(f, width, time_limit=None):
        from expressivity.prove.exact.by_patterns import PatternProof

        return PatternProof(n=f.n, hex=f.hex, width=width, status=status, patterns=0, first_units=0, considered=0,
                            survivors=0, programs=0, certificates=0, seconds=0.0, reason="stubbed for the test")
    return prove


def test_a_width_the_exact_method_does_not_settle_exits_1(monkeypatch):
    import expressivity.prove.exact.by_patterns as by_patterns

    for status, words in (("undecided", "not settled"), ("feasible-certified", "DISAGREES")):
        monkeypatch.setattr(by_patterns, "prove_width_by_patterns", _answer(status))
        result = CliRunner().invoke(main, ["prove-width", "--bits", "3", "--exact", "--json"])
        assert result.exit_code == 1
        assert words in result.output
        assert json.loads(result.stdout)["exact"][0]["status"] == status
