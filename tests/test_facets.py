"""Cubes settled one bit down (expressivity.prove.cubes.facets): restriction, transport, soundness, the CLI's --below."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from expressivity.cli import main
from expressivity.functions import function_from_hex, parity
from expressivity.functions.npn import input_transforms
from expressivity.prove.cubes.cube_patterns import _preserving_rows
from expressivity.prove.cubes.cube import cubes, fixed_sign
from expressivity.prove.cubes.cube_split import prove_width_by_cubes
from expressivity.prove.cubes.facets import LowerCubes, facet_drop, facet_functions, restrict

# Fixed tables: a 3-bit function with little symmetry, 3-bit majority, and 4-bit "exactly two ones".
LOPSIDED3 = function_from_hex("b2", 3)
MAJORITY3 = function_from_hex("e8", 3)
EXACTLY2 = function_from_hex("1668", 4)


def rows_of(n):
    return [tuple((k >> i) & 1 for i in range(n)) for k in range(1 << n)]


def test_restrict_is_evaluation_on_the_facet():
    rng = np.random.default_rng(0)
    for n in (2, 3, 4, 5):
        for _ in range(20):
            table = int(rng.integers(0, 1 << (1 << n)))
            for bit in range(n):
                for value in (0, 1):
                    low = restrict(table, n, bit, value)
                    for k, y in enumerate(rows_of(n - 1)):  # put x_bit = value back between the other bits
                        x = y[:bit] + (value,) + y[bit:]
                        row = sum(v << i for i, v in enumerate(x))
                        assert (low >> k) & 1 == (table >> row) & 1


def test_facet_functions_fix_one_bit():
    for f in (parity(4), EXACTLY2):
        facets = facet_functions(f)
        assert [(b, v) for b, v, _ in facets] == [(b, v) for b in range(4) for v in (0, 1)]
        for bit, value, h in facets:
            for y in rows_of(3):
                assert bool(h.evaluate(y)) == bool(f.evaluate(y[:bit] + (value,) + y[bit:]))


#: Full cube runs already made in this module, by (hex, n, width): parity(3) at width 2 is needed twice.
_FULL_RUNS = {}


def lower_of(f, width):
    key = (f.hex, f.n, width)
    if key not in _FULL_RUNS:
        _FULL_RUNS[key] = prove_width_by_cubes(f, width, stop_on_feasible=False)
    proof = _FULL_RUNS[key]
    return proof, [r.to_dict() for r in proof.results]


def representative(f, pattern):
    _, index = input_transforms(f.n)
    table = np.array([(pattern >> k) & 1 for k in range(1 << f.n)])
    images = table[index[_preserving_rows(f)]]
    return int(min(sum(int(v) << k for k, v in enumerate(row)) for row in images))


def certified_cube_keys(proof, f, width):
    """(P, s, representative) of every unit of sign s in every network the full run certified: never to be dropped."""
    keys = set()
    x = np.array(rows_of(f.n), dtype=np.int64)
    for r in proof.results:
        if r.certificate is None:
            continue
        c = r.certificate
        positive = sum(a > 0 for a in c.output_weights)
        sign = fixed_sign(width, positive)
        z = x @ np.array(c.weights, dtype=np.int64).T + np.array(c.biases, dtype=np.int64)
        for j, a in enumerate(c.output_weights):
            if np.sign(a) == sign:
                pattern = sum(1 << k for k in np.flatnonzero(z[:, j] > 0))
                keys.add((positive, sign, representative(f, int(pattern))))
    return keys


@pytest.mark.parametrize("f, width", [(parity(3), 2), (LOPSIDED3, 1), (MAJORITY3, 1), (EXACTLY2, 2)])
def test_no_network_is_dropped_and_the_answer_is_kept(f, width):
    """Against the full cube run of n bits: a dropped cube is never one a network was certified in."""
    lower_records = []
    for _, _, h in facet_functions(f):  # every distinct facet function solved directly
        if h.hex not in {r["function_hex"] for r in lower_records}:
            lower_records = lower_records + lower_of(h, width)[1]
    below = LowerCubes.from_records(lower_records, f.n - 1, width)
    full, _ = lower_of(f, width)
    dropped = {c.key for c in cubes(f, width) if facet_drop(f, width, c, below) is not None}
    assert dropped, "the lower cubes settle nothing here: the test would not test"
    feasible = {r.cube.key for r in full.results if r.status == "feasible-certified"}
    assert not dropped & feasible
    assert not dropped & certified_cube_keys(full, f, width)
    assert dropped <= {r.cube.key for r in full.results if r.status == "proven-infeasible"}
    pruned = prove_width_by_cubes(f, width, stop_on_feasible=False, below=below)
    assert pruned.status == full.status
    assert sum(r.solver_status == "facet" for r in pruned.results) == len(dropped)


def test_transport_matches_the_negated_function_solved_directly():
    """Parity's facets are parity and its negation: records of one settle the cubes the other settles."""
    f, width = parity(4), 2
    _, of_parity = lower_of(parity(3), width)
    _, of_negation = lower_of(~parity(3), width)
    one = LowerCubes.from_records(of_parity, 3, width)
    other = LowerCubes.from_records(of_negation, 3, width)
    both = LowerCubes.from_records(of_parity + of_negation, 3, width)
    drops = [{c.key for c in cubes(f, width) if facet_drop(f, width, c, lower)} for lower in (one, other, both)]
    assert drops[0] == drops[1] == drops[2]
    assert len(drops[0]) == len(cubes(f, width))  # width 2 cannot: every cube falls to a 3-bit one


