"""The standalone records checker (expressivity.prove.check): shipped records pass, corrupted copies fail.

References independent of the checker: the toolkit's own exact verifier and
LayeredNet evaluation (random small networks), its truth tables from hex, its
Farkas and hull checks (expressivity.prove.exact.duals, .separable), and a plain
Fraction evaluator written here.
"""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from expressivity.functions import function_from_hex
from expressivity.networks.layered import LayeredNet
from expressivity.prove import check, check_census
from expressivity.prove.census.backing import farkas_evidence, hull_evidence
from expressivity.prove.exact.duals import check_infeasibility, solve_combination
from expressivity.prove.exact.patterns import Combination
from expressivity.prove.exact.separable import separability
from expressivity.verify.exhaustive import input_bits, table_reference, verify_exhaustive

ROOT = Path(__file__).resolve().parents[1]
CENSUS3 = ROOT / "tests/data/census3_evidence.jsonl"   # expressivity census --bits 3, with evidence
N5 = [ROOT / f"benchmarks/restrictions/n5_w4_p{p}_cubes.jsonl" for p in (2, 3, 4)]
N6 = [ROOT / f"benchmarks/restrictions/n6_w4_p{p}_cubes.jsonl" for p in (2, 3, 4)]
SHIPPED = [ROOT / "benchmarks/census/symmetric5.jsonl", ROOT / "benchmarks/census/symmetric6.jsonl",
           ROOT / "benchmarks/census/symmetric7.jsonl", ROOT / "tests/data/census3_plain.jsonl",
           ROOT / "paper/records/parity.jsonl", CENSUS3, *N5]


def lines(path: Path, limit: int | None = None) -> list[dict]:
    """Complete records only: a background run may be appending to the file."""
    text = path.read_text()
    text = text[:text.rfind("\n") + 1]
    return [json.loads(line) for line in text.splitlines()[:limit] if line.strip()]


