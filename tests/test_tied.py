"""Tied weights: the smaller program, its certificates, and ``expressivity tied-width``."""
from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest
from click.testing import CliRunner

from conftest import forbid

from expressivity.cli import main
from expressivity.prove import (
    WidthProof, build_model, grid_points, grid_size, partitions, positive_counts, prove_width, reusable_proofs,
    search_tied, summarize,
)
from expressivity.verify.exhaustive import input_bits
from test_prove import assert_sign_certificate


def test_grid_points_are_the_classes_of_inputs():
    groups = (3, 2, 1)
    points = [tuple(p) for p in grid_points(groups).tolist()]
    assert len(points) == len(set(points)) == grid_size(groups) == 4 * 3 * 2
    # every input falls on exactly one grid point, and every grid point is hit
    starts = list(itertools.accumulate((0,) + groups))
    hits = Counter(
        tuple(sum(bits[starts[i]:starts[i + 1]]) for i in range(len(groups)))
        for bits in input_bits(6, 0, 64).tolist()
    )
    assert set(hits) == set(points) and sum(hits.values()) == 64
    assert (grid_points((1,) * 5) == input_bits(5, 0, 32)).all()


def test_partitions_match_a_brute_force_count():
    for n in range(1, 8):
        brute = {tuple(sorted(c, reverse=True))
                 for k in range(1, n + 1) for c in itertools.product(range(1, n + 1), repeat=k) if sum(c) == n}
        brute.discard((1,) * n)
        assert set(partitions(n)) == brute
        assert len(list(partitions(n))) == len(brute)
        assert all(len(g) <= 2 for g in partitions(n, max_groups=2))


def test_tied_program_is_smaller():
    model = build_model(6, 4, 2, groups=(3, 3))
    assert model.n_binaries == 4 * 16 and model.w_index.shape == (4, 2) and model.tied
    assert not build_model(6, 4, 2).tied
    # S1 needs a group of odd size; with even groups every count of positive units is tried
    assert positive_counts(4, groups=(3, 3)) == (2, 3, 4)
    assert positive_counts(4, groups=(4, 2)) == (0, 1, 2, 3, 4)


@pytest.mark.parametrize("n", [4, 5, 6])
def test_one_group_needs_n_minus_1_units(n):
    # Units that read only s = sum(x): the output alternates in sign over s = 0..n,
    # so its slope changes sign n - 1 times (one unit per change); zigzag meets it.
    below = search_tied(n, n - 2, [(n,)])
    assert [p.status for p in below] == ["no-tied-network"]
    at = search_tied(n, n - 1, [(n,)])
    assert at[0].groups == (n,)
    assert_sign_certificate(at[0])


def test_certificate_of_two_groups_is_tied_and_verified():
    proof = prove_width(5, 4, groups=(3, 2))
    assert_sign_certificate(proof)  # checked on all 32 inputs by hand, independently
    for row in proof.certificate.weights:
        assert len(set(row[:3])) == 1 and len(set(row[3:])) == 1
    assert "tied in groups 3+2" in proof.reason


def test_no_tied_network_is_never_a_lower_bound():
    tied = prove_width(4, 2, groups=(2, 2))
    assert tied.status == "no-tied-network" and "no lower bound" in tied.reason
    summary = summarize(4, "sign", [tied])
    assert summary.lower_bound == 1 and summary.status == "unknown"
    with pytest.raises(ValueError):
        WidthProof(4, 2, "sign", "strong", 1.0, "proven-infeasible", "", groups=(2, 2))
    with pytest.raises(ValueError):
        WidthProof(4, 2, "sign", "strong", 1.0, "no-tied-network", "")
    # a tied certificate is an upper bound like any other
    found = prove_width(4, 3, groups=(4,))
    summary = summarize(4, "sign", [prove_width(4, 2), found])
    assert (summary.lower_bound, summary.upper_bound, summary.status) == (3, 3, "exact")
    assert "tied 4" in summary.upper_source


def test_single_bit_groups_are_the_untied_program():
    proof = prove_width(3, 2, groups=(1, 1, 1))
    assert proof.groups is None and proof.status == "proven-infeasible"


def test_records_round_trip_and_keys_keep_groups_apart():
    tied = prove_width(4, 3, groups=(2, 2))
    untied = prove_width(4, 2)
    for proof in (tied, untied):
        assert WidthProof.from_dict(json.loads(json.dumps(proof.to_dict()))).to_dict() == proof.to_dict()
    reuse = reusable_proofs([tied.to_dict(), untied.to_dict()], "sign", "strong", 60.0)
    assert set(reuse) == {tied.key, untied.key} and tied.key[-1] == (2, 2) and untied.key[-1] is None


