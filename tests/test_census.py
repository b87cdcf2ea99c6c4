"""The census of minimum widths: NPN classes (n <= 4), symmetric functions (n <= 7), records, the command line.

The widths checked here are facts worked out by hand, not read back from the
prover: a constant needs no unit; AND and majority are threshold functions
(one unit ``relu(sum of +-x_i - k)`` separates them); XOR is not linearly
separable, so it needs 2 units, and 2 suffice; 3-bit parity needs 3 (also
tested by the parity tests of ``prove-width``).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import forbid, one_line_error

import expressivity.prove.census.backing as backing_module
import expressivity.prove.census.table as census_module
from expressivity.cli import main
from expressivity.functions import BooleanFunction, npn_canonical, parse_function
from expressivity.prove import Separability, WidthProof, prove_minimum_width
from expressivity.prove.exact.by_patterns import PatternProof
from expressivity.prove.census.table import (
    EXACT_METHOD, HIGHS_METHOD, CensusRow, LowerBoundDisagreement, all_tables, census, census_table, census_universe,
    class_names, named_functions, npn_classes, pattern_method, symmetric_classes, symmetric_functions,
    width_histogram,
)
from expressivity.results.records import read_records


@pytest.fixture(scope="module")
def census2():
    return census(2, time_limit=30)


@pytest.fixture(scope="module")
def census3():
    return census(3, time_limit=30)


def by_class(rows) -> dict[str, CensusRow]:
    return {row.hex: row for row in rows}


def row_of(rows, f: BooleanFunction) -> CensusRow:
    """The row of ``f``'s NPN class."""
    return by_class(rows)[npn_canonical(f)[0].hex]


def network_outputs(proof: WidthProof) -> np.ndarray:
    """The certificate's integer network on every input, evaluated here (row k: x_i = bit i of k)."""
    cert = proof.certificate
    x = (np.arange(1 << proof.n)[:, None] >> np.arange(proof.n)) & 1
    hidden = np.maximum(x @ np.array(cert.weights, dtype=np.int64).T + np.array(cert.biases, dtype=np.int64), 0)
    return hidden @ np.array(cert.output_weights, dtype=np.int64) + cert.output_bias


# -- the classes -------------------------------------------------------------------

def test_npn_classes_are_the_known_ones():
    # 2, 4, 14 and 222 NPN classes of 1..4 variables (known counts); every function in exactly one
    for n, count in [(1, 2), (2, 4), (3, 14), (4, 222)]:
        classes = npn_classes(n)
        assert len(classes) == count and len({c.hex for c in classes}) == count
        assert sum(c.size for c in classes) == census_universe(n, "npn") == 1 << (1 << n)
    # each class's size is the number of tables whose canonical form it is
    tables = all_tables(2)
    sizes: dict[str, int] = {}
    for table in tables:
        key = npn_canonical(BooleanFunction(table))[0].hex
        sizes[key] = sizes.get(key, 0) + 1
    assert {c.hex: c.size for c in npn_classes(2)} == sizes
    with pytest.raises(ValueError, match="1 <= n <= 4"):
        npn_classes(5)


def test_symmetric_classes_group_by_npn_transforms():
    for n in (1, 2, 3, 4):
        functions = symmetric_functions(n)
        assert len(functions) == 1 << (n + 1)
        for values, hex_ in functions:
            f = parse_function(f"hex:{hex_}", n)
            assert f.is_symmetric and "".join(map(str, f.values_by_weight())) == values
        classes = symmetric_classes(n)
        assert sum(c.size for c in classes) == census_universe(n, "symmetric")
        # each orbit lies in one NPN class, and here no two orbits share one
        canonical = {hex_: npn_canonical(parse_function(f"hex:{hex_}", n))[0].hex for _, hex_ in functions}
        assert len({c.npn_hex for c in classes}) == len(classes)
        members = {c.npn_hex: 0 for c in classes}
        for hex_ in canonical.values():
            members[hex_] += 1
        assert {c.npn_hex: c.size for c in classes} == members
    assert len(symmetric_classes(7)) == 72 and all(c.npn_hex == "" for c in symmetric_classes(7))


def test_names_come_from_membership():
    names = class_names(3)
    for spec, name in [("majority", "majority of 3"), ("parity", "parity of 3"), ("threshold:1", "AND/OR of 3"),
                       ("~threshold:3", "AND/OR of 3"), ("expr:~x0 | x2", "AND/OR of 2"), ("expr:x1 ^ x2", "parity of 2"),
                       ("expr:~x2", "literal x0"), ("exactly:1", "exactly:1 of 3"), ("exactly:2", "exactly:1 of 3"),
                       ("hex:00", "constant"), ("hex:ff", "constant")]:
        assert names[npn_canonical(parse_function(spec, 3))[0].hex] == name, spec
    assert class_names(4)[npn_canonical(parse_function("threshold:2", 4))[0].hex] == "majority of 4"
    # every name is that of a member: the function it was named after lies in the class
    named = {name: npn_canonical(f)[0].hex for name, f in named_functions(3)}
    assert all(named[name] == hex_ for hex_, name in names.items())
    assert all(c.name == names.get(c.hex, "") for c in npn_classes(3))


