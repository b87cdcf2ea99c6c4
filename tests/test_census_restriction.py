"""Lower bounds one bit down (expressivity.prove.census.restriction), the census's --below, and the checker.

References written here: restrictions by a plain loop over the rows, classes by
brute force over every input transform and output negation, the lemma itself
by restricting certified networks and evaluating them with a plain evaluator.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from expressivity.functions import parse_function
from expressivity.prove.census.restriction import (
    class_hex, facet_bound, restricted_table, rows_by_hex, with_restriction_bound,
)
from expressivity.prove.census.table import LowerBoundDisagreement, census

CHECKER = Path(__file__).resolve().parents[1] / "expressivity" / "prove" / "check.py"


@pytest.fixture(scope="module")
def symmetric34():
    """The symmetric censuses of 3 and 4 bits (every row exact, seconds)."""
    return census(3, "symmetric", time_limit=20, pattern_time_limit=0), \
        census(4, "symmetric", time_limit=20, pattern_time_limit=0)


def plain_restriction(table, n, bit, value):
    return [table[k] for k in range(1 << n) if (k >> bit) & 1 == value]


def brute_class(table, m, symmetric):
    """The smallest table (as an int) over the class: every input map and negation (NPN), or reversal/complement."""
    best = None
    perms = [tuple(range(m))] if symmetric else list(itertools.permutations(range(m)))
    flips = [0, (1 << m) - 1] if symmetric else range(1 << m)
    for perm in perms:
        for flip in flips:
            for negate in (0, 1):
                value = 0
                for k in range(1 << m):
                    source = sum((((k >> i) & 1) << perm[i]) for i in range(m)) ^ flip
                    value |= (int(table[source]) ^ negate) << k
                best = value if best is None else min(best, value)
    return best


def test_restrictions_and_classes_match_brute_force():
    rng = np.random.default_rng(3)
    for n in (2, 3, 4):
        for _ in range(6):
            table = rng.integers(0, 2, 1 << n).astype(bool)
            for bit in range(n):
                for value in (0, 1):
                    got = restricted_table(table, n, bit, value)
                    assert got.tolist() == plain_restriction(table.tolist(), n, bit, value)
                    assert int(class_hex(got, n - 1, "npn"), 16) == brute_class(got, n - 1, symmetric=False)
    for values in ("0110", "1000", "0101", "1101"):                       # symmetric functions of 3 bits
        table = parse_function(f"hex:{format(sum(int(values[bin(k).count('1')]) << k for k in range(8)), '02x')}",
                               3).table
        assert int(class_hex(table, 3, "symmetric"), 16) == brute_class(table, 3, symmetric=True)


def test_the_lemma_a_network_restricted_to_a_facet_computes_the_restriction(symmetric34):
    _, rows4 = symmetric34
    checked = 0
    for row in rows4:
        for proof in row.widths:
            if proof.status != "feasible-certified":
                continue
            cert = proof.certificate
            table = parse_function(f"hex:{row.hex}", 4).table
            for bit, value in itertools.product(range(4), (0, 1)):
                # fold x_bit = value into the biases, drop column bit, evaluate plainly on the 8 inputs left
                biases = [b + w[bit] * value for w, b in zip(cert.weights, cert.biases)]
                weights = [[x for i, x in enumerate(w) if i != bit] for w in cert.weights]
                out = []
                for k in range(8):
                    x = [(k >> i) & 1 for i in range(3)]
                    hidden = [max(0, b + sum(a * v for a, v in zip(w, x))) for w, b in zip(weights, biases)]
                    out.append(cert.output_bias + sum(a * h for a, h in zip(cert.output_weights, hidden)) > 0)
                assert out == plain_restriction(table.tolist(), 4, bit, value)
                checked += 1
    assert checked >= 40


def test_a_row_is_raised_exactly_to_its_best_facets_bound(symmetric34):
    rows3, rows4 = symmetric34
    below = rows_by_hex(rows3, 3, "symmetric")
    raised = 0
    for row in rows4:
        table = parse_function(f"hex:{row.hex}", 4).table
        best = max(next(r.lower for r in rows3 if int(r.hex, 16) == brute_class(
            np.array(plain_restriction(table.tolist(), 4, bit, value)), 3, symmetric=True))
            for bit in range(4) for value in (0, 1))
        assert facet_bound(row.hex, 4, "symmetric", below)[0] == best
        assert best <= row.lower                        # the census proved at least as much (the lemma holds)
        weakened = replace(row, lower=0, status="gap", lower_methods=("trivial",))
        new = with_restriction_bound(weakened, below)
        assert new.lower == max(best, 0)
        if best > 0:
            raised += 1
            cited = below[new.evidence["restriction"]["hex"]]
            assert new.lower_methods == tuple(f"restriction to a facet (3 bits, hex:{cited.hex}): {m}"
                                              for m in cited.lower_methods)
            assert new.status == ("exact" if best == row.upper else "gap")
        assert with_restriction_bound(row, below) == row  # nothing higher one bit down: unchanged
    assert raised >= 4
    parity4 = next(r for r in rows4 if r.name == "parity of 4")
    with pytest.raises(LowerBoundDisagreement):
        with_restriction_bound(replace(parity4, lower=1, upper=2), below)


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "expressivity", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def refused(done, *words):
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and all(w in lines[0] for w in words), done.stderr


def test_the_command_raises_resumed_rows_writes_them_again_and_the_checker_follows_the_citation(symmetric34,
                                                                                               tmp_path):
    rows3, rows4 = symmetric34
    below = tmp_path / "sym3.jsonl"
    below.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in rows3))
    parity4 = next(r for r in rows4 if r.name == "parity of 4")
    records = tmp_path / "sym4.jsonl"
    # every 4-bit row as proven, parity's weakened to "gap 1..3" with a long time limit, so --resume keeps it
    weak = replace(parity4, lower=1, status="gap", lower_methods=("trivial",), widths=(), time_limit=1e9)
    records.write_text("".join(json.dumps((weak if r.hex == parity4.hex else r).to_dict()) + "\n" for r in rows4))
    before = records.read_text()
    done = run("census", "--kind", "symmetric", "--bits", 4, "--resume", "--records", records, "--below", below,
               "--time-limit", 20, "--pattern-time-limit", 0, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {r["hex"]: r for r in json.loads(done.stdout)["rows"]}
    assert rows[parity4.hex]["lower_bound"] == 3 and rows[parity4.hex]["status"] == "exact"
    assert rows[parity4.hex]["evidence"]["restriction"]["lower_bound"] == 3
    after = records.read_text()
    assert after.startswith(before) and len(after.splitlines()) == len(before.splitlines()) + 1   # one row again
    checked = subprocess.run([sys.executable, str(CHECKER), "--json", str(records), str(below)], capture_output=True,
                             text=True, timeout=60)
    report = json.loads(checked.stdout)["files"][0]
    assert checked.returncode == 0 and report["checked_exactly"]["facets"] == 1 and not report["failures"]
    # a corrupted citation: another facet value whose class is not the cited one, or a bound above the cited row's
    last = json.loads(after.splitlines()[-1])
    for change in ({"hex": "e8"}, {"lower_bound": 4}):
        bad = tmp_path / "bad.jsonl"
        record = dict(last, evidence=dict(last["evidence"], restriction=dict(last["evidence"]["restriction"],
                                                                             **change)))
        if "lower_bound" in change:
            record["lower_bound"] = 4
        bad.write_text(json.dumps(record) + "\n")
        checked = subprocess.run([sys.executable, str(CHECKER), "--json", str(bad), str(below)], capture_output=True,
                                 text=True, timeout=60)
        assert checked.returncode == 1 and json.loads(checked.stdout)["files"][0]["failures"], change


def test_below_refuses_bad_input_in_one_line(tmp_path):
    refused(run("census", "--kind", "symmetric", "--bits", 3, "--below", tmp_path / "absent.jsonl", cwd=tmp_path),
            "--below", "no such file")
    empty = tmp_path / "other.jsonl"
    empty.write_text("")
    refused(run("census", "--kind", "symmetric", "--bits", 3, "--below", empty, cwd=tmp_path),
            "no symmetric census rows of 2 bits")
    refused(run("census", "--kind", "symmetric", "--bits", 1, "--below", empty, cwd=tmp_path), "no facets")
    search = tmp_path / "search.jsonl"
    search.write_text(json.dumps({"n": 3, "width": 2, "successes": 1}) + "\n")
    refused(run("census", "--kind", "symmetric", "--bits", 3, "--below", search, cwd=tmp_path), "--below")
