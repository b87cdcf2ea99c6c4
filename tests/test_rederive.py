"""The re-derivation of three-unit refutations (expressivity/prove/rederive.py, numpy only).

References: the lead's enumeration (expressivity.prove.exact.three_units, separate code) on the number of
surviving combinations; the census records (their checked networks) for the face lemmas it re-derives; the
checker run as a user runs it, as a module and as a plain file.
"""
from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from expressivity.functions import parse_function
from expressivity.prove import check, rederive
from expressivity.prove.exact import three_units
from expressivity.prove.exact.patterns import threshold_patterns

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "benchmarks/census/evidence"
PARITY5 = "69969669"


def bits_of(hex_: str, n: int) -> np.ndarray:
    return np.array([(int(hex_, 16) >> k) & 1 for k in range(1 << n)], dtype=bool)


def test_threshold_functions_are_the_toolkits_and_exclude_xor():
    for n in range(5):
        assert rederive.threshold_functions(n).tolist() == threshold_patterns(n).tolist()
    # n = 2 by hand: every set of rows but XOR's ones and XOR's zeros
    assert rederive.threshold_functions(2).tolist() == sorted(set(range(16)) - {0b0110, 0b1001})


@pytest.mark.parametrize("hex_, n", [("96", 3), ("16", 3), ("24", 3), ("e8", 3), ("6996", 4), ("9669", 4)])
def test_survivors_agree_with_the_lead(monkeypatch, hex_, n):
    """Parity, majority (e8) and two other 3-bit functions; 4-bit parity and its complement, with face lemmas."""
    monkeypatch.setattr(three_units, "MAX_SURVIVORS", 10 ** 6)     # majority of 3 has 258,493: count them all
    table = bits_of(hex_, n)
    lead = three_units.enumerate_three_units(table)
    assert lead.complete
    mine = rederive.rederive_three_units(table, list(lead.faces))
    assert mine.survivors == len(lead.survivors) and mine.candidates == lead.candidates
    assert bool(lead.faces) == (n == 4) and all(proven for _, _, proven in mine.faces)


def test_where_the_lead_stops_at_its_cap_the_count_is_past_it():
    table = parse_function("majority", 4).table
    lead = three_units.enumerate_three_units(table)
    assert not lead.complete and f"more than {three_units.MAX_SURVIVORS:,}" in lead.reason
    mine = rederive.rederive_three_units(table, list(three_units.unit_candidates(table)[1])
                                         + ["NOT f, " + face for face in three_units.unit_candidates(~table)[1]])
    assert mine.survivors > three_units.MAX_SURVIVORS and mine.candidates[0] == lead.candidates[0]


def test_survivors_agree_with_the_lead_after_an_input_transform(monkeypatch):
    """The normal form counts orbits by their least masks, so the count itself moves with the inputs' order."""
    monkeypatch.setattr(three_units, "MAX_SURVIVORS", 10 ** 6)
    rows = np.arange(8)
    moved = (((rows >> 0) & 1) << 2 | ((rows >> 1) & 1) << 0 | ((rows >> 2) & 1) << 1) ^ 0b101
    table = bits_of("24", 3)[moved]
    lead = three_units.enumerate_three_units(table)
    assert rederive.rederive_three_units(table, []).survivors == len(lead.survivors)


def test_face_lemmas_rederived_only_where_no_two_units_exist():
    """Every census class of 3 bits and a third of those of 4: re-derived only where the checked upper bound is 3."""
    rows = [json.loads(line) for line in (EVIDENCE / "census3.jsonl").read_text().splitlines()]
    with gzip.open(EVIDENCE / "census4.jsonl.gz", "rt") as handle:        # 34 MB of certificates: read two fields
        for i, line in enumerate(handle):
            hex_ = re.search(r'"hex": "([0-9a-f]+)"', line).group(1)
            if i % 3 == 0 or hex_ == "6996":
                rows.append({"hex": hex_, "n": 4, "upper_bound": int(re.search(r'"upper_bound": (\d+)', line).group(1))})
    proven = [row["hex"] for row in rows if rederive.two_units_refuted(row["hex"], row["n"])]
    assert {"69", "6996"} <= set(proven)
    assert all(row["upper_bound"] >= 3 for row in rows if row["hex"] in proven)