# -- the census --------------------------------------------------------------------

def test_census_of_two_bits(census2):
    rows = by_class(census2)
    assert len(rows) == 4 and all(row.status == "exact" for row in census2)
    assert row_of(census2, parse_function("hex:0", 2)).minimum_width == 0
    assert row_of(census2, parse_function("threshold:2", 2)).minimum_width == 1  # AND
    assert row_of(census2, parse_function("expr:x1", 2)).minimum_width == 1      # a literal
    xor = row_of(census2, parse_function("parity", 2))
    assert (xor.lower, xor.upper, xor.name) == (2, 2, "parity of 2")
    assert xor.lower_methods == ("HiGHS (floating point)", "exact LP dual (width 1)", pattern_method(1))
    assert row_of(census2, parse_function("threshold:2", 2)).lower_methods == ("trivial",)


def test_census_of_three_bits(census3):
    assert len(census3) == 14 and all(row.status == "exact" for row in census3)
    facts = [("threshold:3", 1), ("majority", 1), ("parity", 3), ("hex:00", 0), ("expr:x0 & x1", 1),
             ("expr:x0 ^ x1", 2)]
    for spec, width in facts:
        assert row_of(census3, parse_function(spec, 3)).minimum_width == width, spec
    assert {row.minimum_width for row in census3} == {0, 1, 2, 3}


def test_every_lower_bound_has_two_methods(census3):
    # n = 3: "width 1 is not enough" by HiGHS, the hull certificate and the patterns; "width 2 is not enough"
    # (parity, the only class needing 3) by HiGHS and the patterns
    two = [row for row in census3 if row.lower == 2]
    three = [row for row in census3 if row.lower == 3]
    assert len(two) + len(three) == 14 - 6  # all but the 6 classes of threshold functions (the constant included)
    assert [row.hex for row in three] == [npn_canonical(parse_function("parity", 3))[0].hex]
    for row in two:
        assert row.lower_methods == (HIGHS_METHOD, EXACT_METHOD, pattern_method(1)), row.hex
    for row in three:
        assert row.lower_methods == (HIGHS_METHOD, pattern_method(2)), row.hex
        assert row.second["status"] == "proven-infeasible" and row.second["width"] == 2
    for row in census3:
        assert not row.one_method_only, row.hex
        if row.lower < 2:
            assert row.lower_methods in (("trivial",),), row.hex
    assert all(CensusRow.from_dict(row.to_dict()).lower_methods == row.lower_methods for row in census3)
    assert all(CensusRow.from_dict(row.to_dict()).second == row.second for row in census3)
    table = census_table(census3)
    assert "HiGHS, patterns 2" in table and "HiGHS, hull, patterns 1" in table and "*" not in table


def test_without_the_second_method_the_row_is_marked():
    rows = census(3, time_limit=30, pattern_time_limit=0)
    parity = [row for row in rows if row.lower == 3]
    assert [row.one_method_only for row in parity] == [True]
    assert " 3* " in census_table(rows)


def _lying(separable, hex_=None):
    """A separability check that plants ``separable`` for ``hex_`` (every function if ``None``)."""
    real = backing_module.separability

    def separability(f):
        return Separability(separable, None, "planted") if hex_ in (None, f.hex) else real(f)
    return separability


@pytest.mark.parametrize("separable, hex_, words", [
    (True, "6", "function hex:6 (n=2), width 1"),     # XOR called separable, though width 1 is infeasible
    (False, "1", "function hex:1 (n=2), width 1"),    # AND called non-separable, though 1 unit is certified
])
def test_a_disagreement_stops_the_census(tmp_path, monkeypatch, separable, hex_, words):
    monkeypatch.setattr(backing_module, "separability", _lying(separable, hex_))
    records = tmp_path / "census.jsonl"
    with pytest.raises(LowerBoundDisagreement, match=words.replace("(", "\\(").replace(")", "\\)")) as caught:
        census(2, time_limit=30, records_path=records)
    assert (caught.value.hex, caught.value.width, caught.value.n) == (hex_, 1, 2)
    assert hex_ not in {r["hex"] for r in read_records(records)}  # the disputed row is not recorded
    line = one_line_error(CliRunner().invoke(main, ["census", "--bits", "2", "--no-progress"]))
    assert words in line


