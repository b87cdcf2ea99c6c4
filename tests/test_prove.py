"""Proven minimum widths: the MILP's answers, their certificates, and ``expressivity prove-width``."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import forbid

from expressivity.cli import main
from expressivity.prove import (
    PLAIN, STRONG, Certificate, WidthProof, build_model, certify, positive_counts, prove_minimum_width,
    prove_width, search_upper_bounds, solve_model, summarize,
)


def parity_by_counting(n: int) -> list[int]:
    """Parity of every input, index i = bits of i (an independent reference)."""
    return [bin(i).count("1") % 2 for i in range(1 << n)]


def outputs_by_hand(cert: Certificate, n: int) -> list[int]:
    """The certificate's network on every input, in Python integers (no numpy, no LayeredNet)."""
    values = []
    for i in range(1 << n):
        bits = [(i >> k) & 1 for k in range(n)]
        hidden = [max(0, sum(w * x for w, x in zip(row, bits)) + b) for row, b in zip(cert.weights, cert.biases)]
        values.append(sum(a * h for a, h in zip(cert.output_weights, hidden)) + cert.output_bias)
    return values


def assert_sign_certificate(proof: WidthProof) -> None:
    assert proof.status == "feasible-certified"
    cert = proof.certificate
    assert len(cert.weights) == proof.width and cert.verification.verified
    outputs = outputs_by_hand(cert, proof.n)
    for value, odd in zip(outputs, parity_by_counting(proof.n)):
        assert (value > 0) == bool(odd) and value != 0


# -- the facts ---------------------------------------------------------------------

def test_two_bits_need_two_units():
    assert prove_width(2, 1).status == "proven-infeasible"
    assert_sign_certificate(prove_width(2, 2))


def test_three_bits_need_three_units():
    two = prove_width(3, 2)
    assert two.status == "proven-infeasible"
    assert [s.positive for s in two.splits] == list(positive_counts(2))
    assert all(s.solver_status == "Optimal" and s.dual_bound <= 1e-6 for s in two.splits)
    assert_sign_certificate(prove_width(3, 3))


def test_four_bits_need_exactly_three_units():
    assert prove_width(4, 2).status == "proven-infeasible"
    three = prove_width(4, 3)
    assert_sign_certificate(three)
    # and the certificate is a LayeredNet of width 3 that torch-free exact arithmetic agrees with
    net = three.certificate.network()
    assert net.widths == (3,) and net.is_integral


def test_summary_is_exact_for_small_n():
    rows = {n: prove_minimum_width(n, time_limit=30) for n in (2, 3, 4)}
    assert {n: (s.lower_bound, s.upper_bound, s.status) for n, s in rows.items()} == {
        2: (2, 2, "exact"), 3: (3, 3, "exact"), 4: (3, 3, "exact"),
    }
    # the zigzag construction (n - 1 units) closes n = 4 before the solver needs to
    assert rows[4].upper_source == "construction (zigzag, 3 units)"


def test_strong_and_plain_formulations_agree():
    # Symmetry breaking must lose no network: the plain program (no symmetry
    # breaking, every sign split, box normalisation) gives the same answers.
    for n, width in [(2, 1), (2, 2), (3, 2), (3, 3), (4, 2)]:
        strong = prove_width(n, width, formulation=STRONG).status
        plain = prove_width(n, width, formulation=PLAIN).status
        assert strong == plain, (n, width)


def test_exact_variant_small_cases():
    assert prove_width(2, 1, variant="exact").status == "proven-infeasible"
    proof = prove_width(2, 2, variant="exact")
    assert proof.status == "feasible-certified"
    cert = proof.certificate
    assert outputs_by_hand(cert, 2) == [cert.scale * p for p in parity_by_counting(2)]


# -- honesty -----------------------------------------------------------------------

def test_timeout_is_unknown_never_an_answer():
    # 3 units for 5 bits is impossible, but proving it takes seconds, not 0.2 s.
    proof = prove_width(5, 3, time_limit=0.2)
    assert proof.status == "unknown"
    assert proof.certificate is None
    assert any(s.outcome == "unknown" for s in proof.splits)
    assert all(s.solver_status != "Optimal" or s.outcome == "infeasible" for s in proof.splits)
    summary = summarize(5, "sign", [proof])
    assert summary.lower_bound == 1 and summary.status == "unknown" and summary.upper_bound == 4