def test_a_corrupted_lemma_is_rejected():
    table = parse_function("parity", 4).table
    faces = list(three_units.enumerate_three_units(table).faces)
    assert rederive.rederive_three_units(table, faces).survivors == 4096
    first = faces[0]                                                 # "x0=0: 96"
    for bad in (first[:-1] + "7",                                    # wrong hex
                first.replace("x0=0", "x0=1"),                       # wrong face: there it is 69
                "NOT " + first,                                      # NOT f there is 69
                first.replace("x0=0", "x7=0"), first.replace("x0=0", "x0=0,x0=1"), "x0=0 96",
                "x0=0,x1=0,x2=0,x3=0: 0"):                           # not a proper face
        with pytest.raises(rederive.LemmaError):
            rederive.rederive_three_units(table, [bad] + faces[1:])
    with pytest.raises(rederive.LemmaError, match="not closed"):      # a face missing: the normal form needs them all
        rederive.rederive_three_units(table, faces[1:])


def test_a_face_lemma_not_rederived_is_cited_from_the_census_rows_given(tmp_path, monkeypatch):
    """As if the sandwiches did not settle 3-bit parity: the lemma then rests on census3's row 69, not exactly."""
    table = parse_function("parity", 4).table
    lemmas = list(three_units.enumerate_three_units(table).faces)
    second = {"width": 3, "status": "proven-infeasible", "survivors": 4096, "lemmas": lemmas}
    record = {"kind": "census", "n": 4, "hex": "6996", "lower_bound": 4, "upper_bound": 4, "second_method": second}
    (tmp_path / "claim.jsonl").write_text(json.dumps(record) + "\n")
    monkeypatch.setattr(rederive, "two_units_refuted", lambda hex_, n: False)
    _, report = check.check_files([str(EVIDENCE / "census3.jsonl"), str(tmp_path / "claim.jsonl")], True)
    assert report.exact["rederived"] == 1
    cited, = [line for line in report.unchecked if "re-derived: 4096" in line]
    assert "69 (3 bits): census row 69 of census3.jsonl, lower bound 3" in cited
    assert any("lower bound 4 rests on width 3 (the pattern method, its pruning re-derived, resting on face lemmas)"
               in line for line in report.unchecked)


def run(*args, module=True) -> subprocess.CompletedProcess:
    command = ["-m", "expressivity.prove.check"] if module else [str(ROOT / "expressivity/prove/check.py")]
    return subprocess.run([sys.executable, *command, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_the_checker_rederives_parity_5(tmp_path):
    """As a module on a copy of the records: exit 0; as a plain file on a copy claiming 5 survivors: exit 1."""
    lines = (EVIDENCE / "census_symmetric5.jsonl").read_text().splitlines()
    (tmp_path / "good.jsonl").write_text("\n".join(lines) + "\n")
    report, = check.check_files([str(tmp_path / "good.jsonl")])             # without the flag: listed, not done
    assert report.exact["rederived"] == 0 and any("--rederive" in line for line in report.unchecked)
    done = run("--rederive", "--json", tmp_path / "good.jsonl")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    result, = json.loads(done.stdout)["files"]
    assert result["checked_exactly"]["rederived"] == 1 and result["failures"] == []
    assert not any(PARITY5 in line for line in result["not_checked"])      # lower bound 4 is exact now
    row = next(i for i, line in enumerate(lines) if f'"hex": "{PARITY5}"' in line)
    record = json.loads(lines[row])
    record["second_method"]["survivors"] = 5
    (tmp_path / "bad.jsonl").write_text(json.dumps(record) + "\n")
    done = run("--rederive", "--json", tmp_path / "bad.jsonl", module=False)
    assert done.returncode == 1, done.stderr
    result, = json.loads(done.stdout)["files"]
    assert f"census {PARITY5} pattern width 3: re-derived 0 surviving combinations, the record says 5" \
        in result["failures"]


def test_rederive_runs_as_a_plain_file():
    done = subprocess.run([sys.executable, str(ROOT / "expressivity/prove/rederive.py"), "3", "96"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["survivors"] == 23928
    done = subprocess.run([sys.executable, str(ROOT / "expressivity/prove/rederive.py"), "3", "96", "x0=0: 9"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