def test_a_pattern_disagreement_stops_the_census(tmp_path, monkeypatch):
    # the pattern method planted to claim a network of width 2 for 3-bit parity, which HiGHS proved infeasible
    real = backing_module.prove_width_by_patterns
    parity = npn_canonical(parse_function("parity", 3))[0].hex   # the census proves class representatives

    def lying(f, width, time_limit=None):
        proof = real(f, width, time_limit=time_limit)
        if f.hex == parity and width == 2:
            return PatternProof(**{**proof.__dict__, "status": "feasible-certified"})
        return proof
    monkeypatch.setattr(backing_module, "prove_width_by_patterns", lying)
    records = tmp_path / "census.jsonl"
    with pytest.raises(LowerBoundDisagreement, match=f"function hex:{parity} \\(n=3\\), width 2"):
        census(3, time_limit=30, records_path=records)
    assert parity not in {r["hex"] for r in read_records(records)}
    line = one_line_error(CliRunner().invoke(main, ["census", "--bits", "3", "--no-progress"]))
    assert f"hex:{parity} (n=3), width 2" in line


def test_undecided_adds_nothing(monkeypatch):
    monkeypatch.setattr(backing_module, "separability", _lying(None))
    real = backing_module.prove_width_by_patterns
    monkeypatch.setattr(backing_module, "prove_width_by_patterns",
                        lambda f, width, time_limit=None: PatternProof(
                            **{**real(f, width).__dict__, "status": "undecided", "reason": "planted"}))
    rows = census(2, time_limit=30)
    assert all(row.lower_methods in ((HIGHS_METHOD,), ("trivial",)) for row in rows)
    assert [row.hex for row in rows if row.one_method_only] == ["6"]


def test_every_certified_network_computes_its_class(census2, census3):
    checked = 0
    for row in census2 + census3:
        f = parse_function(f"hex:{row.hex}", row.n)
        for proof in row.widths:
            assert proof.function_hex == row.hex and proof.variant == "sign"
            if proof.status == "feasible-certified":
                out = network_outputs(proof)
                assert not (out == 0).any() and np.array_equal(out > 0, f.table), row.hex
                assert proof.width == row.upper
                checked += 1
            else:
                assert proof.status == "proven-infeasible" and proof.width < row.lower
    assert checked >= 10


def test_histogram_weighs_classes_by_size(census2, census3):
    for rows, n in ((census2, 2), (census3, 3)):
        bins = width_histogram(rows)
        assert sum(b.functions for b in bins) == 1 << (1 << n)
        assert sum(b.classes for b in bins) == len(rows)
    assert [(b.label, b.classes, b.functions) for b in width_histogram(census2)] == [
        ("0", 1, 2), ("1", 2, 12), ("2", 1, 2)]
    # width <= 1 is exactly the linear threshold functions: 14 of 2 variables, 104 of 3 (constants included)
    for rows, count in ((census2, 14), (census3, 104)):
        assert sum(b.functions for b in width_histogram(rows) if b.width is not None and b.width <= 1) == count
    unsettled = [CensusRow(4, "npn", "abcd", "", 10, 2, 4, "x", "gap", 0.0, (), 1.0, "strong"),
                 CensusRow(4, "npn", "abce", "", 5, 1, 4, "x", "unknown", 0.0, (), 1.0, "strong")]
    assert [(b.label, b.width, b.functions) for b in width_histogram(census2 + unsettled)][-2:] == [
        ("gap 2..4", None, 10), ("unknown (<= 4)", None, 5)]


@pytest.mark.parametrize("n, draws", [(3, 6), (4, 2)])
def test_minimum_width_is_an_npn_invariant(census3, n, draws):
    # a random member and the canonical member of its class get the same proven width
    rng = np.random.default_rng(11 + n)
    for _ in range(draws):
        f = BooleanFunction(rng.integers(0, 2, 1 << n).astype(bool))
        canonical = npn_canonical(f)[0]
        member = prove_minimum_width(n, function=f, time_limit=60)
        if n == 3:
            reference = row_of(census3, f)
            expected = (reference.lower, reference.upper, reference.status)
        else:
            s = prove_minimum_width(n, function=canonical, time_limit=60)
            expected = (s.lower_bound, s.upper_bound, s.status)
        assert expected[2] == "exact" and (member.lower_bound, member.upper_bound, member.status) == expected, f.hex


def test_symmetric_census_agrees_with_the_npn_census(census3):
    rows = census(3, "symmetric", time_limit=30)
    assert sum(row.size for row in rows) == 16 and len(rows) == 6
    npn = by_class(census3)
    for row in rows:
        assert parse_function(f"hex:{row.hex}", 3).is_symmetric
        other = npn[row.npn_hex]
        assert (row.lower, row.upper, row.status, row.name) == (other.lower, other.upper, other.status, other.name)


