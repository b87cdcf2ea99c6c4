"""Pruned cube programs (expressivity.prove.cubes.unit_facets, expressivity.prove.cubes.pruning) against the unpruned answers."""
from __future__ import annotations

import functools
import itertools
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from expressivity.functions import function_from_hex, parity
from expressivity.prove.cubes.cube import cubes, fixed_sign, solve_cube
from expressivity.prove.cubes.cube_split import prove_width_by_cubes
from expressivity.prove.cubes.facets import LowerCubes, _transport, facet_drop, facet_functions
from expressivity.prove.cubes.pruning import count_rows, hull_rows, pruned_cube_model, solve_pruned_cube, symmetric_blocks
from expressivity.prove.cubes.unit_facets import threshold_tables, unit_forbidden, unit_rule

ROOT = Path(__file__).resolve().parents[1]
EXACTLY2 = function_from_hex("1668", 4)  # 4-bit "exactly two ones"
EXACTLY1 = function_from_hex("16", 3)  # 3-bit "exactly one one"
MAJORITY3 = function_from_hex("e8", 3)


def in_hull(point, points) -> bool:
    """Brute force (Caratheodory in the plane): ``point`` is in a triangle, on a segment or at a point of ``points``."""
    x, y = point
    for a, b, c in itertools.combinations_with_replacement(sorted(points), 3):
        # solve point = a + s (b - a) + t (c - a) exactly; degenerate triangles fall back to segments
        det = (b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])
        if det:
            s = Fraction((x - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (y - a[1]), det)
            t = Fraction((b[0] - a[0]) * (y - a[1]) - (x - a[0]) * (b[1] - a[1]), det)
            if s >= 0 and t >= 0 and s + t <= 1:
                return True
        for p, q in ((a, b), (a, c), (b, c)):
            cross = (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])
            if cross == 0 and min(p[0], q[0]) <= x <= max(p[0], q[0]) and min(p[1], q[1]) <= y <= max(p[1], q[1]):
                return True
    return False


def test_hull_rows_cut_exactly_the_hull():
    rng = np.random.default_rng(1)
    for trial in range(60):
        size = int(rng.integers(0, 7))
        points = {(int(a), int(b)) for a, b in rng.integers(0, 6, size=(size, 2))}
        if trial % 7 == 0 and points:  # collinear sets too
            a, b = next(iter(points))
            points = {(a + k, b + 2 * k) for k in range(3)}
        rows = hull_rows(points, 12, 12)
        for x in range(13):
            for y in range(13):
                inside = all(a * x + b * y <= c for a, b, c in rows)
                assert inside == (bool(points) and in_hull((x, y), points)), (points, rows, (x, y))


def swap(n, pattern, i, k):
    rows = [sum(((r >> (k if b == i else i if b == k else b)) & 1) << b for b in range(n)) for r in range(1 << n)]
    return sum(((pattern >> rows[r]) & 1) << r for r in range(1 << n))


def test_symmetric_blocks_are_the_swaps_that_keep_f_and_the_pattern():
    rng = np.random.default_rng(2)
    for f in (parity(4), EXACTLY2, function_from_hex("e8", 3), function_from_hex("8", 2)):
        table = sum(int(v) << k for k, v in enumerate(f.table))
        for pattern in rng.choice(threshold_tables(f.n), size=12):
            blocks = symmetric_blocks(f, int(pattern))
            block_of = {b: i for i, block in enumerate(blocks) for b in block}
            for i, k in itertools.combinations(range(f.n), 2):
                keeps = swap(f.n, table, i, k) == table and swap(f.n, int(pattern), i, k) == int(pattern)
                assert keeps == (i in block_of and block_of.get(i) == block_of.get(k))


@functools.lru_cache(maxsize=None)
def full_run(f, width):
    """Every cube of ``f`` at ``width``, solved (cached: the lower records of one test are the plain answers of another)."""
    return prove_width_by_cubes(f, width, stop_on_feasible=False)


@functools.lru_cache(maxsize=None)
def lower_records(f, width):
    """Every cube of every facet function of ``f`` at ``width``, solved here (cached: tests share them)."""
    found = []
    for _, _, h in facet_functions(f):  # one function per class of input transforms: the rule transports records
        if all(_transport(h.hex, other, h.n) is None for other in {r["function_hex"] for r in found}):
            found += [r.to_dict() for r in full_run(h, width).results]
    return LowerCubes.from_records(found, f.n - 1, width)


def unit_patterns(certificate, n):
    """(sign, pattern) of every unit of a certified integer network, evaluated here."""
    x = np.array([[(k >> i) & 1 for i in range(n)] for k in range(1 << n)], dtype=np.int64)
    z = x @ np.array(certificate.weights, dtype=np.int64).T + np.array(certificate.biases, dtype=np.int64)
    return [(int(np.sign(a)), int(sum(1 << k for k in np.flatnonzero(z[:, j] > 0))))
            for j, a in enumerate(certificate.output_weights)]