def test_time_left_by_quick_splits_goes_to_a_second_try(monkeypatch):
    import expressivity.prove.milp.width as prove
    from expressivity.prove import MilpSolution

    clock = [0.0]
    calls = []

    def fake_solve(model, *, time_limit=None, **kwargs):
        # P = 2 runs out of time; the others are settled at once.
        calls.append((model.positive, time_limit))
        if model.positive == 2:
            clock[0] += time_limit
            return MilpSolution("Time limit reached", 0.0, 0.2, None, 10, time_limit, None)
        return MilpSolution("Optimal", 0.0, 0.0, 0.0, 1, 0.0, None)

    monkeypatch.setattr(prove, "solve_model", fake_solve)
    monkeypatch.setattr(prove.time, "perf_counter", lambda: clock[0])
    proof = prove_width(5, 4, time_limit=90.0)  # splits P = 2, 3, 4
    assert [p for p, _ in calls] == [2, 3, 4, 2]
    assert calls[0][1] == 30.0 and calls[3][1] == 60.0  # a third of the time, then all that is left
    assert proof.status == "unknown" and [s.positive for s in proof.splits] == [2, 3, 4]
    assert proof.splits[0].time_limit == 60.0 and proof.reason.startswith("P = 2: Time limit reached")


def test_certify_rejects_a_wrong_solution():
    # A solution vector whose network is all zeros classifies nothing.
    model = build_model(2, 2, 1)
    certificate, why = certify(model, np.zeros(model.n_columns))
    assert certificate is None and why.startswith("no exact certificate")


def test_solver_margin_is_positive_exactly_when_feasible():
    assert solve_model(build_model(2, 2, 1), target_margin=None).objective > 0.1
    assert solve_model(build_model(2, 1, 1), target_margin=None).dual_bound <= 1e-6


def test_conflicting_bounds_are_flagged():
    infeasible = WidthProof(3, 3, "sign", "strong", 1.0, "proven-infeasible", "made up")
    assert summarize(3, "sign", [infeasible]).status == "conflict"


def test_search_records_are_read_tolerantly():
    records = [
        {"n": 5, "width": 6, "successes": 3}, {"n": 5, "width": 4, "successes": 1},
        {"n": 6, "width": 5, "successes": 0}, {"n": "7", "width": 2, "successes": 1},
        {"n": 7, "width": 2, "successes": 1, "hidden_layers": 2}, {"note": "other tool"},
        {"n": 8, "width": 7, "successes": 2, "mode": "exact"},
    ]
    assert search_upper_bounds(records) == {5: 4, 8: 7}
    assert search_upper_bounds(records, "exact") == {8: 7}


def test_proof_records_round_trip():
    proof = prove_width(3, 3)
    again = WidthProof.from_dict(json.loads(json.dumps(proof.to_dict())))
    assert again.status == proof.status and again.certificate.weights == proof.certificate.weights
    assert again.certificate.verification.verified


# -- the command line ----------------------------------------------------------------

def test_cli_table_and_json(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["prove-width", "--bits", "2..3", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "proven lower" in result.output and "exact" in result.output
    result = runner.invoke(main, ["prove-width", "--bits", "4", "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    summary = payload["summaries"][0]
    assert (summary["lower_bound"], summary["upper_bound"], summary["status"]) == (3, 3, "exact")
    assert [w["status"] for w in payload["widths"]] == ["proven-infeasible", "proven-infeasible"]


def test_cli_records_resume_and_search_records(tmp_path, monkeypatch):
    records = tmp_path / "prove.jsonl"
    runner = CliRunner()
    first = runner.invoke(main, ["prove-width", "--bits", "2..3", "--records", str(records), "--no-progress"])
    assert first.exit_code == 0, first.output
    lines = records.read_text().splitlines()
    assert len(lines) == 3  # n=2: width 1; n=3: widths 1, 2

    import expressivity.prove.milp.summary as summary

    forbid(monkeypatch, summary, "prove_width")
    again = runner.invoke(main, ["prove-width", "--bits", "2..3", "--records", str(records), "--resume",
                                 "--no-progress"])
    assert again.exit_code == 0, again.output
    assert again.output == first.output
    assert len(records.read_text().splitlines()) == 3

    search = tmp_path / "search.jsonl"
    search.write_text(json.dumps({"n": 3, "width": 3, "successes": 2}) + "\n")
    out = runner.invoke(main, ["prove-width", "--bits", "3", "--records", str(records), "--resume",
                               "--search-records", str(search), "--json", "--no-progress"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["summaries"][0]["upper_source"] == "search-width records"


@pytest.mark.parametrize("args, message", [
    (["--bits", "1"], "--bits must be at least 2"),
    (["--bits", "2..11"], "--bits goes up to"),
    (["--bits", "two"], "--bits must be N or A..B"),
    (["--max-width", "0"], "--max-width must be at least 1"),
    (["--time-limit", "0"], "--time-limit must be a positive"),
    (["--time-limit", "nan"], "--time-limit must be a positive"),
    (["--resume"], "--resume needs --records"),
    (["--records", "/no/such/folder/r.jsonl"], "cannot use --records"),
    (["--search-records", "/no/such/file.jsonl"], "has no records"),
    (["--variant", "maybe"], "Invalid value"),
])
def test_cli_bad_input_is_one_line_exit_2(args, message):
    command = ["prove-width"] + (args if args[0] == "--bits" else ["--bits", "2", *args])
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_bad_records_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    result = CliRunner().invoke(main, ["prove-width", "--bits", "2", "--records", str(bad)])
    assert result.exit_code == 2 and "not JSON" in result.output
