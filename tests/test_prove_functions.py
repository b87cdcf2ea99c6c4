"""``prove-width`` for any Boolean function: the target, the symmetry breaking its group allows, and the census of 3 bits.

Soundness of the symmetry breaking is tested the only way that does not trust
it: the same questions asked without any (``symmetry=False``) must get the same
answers, for every NPN class of 3-bit functions, for members other than the
canonical one, and (stronger) the same best margin where the margin is defined.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import forbid

from expressivity.cli import main
from expressivity.functions import BooleanFunction, NPNTransform, npn_canonical_values, parse_function, symmetry_group
from expressivity.prove import (
    STRONG, Formulation, WidthProof, build_model, constructions, grid_points, positive_counts, prove_minimum_width,
    prove_width, reusable_proofs, search_upper_bounds, solve_model, symmetry_plan,
)

NO_SYMMETRY = Formulation("no-symmetry", symmetry=False, canonical_cuts=False)

#: The proven minimum width (sign variant) of each NPN class of 3-bit functions, by canonical hex;
#: found with and without symmetry breaking alike (the test below recomputes every entry).
CENSUS_3 = {"00": 0, "01": 1, "03": 1, "06": 2, "07": 1, "0f": 1, "16": 2, "17": 1, "18": 2, "19": 2, "1b": 2,
            "1e": 2, "3c": 2, "69": 3}
#: The same for the exact variant (output equal to f, |z| <= 2n): only 07 and 17 (OR-like,
#: majority-like) need a second unit there.
CENSUS_3_EXACT = {**CENSUS_3, "07": 2, "17": 2}


def all_tables(n: int) -> np.ndarray:
    return np.array([[(k >> i) & 1 for i in range(1 << n)] for k in range(1 << (1 << n))], dtype=bool)


def outputs_by_numpy(proof: WidthProof) -> np.ndarray:
    """The certificate's integer network on every input, evaluated here (row k: x_i = bit i of k)."""
    cert = proof.certificate
    k = np.arange(1 << proof.n)
    x = (k[:, None] >> np.arange(proof.n)) & 1
    hidden = np.maximum(x @ np.array(cert.weights, dtype=np.int64).T + np.array(cert.biases, dtype=np.int64), 0)
    return hidden @ np.array(cert.output_weights, dtype=np.int64) + cert.output_bias


def check_certificate(proof: WidthProof, f: BooleanFunction) -> None:
    """Independent of the verifier: the certified network computes ``f`` on all inputs."""
    assert proof.status == "feasible-certified" and proof.function_hex == f.hex
    out = outputs_by_numpy(proof)
    if proof.variant == "sign":
        assert not (out == 0).any() and np.array_equal(out > 0, f.table)
    else:
        assert np.array_equal(out, proof.certificate.scale * f.table.astype(np.int64))


def minimum_width(f: BooleanFunction, formulation: Formulation, variant: str = "sign") -> tuple[int, list[str]]:
    """Widths 1, 2, ... until one is certified; every smaller one must be proven infeasible."""
    statuses = []
    for width in range(1, 5):
        proof = prove_width(f.n, width, function=f, formulation=formulation, variant=variant, time_limit=30)
        statuses.append(proof.status)
        if proof.status == "feasible-certified":
            check_certificate(proof, f)
            return width, statuses
        assert proof.status == "proven-infeasible", proof.reason
    raise AssertionError(f"{f.hex}: no width up to 4")


def class_members(canonical_hex: str, count: int, seed: int) -> list[BooleanFunction]:
    """``count`` members of the NPN class other than its canonical form, by random transforms."""
    f = parse_function(f"hex:{canonical_hex}", 3)
    rng = np.random.default_rng(seed)
    members = {}
    for _ in range(200):
        perm = tuple(int(p) for p in rng.permutation(3))
        flips = tuple(int(b) for b in rng.integers(0, 2, 3))
        g = NPNTransform(perm, flips, bool(rng.integers(0, 2))).apply(f)
        if g != f:
            members[g.hex] = g
        if len(members) == count:
            break
    return list(members.values())


# -- the target --------------------------------------------------------------------