@pytest.mark.parametrize("f, width", [(EXACTLY1, 2), (MAJORITY3, 1)])
def test_the_rule_never_forbids_a_unit_of_a_certified_network(f, width):
    below = lower_records(f, width)
    full = full_run(f, width)
    rules = {p: unit_rule(f, width, p, below) for p in {c.positive for c in cubes(f, width)}}
    networks = [r.certificate for r in full.results if r.certificate is not None]
    assert networks and any(rule.forbidden[key] for rule in rules.values() for key in rule.forbidden)
    for certificate in networks:
        positive = sum(a > 0 for a in certificate.output_weights)
        for sign, pattern in unit_patterns(certificate, f.n):
            assert unit_forbidden(rules[positive], sign, pattern) is None
    for cube in cubes(f, width):  # the rule holds the facet drop of the fixed unit
        if facet_drop(f, width, cube, below) is not None:
            assert unit_forbidden(rules[cube.positive], cube.sign, cube.pattern) is not None


def representative(f, pattern):
    """The smallest image of ``pattern`` under the input transforms that preserve ``f`` (brute force)."""
    best = None
    for perm in itertools.permutations(range(f.n)):
        for mask in range(1 << f.n):
            move = [sum(((((r ^ mask) >> i) & 1) << perm[i]) for i in range(f.n)) for r in range(1 << f.n)]
            if all(f.table[move[r]] == f.table[r] for r in range(1 << f.n)):
                image = sum(((pattern >> move[r]) & 1) << r for r in range(1 << f.n))
                best = image if best is None else min(best, image)
    return best


def test_forbidden_patterns_are_the_infeasible_lower_cubes_direct_and_through_s1():
    """Parity, w = 2, P = 1: a positive unit reads the lower cube (1, +1) directly, a negative one after a flip."""
    width = 2
    lower = full_run(parity(2), width)
    below = LowerCubes.from_records([r.to_dict() for r in lower.results], 2, width)
    infeasible = {r.cube.pattern for r in lower.results if r.status == "proven-infeasible" and r.cube.positive == 1}
    assert 0 < len(infeasible) < len(lower.results)
    rule = unit_rule(parity(3), width, 1, below)
    flip = [k ^ 1 for k in range(4)]  # x0 -> NOT x0 negates parity
    for q in (int(v) for v in threshold_tables(2)):
        flipped = sum(((q >> flip[k]) & 1) << k for k in range(4))
        assert (q in rule.forbidden[(0, 0, 1)]) == (representative(parity(2), q) in infeasible)
        assert (q in rule.forbidden[(0, 0, -1)]) == (representative(parity(2), flipped) in infeasible)
        # the facet x0 = 1 holds NOT parity: the patterns swap roles
        assert (q in rule.forbidden[(0, 1, -1)]) == (representative(parity(2), q) in infeasible)


@pytest.mark.parametrize("f, width, sample", [(parity(3), 2, 1), (parity(3), 3, 6), (EXACTLY1, 2, 5),
                                              (parity(4), 2, 4), (parity(4), 3, 43)])
def test_pruned_cubes_have_the_unpruned_status(f, width, sample):
    below = lower_records(f, width)
    rules = {p: count_rows(unit_rule(f, width, p, below)) for p in {c.positive for c in cubes(f, width)}}
    # 3 bits: the plain answers are the full runs other tests make anyway (the lower records of 4 bits)
    solved = {r.cube.key: r for r in full_run(f, width).results} if f.n == 3 else {}
    for cube in cubes(f, width)[::sample]:
        plain = solved[cube.key] if solved else solve_cube(f, width, cube, None)
        pruned = solve_pruned_cube(f, width, cube, rules[cube.positive], None)
        assert plain.status == pruned.status != "unknown", (cube, plain.reason, pruned.reason)


def test_pruned_rows_and_their_checks():
    f, width = parity(4), 2
    cube = cubes(f, width)[40]
    below = lower_records(f, width)
    rows = count_rows(unit_rule(f, width, cube.positive, below))
    plain = pruned_cube_model(f, width, cube, None, sort_weights=False)
    model = pruned_cube_model(f, width, cube, rows)
    blocks = symmetric_blocks(f, cube.pattern)
    free_signs = [s for j, s in enumerate(model.output_signs) if j != cube.unit]
    by_sign = {s: sum(len(r) for (_, _, sign), r in rows.rows if sign == s) for s in (1, -1)}
    expected = sum(by_sign[int(s)] for s in free_signs) + sum(len(b) - 1 for b in blocks)
    assert model.n_rows - plain.n_rows == expected
    other = next(p for p in {c.positive for c in cubes(f, width)} if p != cube.positive)
    with pytest.raises(ValueError, match="P ="):
        pruned_cube_model(f, width, cube, count_rows(unit_rule(f, width, other, below)))
    with pytest.raises(ValueError, match="n = 3"):
        unit_rule(parity(5), width, 2, below)