def write(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def failures(*paths) -> list[str]:
    return [f for report in check.check_files([str(p) for p in paths]) for f in report.failures]


def plain_outputs(cert, n: int) -> list[Fraction]:
    """The one-hidden-layer certificate on every input, one Fraction at a time."""
    out = []
    for k in range(1 << n):
        x = [(k >> i) & 1 for i in range(n)]
        z = [Fraction(b) + sum(Fraction(w) * xi for w, xi in zip(row, x))
             for row, b in zip(cert["weights"], cert["biases"])]
        out.append(Fraction(cert["output_bias"]) + sum(a * max(v, 0) for a, v in zip(cert["output_weights"], z)))
    return out


# -- the shipped records ------------------------------------------------------------

def test_shipped_records_pass_and_say_what_rests_on_floating_point():
    reports = check.check_files([str(p) for p in SHIPPED])
    assert [f for r in reports for f in r.failures] == []
    by_name = {Path(r.path).name: r for r in reports}
    assert by_name["census3_evidence.jsonl"].exact["hulls"] == 7           # the 7 classes with lower bound 2
    assert by_name["symmetric5.jsonl"].exact["networks"] == 16
    # every HiGHS closure is listed as such, none passed silently: 63 + 211 proven-infeasible n = 5 cubes
    assert len(by_name["n5_w4_p2_cubes.jsonl"].floating) == 63 and len(by_name["n5_w4_p3_cubes.jsonl"].floating) == 212
    # both n = 5 splits are complete (every threshold pattern's orbit has its cube); only P = 3 is closed whole
    assert by_name["n5_w4_p2_cubes.jsonl"].exact["complete splits"] == by_name["n5_w4_p3_cubes.jsonl"].exact[
        "complete splits"] == 1
    closed = [line for line in by_name["n5_w4_p3_cubes.jsonl"].floating if line.startswith("split ")]
    assert len(closed) == 1 and "no network of width 4 with P = 3" in closed[0]
    assert not any(line.startswith("split ") for line in by_name["n5_w4_p2_cubes.jsonl"].floating)
    assert any("no network of width 4 with P = 4" in line for line in by_name["n5_w4_p4_cubes.jsonl"].floating)
    # every feasible cube keeps its network now; where rounding moved the fixed unit's pattern (or left it at 0)
    # the network proves the width, not the cube, and that is listed: recount those here, in Fractions
    records = [json.loads(line) for line in (ROOT / "benchmarks/restrictions/n5_w4_p2_cubes.jsonl").read_text().splitlines()]
    feasible = [r for r in records if r["status"] == "feasible-certified"]
    assert by_name["n5_w4_p2_cubes.jsonl"].exact["networks"] == len(feasible) == 148

    def moved(record) -> bool:
        cert, cube = record["certificate"], record["cube"]
        unit = 0 if cube["sign"] > 0 else cube["positive"]
        z = [Fraction(cert["biases"][unit]) + sum(Fraction(w) for i, w in enumerate(cert["weights"][unit]) if k >> i & 1)
             for k in range(32)]
        active = sum(1 << k for k, v in enumerate(z) if v > 0)
        return active != cube["pattern"] or sum(Fraction(a) > 0 for a in cert["output_weights"]) != cube["positive"]

    assert len(by_name["n5_w4_p2_cubes.jsonl"].unchecked) == sum(moved(r) for r in feasible)
    assert sum(moved(r) for r in feasible) == 0        # since bench_cube_networks.py --refit: every cube certified
    # lower bounds carried from a restriction one bit down: each citation resolved in the files given
    for name in ("symmetric6.jsonl", "symmetric7.jsonl"):
        cited = [r for r in lines(ROOT / "benchmarks/census" / name) if "restriction" in (r.get("evidence") or {})]
        assert len(cited) >= 2 and by_name[name].exact["facets"] == len(cited)


def test_n6_cubes_prefix_cite_closed_n5_cubes(tmp_path):
    """The first 300 records of each n = 6 file (the whole files take about 10 s here): every citation resolves."""
    prefixes = [write(tmp_path / p.name, lines(p, 300)) for p in N6]
    reports = check.check_files([str(p) for p in [*N5, *prefixes]])
    assert [f for r in reports for f in r.failures] == []
    for report in reports[len(N5):]:
        facets = sum(r.get("solver_status") == "facet" for r in lines(Path(report.path)))
        assert report.exact["facets"] == facets
        assert len(report.unchecked) == 1 and "not shown complete" in report.unchecked[0]    # a prefix of the list


def test_cube_records_the_toolkit_writes_pass(tmp_path):
    """XOR's 14 cubes (networks kept), then parity of 3 with 22 of its 30 cubes closed through a facet."""
    from expressivity.functions import parity
    from expressivity.prove.cubes.cube_split import prove_width_by_cubes
    from expressivity.prove.cubes.facets import LowerCubes

    lower = prove_width_by_cubes(parity(2), 2, stop_on_feasible=False)
    below = LowerCubes.from_records([r.to_dict() for r in lower.results], 2, 2)
    upper = prove_width_by_cubes(parity(3), 2, stop_on_feasible=False, below=below)
    paths = [write(tmp_path / f"n{n}.jsonl", [r.to_dict() for r in proof.results])
             for n, proof in ((2, lower), (3, upper))]
    reports = check.check_files([str(p) for p in paths])
    assert [f for r in reports for f in r.failures] == []
    assert reports[0].exact["networks"] == sum(r.status == "feasible-certified" for r in lower.results) > 0
    assert reports[1].exact["facets"] == sum(r.solver_status == "facet" for r in upper.results) == 22
    # every closure rests on HiGHS, one way or another; each split is complete and closed, so "no network" too
    splits = {(r.cube.positive, r.cube.sign) for r in upper.results}
    assert reports[1].exact["complete splits"] == len(splits) and upper.status == "proven-infeasible"
    said = [line for line in reports[1].floating if line.startswith("split ")]
    assert len(said) == len(splits) and all("no network of width 2" in line for line in said)
    assert len(reports[1].floating) == len(upper.results) + len(splits)


def test_old_census_records_get_the_evidence_a_new_run_writes(tmp_path):
    """tests/data/census3_plain.jsonl (census --bits 3 written before records carried evidence) augmented: the same hull points as a fresh census."""
    from expressivity.prove.census.table import census_record_with_evidence

    old = lines(ROOT / "tests/data/census3_plain.jsonl")
    assert check.check_files([str(write(tmp_path / "old.jsonl", old))])[0].exact["hulls"] == 0
    new = [census_record_with_evidence(r) for r in old]
    fresh = {r["hex"]: r.get("evidence") for r in lines(CENSUS3)}
    assert {r["hex"]: r.get("evidence") for r in new} == fresh
    report, = check.check_files([str(write(tmp_path / "new.jsonl", new))])
    assert report.failures == [] and report.exact["hulls"] == 7


def test_census_records_with_evidence_pass(tmp_path):
    """benchmarks/census/evidence: the shipped census records with their certificates added.  Every row whose
    lower bound is 2 carries a hull point (width 1 is not enough).  census4.jsonl.gz carries 296,791 sets of
    Farkas multipliers in 21 classes (about 11 s to check whole): the other rows are checked whole, and every
    90th set of the 21 heavy rows."""
    import gc
    import gzip

    folder = ROOT / "benchmarks/census/evidence"
    names = ("census3", "census_symmetric5", "census_symmetric6", "census_symmetric7")
    reports = check.check_files([str(folder / f"{name}.jsonl") for name in names])
    assert [f for r in reports for f in r.failures] == []
    # every row whose lower bound is 2 carries a hull point (rows raised above 2 one bit down keep theirs), all checked
    assert [r.exact["hulls"] for r in reports] == [sum("hull" in (r.get("evidence") or {})
                                                       for r in lines(folder / f"{name}.jsonl")) for name in names]
    assert all("hull" in (r.get("evidence") or {}) for name in names for r in lines(folder / f"{name}.jsonl")
               if r["lower_bound"] == 2)
    # the lower bounds carried up one bit (census --below): each citation resolved in the file one bit down
    assert [r.exact["facets"] for r in reports] == [
        sum("restriction" in (r.get("evidence") or {}) for r in lines(folder / f"{name}.jsonl")) for name in names]
    # (6-bit parity's row cites its cube split instead once that is closed: census --cube-records)
    by_cubes = sum("cubes" in (r.get("evidence") or {}) for r in lines(folder / "census_symmetric6.jsonl"))
    assert reports[2].exact["facets"] + by_cubes >= 2 and reports[3].exact["facets"] >= 10
    gc.disable()  # millions of small objects: the collector's passes took 8 of the 9 s the parse took
    try:
        census4 = [json.loads(line) for line in gzip.open(folder / "census4.jsonl.gz", "rt") if line.strip()]
    finally:
        gc.enable()
    assert sum(r["size"] for r in census4) == 2 ** 16
    heavy = [r for r in census4 if (r.get("second_method") or {}).get("survivors")]
    report, = check.check_files([str(write(tmp_path / "census4.jsonl", [r for r in census4 if r not in heavy]))])
    assert report.failures == []
    assert report.exact["hulls"] == sum(r["lower_bound"] == 2 for r in census4 if r not in heavy)
    for row in heavy:
        farkas = row["second_method"]["farkas"]
        assert len(farkas) == row["second_method"]["survivors"] > 0
        table = check.table_of(row["hex"], 4)
        assert all(check.check_farkas(table, c) == "" for c in farkas[::90]), row["hex"]


def test_depth_width_prefix_networks_checked_exactly(tmp_path):
    """The first 60 search records (the whole file takes about 6 s here); weights read exactly as dyadic rationals."""
    folder = ROOT / "benchmarks/depth_width"
    (tmp_path / "records.weights").symlink_to(folder / "records.weights")
    records = lines(folder / "records.jsonl", 60)
    report, = check.check_files([str(write(tmp_path / "records.jsonl", records))])
    assert report.failures == []
    assert report.exact["networks"] == sum(1 for r in records if r.get("weights_file"))


# -- corrupted copies ----------------------------------------------------------------

def test_a_corrupted_weight_is_rejected(tmp_path):
    records = lines(ROOT / "benchmarks/census/symmetric5.jsonl")
    index, width = next((i, j) for i, r in enumerate(records) for j, p in enumerate(r["widths"]) if p["certificate"])
    row = records[index]
    cert = row["widths"][width]["certificate"]
    table = function_from_hex(row["hex"], row["n"]).table
    assert [v > 0 for v in plain_outputs(cert, row["n"])] == list(table)   # the shipped one is right
    for delta in (1, -1, 3, -3, 7):                     # a change that the plain evaluator says breaks it
        bad = copy.deepcopy(cert)
        bad["weights"][0][0] += delta
        if [v > 0 for v in plain_outputs(bad, row["n"])] != list(table):
            break
    else:
        pytest.fail("no corruption broke the network")
    broken = copy.deepcopy(records)
    broken[index]["widths"][width]["certificate"] = bad
    found = failures(write(tmp_path / "weight.jsonl", broken))
    assert len(found) == 1 and "wrong on input row" in found[0]


def test_a_corrupted_hull_multiplier_is_rejected(tmp_path):
    records = lines(CENSUS3)
    index = next(i for i, r in enumerate(records) if r.get("evidence"))
    for side, position in (("ones", 0), ("zeros", -1)):
        broken = copy.deepcopy(records)
        broken[index]["evidence"]["hull"][side][position][1] += 1
        assert len(failures(write(tmp_path / "hull.jsonl", broken))) == 1


def xor_farkas() -> tuple[list[int], dict, dict]:
    """A Farkas certificate from the toolkit (duals): one unit active on row 1 only cannot compute XOR."""
    table = [0, 1, 1, 0]
    answer = solve_combination([bool(v) for v in table], Combination((0b0010,), (1,)))
    assert answer.status == "infeasible"
    return table, answer.multipliers, farkas_evidence(2, answer.combination, answer.multipliers)


def test_every_single_corrupted_farkas_multiplier_is_rejected():
    table, _, evidence = xor_farkas()
    assert check.check_farkas(table, evidence) == ""
    for position in range(len(evidence["rows"])):     # every row has a +-1 on a bias or on c: y^T G moves
        for delta in (1, -1):
            bad = copy.deepcopy(evidence)
            bad["rows"][position][1] += delta
            assert check.check_farkas(table, bad) != ""


def test_a_corrupted_combination_pattern_agrees_with_the_toolkit():
    """Each one-bit change of the pattern: the checker and duals.check_infeasibility give the same verdict."""
    table, multipliers, evidence = xor_farkas()
    rejected = 0
    for bit in range(4):
        pattern = evidence["patterns"][0] ^ (1 << bit)
        bad = dict(evidence, patterns=[pattern])
        reference = check_infeasibility([bool(v) for v in table], Combination((pattern,), (1,)), multipliers)
        assert (check.check_farkas(table, bad) == "") == reference
        rejected += not reference
    assert rejected >= 1


def test_farkas_evidence_in_a_census_record_is_checked(tmp_path):
    """A census row's second method carrying one certificate: accepted, then rejected with one multiplier off."""
    records = lines(CENSUS3)
    index = next(i for i, r in enumerate(records) if r["hex"] == "06")   # x0 XOR x1 on 3 bits
    table = [int(v) for v in function_from_hex("06", 3).table]
    answer = solve_combination([bool(v) for v in table], Combination((0b00000010,), (1,)))
    assert answer.status == "infeasible"
    good = copy.deepcopy(records)
    good[index]["second_method"] |= {"survivors": 1, "farkas": [farkas_evidence(3, answer.combination,
                                                                                 answer.multipliers)]}
    report, = check.check_files([str(write(tmp_path / "good.jsonl", good))])
    assert report.failures == [] and report.exact["farkas"] == 1
    good[index]["second_method"]["farkas"][0]["rows"][0][1] += 1
    assert len(failures(write(tmp_path / "bad.jsonl", good))) == 1


def test_a_corrupted_cube_pattern_is_rejected(tmp_path):
    """A facet closure rests on the cube's restriction to the facet it names: a changed row there is rejected,
    a changed row off that facet leaves a cube with the same restriction, which the citation still closes."""
    records = lines(N6[1], 20)
    assert failures(*N5, write(tmp_path / "n6.jsonl", records)) == []
    record = records[5]
    bit, value = (int(v) for v in re.search(r"facet x(\d) = (\d)", record["reason"]).groups())
    on = next(k for k in range(64) if (k >> bit) & 1 == value)
    off = next(k for k in range(64) if (k >> bit) & 1 != value)
    for row, rejected in ((on, 1), (off, 0)):
        broken = copy.deepcopy(records)
        broken[5]["cube"]["pattern"] ^= 1 << row
        assert len(failures(*N5, write(tmp_path / "n6.jsonl", broken))) == rejected


def test_constructions_are_rebuilt_with_the_units_the_records_name(tmp_path):
    """Every named construction of the symmetric censuses is rebuilt by the checker with the stated number of units;
    a row claiming one unit fewer than its construction has is rejected."""
    rows = [r for n in (5, 6, 7) for r in lines(ROOT / f"benchmarks/census/symmetric{n}.jsonl")
            if re.search(r", (\d+) units?\)$", r["upper_source"])]
    assert len(rows) >= 60
    for row in rows:
        net = check_census.construction_network(check.table_of(row["hex"], row["n"]), row["n"], row["upper_source"])
        stated = int(re.search(r", (\d+) units?\)$", row["upper_source"]).group(1))
        assert len(net["biases"]) == stated, row["upper_source"]
    row = next(r for r in rows if "interpolation" in r["upper_source"])
    assert failures(write(tmp_path / "ok.jsonl", [row])) == []
    bad = dict(row, upper_bound=row["upper_bound"] - 1)
    assert any("more units than claimed" in f for f in failures(write(tmp_path / "bad.jsonl", [bad])))


def test_a_citation_of_an_open_lower_cube_is_rejected(tmp_path):
    records = lines(N6[1], 3)
    lower = [dict(r, status="unknown") for r in lines(N5[1])]
    found = failures(write(tmp_path / "n5.jsonl", lower), write(tmp_path / "n6.jsonl", records))
    assert len(found) == 3 and all("unknown" in f for f in found)


# -- the checker's arithmetic against the toolkit's ----------------------------------

def test_hex_convention_matches_the_toolkit():
    rng = np.random.default_rng(0)
    assert check.table_of("6996", 4) == [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0]
    for n in range(1, 7):
        hex_ = "".join(rng.choice(list("0123456789abcdef"), max(1, (1 << n) // 4)))
        if n < 2:
            hex_ = str(rng.integers(0, 1 << (1 << n)))
        assert check.table_of(hex_, n) == [int(v) for v in function_from_hex(hex_, n).table]


def test_network_evaluation_matches_the_toolkit_on_random_networks():
    rng = np.random.default_rng(1)
    for _ in range(40):
        n = int(rng.integers(1, 6))
        widths = [int(w) for w in rng.integers(1, 5, size=int(rng.integers(1, 3)))]
        shapes = list(zip(widths + [1], [n] + widths))
        weights = [rng.integers(-4, 5, size=shape) for shape in shapes]
        biases = [rng.integers(-4, 5, size=shape[0]) for shape in shapes]
        net = LayeredNet.from_dense(weights, biases)
        expected = net.forward(input_bits(n, 0, 1 << n))[:, 0]
        values, scale = check.evaluate(list(zip(weights, biases)), n)
        assert [Fraction(v, scale) for v in values] == [int(v) for v in expected]
        # the toolkit's sign mode also calls an output of 0 wrong on a zero; 2 out - 1 is never 0 and has
        # the sign of out on integers, so the two conventions meet on it
        strict = LayeredNet.from_dense(weights[:-1] + [2 * weights[-1]], biases[:-1] + [2 * biases[-1] - 1])
        for table in (expected > 0, rng.integers(0, 2, size=1 << n)):    # its own sign table, then a random one
            verdict = verify_exhaustive(strict, table_reference(np.asarray(table, dtype=np.int64)), mode="sign")
            assert (check.judge(values, scale, [int(v) for v in table], "sign") == "") == verdict.verified


def test_float_weights_are_read_exactly():
    """0.1 is not 1/10 in float64: the checker sees the float's exact dyadic value."""
    values, scale = check.evaluate([([[0.1]], [0.0]), ([[1.0]], [-0.1])], 1)
    assert [Fraction(v, scale) for v in values] == [Fraction(-0.1), Fraction(0.1) - Fraction(0.1)]
    assert Fraction(values[1], scale) == 0      # a margin of exactly 0 is wrong in the sign variant
    assert check.judge(values, scale, [0, 1], "sign") != ""


def test_hull_evidence_round_trip():
    for hex_, n in (("6", 2), ("96", 3), ("16", 3)):
        result = separability(function_from_hex(hex_, n))
        assert check.check_hull(check.table_of(hex_, n), hull_evidence(result.certificate)) == ""


# -- the command, as a user runs it --------------------------------------------------

def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "expressivity.prove.check", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_cli_json_and_exit_codes(tmp_path):
    broken = lines(CENSUS3)
    broken[3]["evidence"]["hull"]["ones"][0][1] += 1
    done = run("--json", CENSUS3, write(tmp_path / "bad.jsonl", broken))
    assert done.returncode == 1, done.stderr
    good, bad = json.loads(done.stdout)["files"]
    assert good["failures"] == [] and good["checked_exactly"]["hulls"] == 7
    assert len(bad["failures"]) == 1 and bad["checked_exactly"]["hulls"] == 6
    done = subprocess.run([sys.executable, str(ROOT / "expressivity/prove/check.py"), CENSUS3,
                           tmp_path / "missing.jsonl"], capture_output=True, text=True, timeout=120)
    # run as a plain file too (no package imported); bad input is decided before any record is checked
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "junk.jsonl").write_text("{not json\n{}\n")
    (tmp_path / "list.jsonl").write_text("[1, 2]\n")
    for bad in (["junk.jsonl"], ["list.jsonl"], ["."], ["--no-such-option", "junk.jsonl"], []):
        try:
            code = check.main([str(tmp_path / a) if not a.startswith("-") else a for a in bad])
        except SystemExit as stop:
            code = stop.code
        out, err = capsys.readouterr()
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, (bad, err)


def test_a_half_written_last_line_is_skipped(tmp_path):
    """A background run appending to a file leaves its last line without a newline for a moment."""
    text = CENSUS3.read_text()
    (tmp_path / "growing.jsonl").write_text(text + text.splitlines()[0][:50])
    report, = check.check_files([str(tmp_path / "growing.jsonl")])
    assert report.records == len(text.splitlines()) and report.failures == []


def test_checker_imports_nothing_of_the_toolkit():
    """The checker's files: the standard library, numpy, and each other (by their own folder), nothing else."""
    import ast
    allowed = {"__future__", "argparse", "gc", "gzip", "itertools", "json", "math", "os", "re", "sys", "fractions", "numpy",
               "dataclasses", "functools"}
    files = {"check", "check_evidence", "check_census", "check_cubes", "rederive", "split_cover"}
    helpers = {"rederive", "split_cover"}          # these two import nothing of the others
    for name in sorted(files):
        tree = ast.parse((ROOT / f"expressivity/prove/{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
                assert roots <= allowed | (set() if name in helpers else files), (name, roots)
            elif isinstance(node, ast.ImportFrom):
                if node.level:                      # "from . import rederive", "from .check_evidence import ..."
                    assert name not in helpers and node.level == 1, name
                    assert (node.module in files) if node.module else {a.name for a in node.names} <= files, name
                else:
                    assert node.module.split(".")[0] in allowed | (set() if name in helpers else files), \
                        (name, node.module)


def test_a_split_missing_a_cube_is_not_called_complete(tmp_path):
    """One cube dropped from the closed n = 5, P = 3 split: its orbit is missed, and no "no network" is said."""
    records = lines(N5[1])
    for dropped in (0, 100):
        path = write(tmp_path / f"drop{dropped}.jsonl", records[:dropped] + records[dropped + 1:])
        report, = check.check_files([str(path)])
        assert report.failures == [] and report.exact["complete splits"] == 0
        assert any("not shown complete" in line and "0 not shown threshold, 0 orbits repeated" in line
                   for line in report.unchecked)
        assert not any(line.startswith("split ") for line in report.floating)
    # a later "unknown" for a closed cube does not reopen it; an "unknown" cube keeps the split from closing
    reopened = dict(records[5], status="unknown")
    report, = check.check_files([str(write(tmp_path / "later.jsonl", records + [reopened]))])
    assert any(line.startswith("split ") for line in report.floating)
    report, = check.check_files([str(write(tmp_path / "open.jsonl", records[:5] + [reopened] + records[6:]))])
    assert report.exact["complete splits"] == 1 and not any(line.startswith("split ") for line in report.floating)