def test_program_rows_follow_the_truth_table_order():
    f = parse_function("expr:x0 & ~x1 | x2", 3)
    model = build_model(3, 2, 1, function=f)
    bits = grid_points((1, 1, 1))
    assert np.array_equal(bits @ (1 << np.arange(3)), np.arange(8))  # row k holds the bits of k
    assert np.array_equal(model.target, f.table.astype(np.int64))
    assert np.array_equal(f.evaluate(bits), f.table)


def test_constant_functions_need_no_unit():
    for spec in ("hex:00", "hex:ff"):
        summary = prove_minimum_width(3, function=spec)
        assert (summary.lower_bound, summary.upper_bound, summary.status, summary.widths) == (0, 0, "exact", ())
        with pytest.raises(ValueError, match="constant"):
            prove_width(3, 1, function=spec)
        with pytest.raises(ValueError, match="constant"):
            build_model(3, 1, 1, function=spec)


def test_parity_results_unchanged():
    for function in (None, "parity"):
        summaries = [prove_minimum_width(n, function=function) for n in (2, 3, 4)]
        assert [(s.lower_bound, s.upper_bound, s.status) for s in summaries] == [(2, 2, "exact"), (3, 3, "exact"),
                                                                                 (3, 3, "exact")]
    assert prove_minimum_width(4, function=parse_function("hex:6996", 4)).upper_source == "construction (zigzag, 3 units)"
    summary = prove_minimum_width(3)
    assert summary.function == "parity" and summary.function_hex == "96" and summary.lower_bound == 3
    assert [p.function_hex for p in summary.widths] == ["96", "96"]


def test_threshold_functions_need_one_unit():
    for spec, n in [("majority", 3), ("majority", 4), ("majority", 5), ("threshold:2", 4), ("threshold:1", 3),
                    ("expr:x0 & ~x1 & x2", 3)]:
        f = parse_function(spec, n)
        summary = prove_minimum_width(n, function=f)
        assert (summary.lower_bound, summary.upper_bound, summary.status) == (1, 1, "exact"), spec
        for proof in summary.widths:
            check_certificate(proof, f)


# -- the symmetry breaking -----------------------------------------------------------

def test_plans_follow_the_group():
    describe = {spec: symmetry_plan(parse_function(spec, n)).describe() for spec, n in [
        ("parity", 4), ("~parity", 3), ("majority", 3), ("threshold:3", 3), ("hex:7e", 3),
        ("expr:x2 & (x0 ^ x1)", 3), ("expr:x0 & x1", 3), ("eq", 4), ("gt", 4), ("mux:1", 3)]}
    assert describe == {
        "parity": "S1; S2 pairs 0,1,2,3 (parity form); C2",
        "~parity": "S1; S2 pairs 0,1,2 (parity form); C2",
        "majority": "S1; S2 sorted 0,1,2",
        "threshold:3": "S2 sorted 0,1,2",
        "hex:7e": "S2 whole 0,1,2",  # not all equal: v(s) = v(3 - s), no negating transform
        "expr:x2 & (x0 ^ x1)": "S2 pairs 0,1",
        "expr:x0 & x1": "S2 sorted 0,1; S2 free 2",
        "eq": "S2 pairs 0,2; S2 pairs 1,3",
        "gt": "S3 only",  # its symmetries all mix a permutation with flips
        "mux:1": "S1",
    }
    # beyond n = 6 no group is computed: parity's is known, other functions get S3 alone
    assert symmetry_plan(parse_function("parity", 8)).canonical
    assert symmetry_plan(parse_function("majority", 7)).describe() == "S3 only"
    assert symmetry_plan(parse_function("majority", 3), derive=False).describe() == "S3 only"