def test_lower_cubes_checks_its_records():
    with pytest.raises(ValueError, match="without"):
        LowerCubes.from_records([{"cube": {"index": 0, "positive": 1, "sign": 1, "pattern": 0}}], 2, 2)
    cube = {"index": 0, "positive": 1, "sign": 1, "pattern": 0}
    passes = [{"n": 2, "width": 1, "function_hex": "6", "cube": cube, "status": s, "dual_bound": d}
              for s, d in (("unknown", 0.5), ("proven-infeasible", 0.0), ("unknown", 0.4))]
    assert LowerCubes.from_records(passes, 2, 1).status == {"6": {(1, 1, 0): ("proven-infeasible", 0.0)}}
    below = LowerCubes.from_records([{"kind": "width"}], 2, 2)  # records without a cube are not cubes
    assert below.infeasible == 0
    with pytest.raises(ValueError, match="n = 2"):
        facet_drop(parity(4), 2, cubes(parity(4), 2)[0], below)


def test_prove_width_below(tmp_path):
    runner = CliRunner()
    lower, upper = tmp_path / "n3.jsonl", tmp_path / "n4.jsonl"
    result = runner.invoke(main, ["prove-width", "--bits", "3", "--max-width", "2", "--cubes", "--records", str(lower),
                                  "--time-limit", "30"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["prove-width", "--bits", "4", "--max-width", "2", "--cubes", "--below", str(lower),
                                  "--records", str(upper), "--time-limit", "30", "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in upper.read_text().splitlines()]
    cube_records = [r for r in records if r.get("kind") == "cube"]
    # width 1 and 2 at n = 4: every cube settled by a 3-bit cube, with the lower cube's name in its reason
    assert cube_records and all(r["solver_status"] == "facet" and r["status"] == "proven-infeasible"
                                for r in cube_records)
    assert all("lower cube" in r["reason"] for r in cube_records)
    widths = {r["width"]: r["status"] for r in records if r.get("kind") != "cube" and "width" in r}
    assert widths == {1: "proven-infeasible", 2: "proven-infeasible"}


@pytest.mark.parametrize("args, message", [
    (["--bits", "4", "--below", "{lower}"], "--below needs --cubes"),
    (["--bits", "4", "--cubes", "--below", "{missing}"], "has no cube records"),
    (["--bits", "4", "--cubes", "--below", "{bad}"], "not cube results"),  # a cube record without n, width
    (["--bits", "4", "--cubes", "--below", "{garbage}"], "not JSON"),
])
def test_prove_width_below_bad_input(tmp_path, args, message):
    files = {"lower": tmp_path / "lower.jsonl", "missing": tmp_path / "missing.jsonl", "bad": tmp_path / "bad.jsonl",
             "garbage": tmp_path / "garbage.jsonl"}
    files["lower"].write_text("")
    files["bad"].write_text(json.dumps({"cube": {"index": 0, "positive": 1, "sign": 1, "pattern": 0}}) + "\n")
    files["garbage"].write_text("{not json\n")
    result = CliRunner().invoke(main, ["prove-width", *[a.format(**files) for a in args]])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