def test_cli_certifies_and_prints_json():
    result = CliRunner().invoke(main, ["tied-width", "--bits", "5", "--widths", "4", "--groups", "3+2", "--json",
                                       "--no-progress"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["summaries"][0]["certified"] and payload["summaries"][0]["groups"] == [3, 2]
    proof = WidthProof.from_dict(payload["proofs"][0])
    assert_sign_certificate(proof)


def test_cli_table_says_what_no_network_means(tmp_path, monkeypatch):
    records = tmp_path / "tied.jsonl"
    runner = CliRunner()
    first = runner.invoke(main, ["tied-width", "--bits", "4", "--records", str(records), "--no-progress"])
    assert first.exit_code == 0, first.output
    assert "no tied network with 2 units in the 4 groupings tried" in first.output  # 4, 3+1, 2+2, 2+1+1
    assert "proves nothing about untied networks" in first.output
    assert len(records.read_text().splitlines()) == 4

    import expressivity.prove.milp.tied as tied

    forbid(monkeypatch, tied, "prove_width")
    again = runner.invoke(main, ["tied-width", "--bits", "4", "--records", str(records), "--resume",
                                 "--no-progress"])
    assert again.exit_code == 0, again.output
    assert again.output == first.output


def test_prove_width_resume_refuses_tied_records(tmp_path):
    records = tmp_path / "mixed.jsonl"
    # a tied record for (n = 3, width = 2) must not stand in for the untied proof, nor be mixed with one
    records.write_text(json.dumps(prove_width(3, 2, groups=(3,)).to_dict()) + "\n")
    result = CliRunner().invoke(main, ["prove-width", "--bits", "3", "--records", str(records), "--resume",
                                       "--json", "--no-progress"])
    assert result.exit_code == 2, result.output
    assert "tied-width" in result.output and len(result.output.strip().splitlines()) == 1
    assert len(records.read_text().splitlines()) == 1  # nothing appended


@pytest.mark.parametrize("args, message", [
    (["--bits", "1"], "--bits must be at least 2"),
    (["--bits", "5", "--groups", "2,2"], "summing to n = 5"),
    (["--bits", "4", "--groups", "1,1,1,1"], "ties nothing"),
    (["--bits", "4", "--groups", "two"], "--groups must be sizes"),
    (["--bits", "4..5", "--groups", "2,2"], "--groups needs a single --bits N"),
    (["--bits", "12", "--groups", "2," + ",".join(["1"] * 10)], "grid points"),
    (["--bits", "13"], "--bits goes up to 12"),
    (["--bits", "4", "--widths", "0"], "--widths must be at least 1"),
    (["--bits", "4", "--max-groups", "0"], "--max-groups must be at least 1"),
    (["--bits", "4", "--time-limit", "0"], "--time-limit must be a positive"),
    (["--bits", "4", "--resume"], "--resume needs --records"),
    (["--bits", "4", "--records", "/no/such/folder/r.jsonl"], "cannot use --records"),
    (["--bits", "4", "--variant", "maybe"], "Invalid value"),
])
def test_cli_bad_input_is_one_line_exit_2(args, message):
    result = CliRunner().invoke(main, ["tied-width", *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.output
    assert message in result.output and "Traceback" not in result.output


def test_exact_variant_on_the_sum_needs_n_units():
    # Exact output on s = sum(x): values 0, 1, 0, 1, 0 over s = 0..4 need slope +1 from s = 0
    # and three slope changes, four units; the symmetric construction has exactly that.
    assert prove_width(4, 3, variant="exact", groups=(4,)).status == "no-tied-network"
    proof = prove_width(4, 4, variant="exact", groups=(4,))
    assert proof.status == "feasible-certified"
    cert = proof.certificate
    for i in range(16):
        bits = [(i >> k) & 1 for k in range(4)]
        hidden = [max(0, sum(w * x for w, x in zip(row, bits)) + b) for row, b in zip(cert.weights, cert.biases)]
        value = sum(a * h for a, h in zip(cert.output_weights, hidden)) + cert.output_bias
        assert value == cert.scale * (sum(bits) % 2)


def test_cli_unreadable_records_are_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    result = CliRunner().invoke(main, ["tied-width", "--bits", "4", "--records", str(bad), "--resume"])
    assert result.exit_code == 2 and "cannot use --records" in result.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({"kind": "prove-width", "variant": "sign", "formulation": "strong", "n": 4,
                                  "groups": [2, 2]}) + "\n")  # a tied-width record, without its fields
    result = CliRunner().invoke(main, ["tied-width", "--bits", "4", "--records", str(broken), "--resume"])
    assert result.exit_code == 2 and "cannot be read" in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