def test_s1_only_with_a_negating_transform():
    f = parse_function("threshold:3", 3)  # AND: no input transform maps it to its negation
    assert not symmetry_group(f).negating
    assert positive_counts(3, function=f) == (0, 1, 2, 3)
    equal = parse_function("hex:81", 3)  # all bits equal: nothing negates it either
    assert not symmetry_group(equal).negating
    proof = prove_width(3, 1, function=equal)
    assert proof.status == "proven-infeasible" and [s.positive for s in proof.splits] == [0, 1]
    proof = prove_width(3, 1, function=f)
    assert proof.status == "feasible-certified" and proof.splits[-1].positive in (0, 1)
    majority = parse_function("majority", 3)
    assert symmetry_group(majority).negating and positive_counts(3, function=majority) == (2, 3)
    # the tied program: S1 only when flipping whole groups negates f
    assert positive_counts(3, groups=(2, 1), function=majority) == (2, 3)
    assert positive_counts(3, groups=(2, 2), function=parse_function("exactly:2", 4)) == (0, 1, 2, 3)


@pytest.mark.parametrize("variant", ["sign", "exact"])
def test_npn_census_of_three_bits_with_and_without_symmetry_breaking(variant):
    tables = all_tables(3)
    canonical = npn_canonical_values(tables)
    classes = sorted({int(v) for v in canonical})
    assert len(classes) == 14
    census = CENSUS_3 if variant == "sign" else CENSUS_3_EXACT
    found = {}
    for value in classes:
        f = BooleanFunction(tables[value])
        if f.count_ones in (0, 8):
            found[f.hex] = prove_minimum_width(3, function=f, variant=variant).upper_bound
            continue
        width, statuses = minimum_width(f, STRONG, variant)
        assert (width, statuses) == minimum_width(f, NO_SYMMETRY, variant), f.hex
        found[f.hex] = width
    assert found == census


def test_minimum_width_is_the_same_across_an_npn_class():
    # Negating an input is an exact change of the first layer, negating the output negates the
    # output layer: the minimum width (sign variant) is an NPN invariant.
    for canonical_hex, seed in [("06", 1), ("17", 2), ("18", 3), ("1b", 4), ("3c", 5), ("69", 6)]:
        members = class_members(canonical_hex, 2 if canonical_hex == "69" else 3, seed)
        assert members
        for f in members:
            width, statuses = minimum_width(f, STRONG)
            assert width == CENSUS_3[canonical_hex], (canonical_hex, f.hex)
            if canonical_hex in ("17", "1b", "69"):
                assert (width, statuses) == minimum_width(f, NO_SYMMETRY), f.hex


def best_margin(f: BooleanFunction, width: int, formulation: Formulation) -> float:
    margins = []
    for positive in positive_counts(width, formulation, function=f):
        solution = solve_model(build_model(f.n, width, positive, formulation=formulation, function=f),
                               target_margin=None, time_limit=20)
        assert solution.status == "Optimal"
        margins.append(solution.objective)
    return max(margins)


@pytest.mark.parametrize("spec, width", [
    ("hex:7e", 2),                 # S2 "whole"
    ("expr:x2 & (x0 ^ x1)", 2),    # S2 "pairs" on a block
    ("expr:x0 & x1", 2),           # S2 "sorted" and "free"
    ("majority", 2),               # S1 and "sorted"
    ("mux:1", 2),                  # S1 alone
    ("parity", 3),                 # S1, parity form, C2
])
def test_symmetry_breaking_keeps_the_best_margin(spec, width):
    # Every transform used maps a network to one with the same normalised margin, so the
    # optimum is the same with and without symmetry breaking (not only its sign).
    f = parse_function(spec, 3)
    assert best_margin(f, width, STRONG) == pytest.approx(best_margin(f, width, NO_SYMMETRY), abs=1e-6)


def test_constructions_are_upper_bounds_for_every_three_bit_function():
    tables = all_tables(3)
    canonical = npn_canonical_values(tables)
    for k in range(256):
        f = BooleanFunction(tables[k])
        for variant, census in (("sign", CENSUS_3), ("exact", CENSUS_3_EXACT)):
            found = constructions(3, variant, 6.0, f)
            assert found, f.hex
            floor = census[f"{int(canonical[k]):02x}"]
            assert all(width >= floor for width, _ in found), (f.hex, variant, found)
            assert found[0][0] <= min(f.count_ones, 8 - f.count_ones)  # minterms of the rarer value