# -- records -----------------------------------------------------------------------

def test_records_and_resume(tmp_path, monkeypatch):
    records = tmp_path / "census.jsonl"
    runner = CliRunner()
    first = runner.invoke(main, ["census", "--bits", "3", "--records", str(records), "--no-progress"])
    assert first.exit_code == 0, first.output
    written = read_records(records)
    assert len(written) == 14 and {r["kind"] for r in written} == {"census"}
    forbid(monkeypatch, census_module, "prove_minimum_width")
    again = runner.invoke(main, ["census", "--bits", "3", "--records", str(records), "--resume", "--no-progress"])
    assert again.exit_code == 0, again.output
    table = first.output.split("\n\n")[:2]  # the class table and the histogram
    assert again.output.split("\n\n")[:2] == table
    assert "14 classes read back" in again.output
    assert len(read_records(records)) == 14  # nothing appended


def test_resume_redoes_classes_that_had_less_time(tmp_path, monkeypatch):
    records = tmp_path / "census.jsonl"
    rows = census(2, time_limit=5, records_path=records)
    lines = read_records(records)
    xor = next(line for line in lines if line["hex"] == "6")
    xor.update(status="unknown", lower_bound=1, time_limit=1.0, widths=[])  # as if it had run out of time
    records.write_text("".join(json.dumps(line) + "\n" for line in lines))
    called = []
    real = census_module.prove_minimum_width

    def counting(n, **kwargs):
        called.append(kwargs["function"].hex)
        return real(n, **kwargs)

    monkeypatch.setattr(census_module, "prove_minimum_width", counting)
    again = census(2, time_limit=0.5, records_path=records, resume=True)  # less time than it had: kept
    assert called == [] and by_class(again)["6"].status == "unknown"
    again = census(2, time_limit=5, records_path=records, resume=True)
    assert called == ["6"]
    assert [(r.hex, r.lower, r.upper, r.status) for r in again] == [(r.hex, r.lower, r.upper, r.status) for r in rows]
    assert [r.resumed for r in again] == [True, True, True, False]
    # other n, kinds and formulations are not reused
    census(1, records_path=records, resume=True)
    assert called == ["6", "0", "1"]
    with pytest.raises(ValueError, match="records file"):
        census(2, resume=True)


# -- the command line ----------------------------------------------------------------

def test_cli_json_plot_and_symmetric(tmp_path):
    plot = tmp_path / "census.svg"
    result = CliRunner().invoke(main, ["census", "--bits", "2", "--json", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["n"], payload["kind"], payload["classes"], payload["functions"]) == (2, "npn", 4, 16)
    assert sum(b["functions"] for b in payload["histogram"]) == 16
    assert plot.read_text().lstrip().startswith("<?xml")
    text = CliRunner().invoke(main, ["census", "--bits", "3", "--kind", "symmetric", "--no-progress"])
    assert text.exit_code == 0, text.output
    assert "6 classes of symmetric functions of 3 bits (16 functions)" in text.output
    assert "HiGHS, patterns 2" in text.output and "* a lower bound resting on HiGHS alone" in text.output
    off = CliRunner().invoke(main, ["census", "--bits", "3", "--kind", "symmetric", "--no-progress",
                                    "--pattern-time-limit", "0", "--json"])
    rows = json.loads(off.stdout)["rows"]
    assert json.loads(off.stdout)["pattern_time_limit"] == 0
    assert all(not any(m.startswith("activation patterns") for m in row["lower_methods"]) for row in rows)
    assert census_table(census(1)).count("\n") == 2


@pytest.mark.parametrize("args, words", [
    (["--bits", "9"], "goes up to 4"),
    (["--bits", "5"], "goes up to 4"),
    (["--bits", "8", "--kind", "symmetric"], "goes up to 7"),
    (["--bits", "0"], "at least 1"),
    (["--bits", "2..3"], "one n"),
    (["--bits", "2", "--plot", "census.txt"], "--plot"),
    (["--bits", "2", "--resume"], "--resume needs --records"),
    (["--bits", "2", "--time-limit", "0"], "--time-limit"),
    (["--bits", "2", "--kind", "bogus"], "bogus"),
    (["--bits", "2", "--pattern-time-limit", "-1"], "--pattern-time-limit"),
    (["--bits", "2", "--pattern-time-limit", "nan"], "--pattern-time-limit"),
])
def test_cli_bad_input_is_one_line_exit_2(monkeypatch, args, words):
    forbid(monkeypatch, census_module, "prove_minimum_width", "bad input must be refused before any work")
    line = one_line_error(CliRunner().invoke(main, ["census", *args]))
    assert words in line