def test_a_five_bit_cube_keeps_its_recorded_status():
    """n = 5, w = 4, P = 2 (sorted weights only; its lower records are not kept): two recorded cubes."""
    records = [json.loads(line) for line in (ROOT / "benchmarks/restrictions/n5_w4_p2_cubes.jsonl").read_text().splitlines()]
    by_key = {(r["cube"]["positive"], r["cube"]["sign"], r["cube"]["pattern"]): r["status"] for r in records}
    f = parity(5)
    chosen = [c for c in cubes(f, 4) if c.positive == 2 and c.pattern in (1, 54509567)]  # infeasible, feasible
    statuses = {by_key[c.key] for c in chosen}
    assert statuses == {"proven-infeasible", "feasible-certified"}
    for cube in chosen:
        assert symmetric_blocks(f, cube.pattern)  # the sorted-weight rows are there to test
        assert solve_pruned_cube(f, 4, cube, None, None).status == by_key[cube.key]


def test_cube_split_prunes_and_resumes(tmp_path):
    """The driver as the lead runs it: pruned records, the same statuses as unpruned, a rerun solves nothing."""
    lower = tmp_path / "n2.jsonl"
    lower.write_text("".join(json.dumps(r.to_dict()) + "\n"
                             for r in full_run(parity(2), 2).results))
    out = tmp_path / "n3.jsonl"
    command = [sys.executable, str(ROOT / "benchmarks/bench_restrictions.py"), "--cube-split", "3:2:1", "--every",
               "--prune", "both", "--below", str(lower), "--records", str(out), "--time-limit", "60"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    plain = {r.cube.key: r.status for r in full_run(parity(3), 2).results
             if r.cube.positive == 1}
    assert {(r["cube"]["positive"], r["cube"]["sign"], r["cube"]["pattern"]): r["status"] for r in records} == plain
    assert any("pruned" in r["reason"] for r in records)
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "0 cubes left" in again.stdout
    assert len(out.read_text().splitlines()) == len(records)
    # a run killed in the middle of writing its last record: the cut tail goes, that cube is solved again
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:-1]) + lines[-1][:40])
    resumed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0 and "cut 40 bytes" in resumed.stdout and "1 cubes left" in resumed.stdout
    def timeless(rows):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]
    assert timeless(json.loads(line) for line in out.read_text().splitlines()) == timeless(records)


def test_cube_split_refuses_counts_without_lower_records(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks/bench_restrictions.py"), "--cube-split", "3:2:1",
                           "--prune", "counts", "--records", str(tmp_path / "out.jsonl")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "--below" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_every_unit_of_every_five_bit_network_lies_in_a_cube_that_holds_one():
    """What the cubes rest on ((ii), (iv) and S1 of expressivity.prove.cubes.cube), on data: each unit of each of the 148 certified n = 5, w = 4, P = 2 networks, read
    either way at its zero pre-activations, and each negative unit through S1 (flip x0, negate the output), has a
    pattern in the orbit (input permutations and even flips, which keep parity) of a cube that holds a network.
    The orbits are built here from the records, and cover all 94,572 threshold functions of 5 inputs (A000609)."""
    records = [json.loads(line) for line in (ROOT / "benchmarks/restrictions/n5_w4_p2_cubes.jsonl").read_text().splitlines()]
    rows = np.arange(32)
    maps = []
    for perm in itertools.permutations(range(5)):
        moved = sum(((rows >> i) & 1) << target for i, target in enumerate(perm))
        maps += [moved[rows ^ flips] for flips in range(32) if bin(flips).count("1") % 2 == 0]
    maps = np.array(maps)
    weights = 1 << np.arange(32, dtype=np.int64)
    status = {}
    for r in records:
        bits = (r["cube"]["pattern"] >> rows) & 1
        for image in (bits[maps] * weights).sum(1).tolist():
            status[image] = status.get(image, r["status"])
            assert status[image] == r["status"]            # the orbits are disjoint
    assert len(status) == 94572
    feasible = [r for r in records if r["status"] == "feasible-certified"]
    assert len(feasible) == 148
    for r in feasible:
        cert = r["certificate"]
        for w, b, a in zip(cert["weights"], cert["biases"], cert["output_weights"]):
            z = b + sum(int(wi) * ((rows >> i) & 1) for i, wi in enumerate(w))
            for bits in ((z > 0).astype(int), (z >= 0).astype(int)):
                if a < 0:
                    bits = bits[rows ^ 1]
                assert status[int((bits * weights).sum())] == "feasible-certified"