def test_tied_weights_need_a_function_of_the_group_counts():
    model = build_model(4, 2, 1, groups=(2, 2), function="majority")
    assert model.n_binaries == 2 * 9
    with pytest.raises(ValueError, match="group counts"):
        build_model(3, 2, 1, groups=(2, 1), function="expr:x0 & ~x1")
    proof = prove_width(4, 1, groups=(4,), function="threshold:2")
    assert proof.groups == (4,) and proof.function_hex == parse_function("threshold:2", 4).hex
    check_certificate(proof, parse_function("threshold:2", 4))


# -- records ----------------------------------------------------------------------

def test_records_carry_the_function_and_old_records_are_parity():
    proof = prove_width(3, 1, function="majority")
    record = proof.to_dict()
    assert (record["function"], record["function_hex"]) == ("majority", "e8")
    again = WidthProof.from_dict(json.loads(json.dumps(record)))
    assert again.key == proof.key and again.to_dict() == record
    old = prove_width(3, 1).to_dict()
    del old["function"], old["function_hex"]
    reused = reusable_proofs([old, record], "sign", "strong", 60.0)
    assert {key[5] for key in reused} == {"96", "e8"}  # the old record is 3-bit parity's
    assert search_upper_bounds([{"n": 3, "width": 2, "successes": 1, "function_hex": "e8"},
                                {"n": 3, "width": 3, "successes": 1}], function="majority") == {3: 2}


# -- the command line ----------------------------------------------------------------

def test_cli_majority_json_reports_the_function():
    result = CliRunner().invoke(main, ["prove-width", "--functions", "majority", "--bits", "3", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["function"] == "majority"
    summary = payload["summaries"][0]
    assert (summary["function"], summary["function_hex"]) == ("majority", "e8")
    assert (summary["lower_bound"], summary["upper_bound"], summary["status"]) == (1, 1, "exact")
    width = payload["widths"][0]
    assert (width["function"], width["function_hex"], width["status"]) == ("majority", "e8", "feasible-certified")
    check_certificate(WidthProof.from_dict(width), parse_function("majority", 3))
    text = CliRunner().invoke(main, ["prove-width", "--functions", "majority", "--bits", "3", "--no-progress"])
    assert text.exit_code == 0 and "function majority, variant sign" in text.output


def test_cli_resume_keeps_functions_apart(tmp_path, monkeypatch):
    records = tmp_path / "prove.jsonl"
    runner = CliRunner()
    parity = runner.invoke(main, ["prove-width", "--bits", "3", "--records", str(records), "--no-progress"])
    assert parity.exit_code == 0, parity.output
    # records written before functions were a parameter had no function fields: still parity's
    lines = [json.loads(line) for line in records.read_text().splitlines()]
    for line in lines:
        del line["function"], line["function_hex"]
    records.write_text("".join(json.dumps(line) + "\n" for line in lines))
    other = runner.invoke(main, ["prove-width", "--functions", "exactly:1", "--bits", "3", "--records", str(records),
                                 "--resume", "--no-progress"])
    assert other.exit_code == 0, other.output
    added = [json.loads(line) for line in records.read_text().splitlines()[len(lines):]]
    assert [(r["width"], r["function_hex"]) for r in added] == [(1, "16"), (2, "16")]

    import expressivity.prove.milp.summary as summary

    forbid(monkeypatch, summary, "prove_width")
    again = runner.invoke(main, ["prove-width", "--bits", "3", "--records", str(records), "--resume", "--no-progress"])
    assert again.exit_code == 0 and again.output == parity.output


@pytest.mark.parametrize("args, words", [
    (["--functions", "bogus", "--bits", "3"], "unknown function family"),
    (["--functions", "ip", "--bits", "3"], "even"),
    (["--functions", "hex:e8", "--bits", "2..3"], "n=2"),
    (["--functions", "threshold:9", "--bits", "3"], "threshold:9"),
])
def test_cli_bad_function_is_one_line_exit_2(monkeypatch, args, words):
    import expressivity.prove.milp.width as prove

    forbid(monkeypatch, prove, "build_model", "bad input must be refused before a program is built")
    result = CliRunner().invoke(main, ["prove-width", *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: --functions"), result.output
    assert words in lines[0] and "Traceback" not in result.output
