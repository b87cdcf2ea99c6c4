"""Cube-and-conquer for the width proof: threshold counts, orbit representatives, soundness, agreement."""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import linprog

from expressivity.functions import NPNTransform, parity, parse_function, symmetry_group
from expressivity.functions.npn import input_transforms
from expressivity.networks.shallow import zigzag
from expressivity.prove import prove_width
from expressivity.prove.cubes.cube import (
    THRESHOLD_COUNTS, Cube, CubeResult, cube_model, cubes, pattern_representatives, solve_cube, threshold_classes,
    threshold_count,
)
from expressivity.prove.cubes.cube_split import prove_width_by_cubes
from expressivity.prove.milp.certificate import certify
from expressivity.prove.milp.solve import solve_model


def separable(table) -> bool:
    """Whether some w, b have w.x + b >= 1 on the ones and <= -1 on the zeros (an LP; independent reference)."""
    n = int(len(table)).bit_length() - 1
    rows = []
    for k, value in enumerate(table):
        x = [(k >> i) & 1 for i in range(n)] + [1]
        rows.append([-v for v in x] if value else x)  # value 1: -(w.x + b) <= -1; value 0: w.x + b <= -1
    result = linprog(np.zeros(n + 1), A_ub=np.array(rows, dtype=float), b_ub=-np.ones(len(table)),
                     bounds=[(None, None)] * (n + 1), method="highs")
    return result.status == 0


def as_table(pattern: int, n: int) -> tuple[int, ...]:
    return tuple((pattern >> k) & 1 for k in range(1 << n))


# -- threshold functions -------------------------------------------------------------

def test_threshold_counts_are_oeis_a000609():
    assert [threshold_count(n) for n in range(6)] == [2, 4, 14, 104, 1882, 94572]
    assert THRESHOLD_COUNTS[:6] == (2, 4, 14, 104, 1882, 94572)


def test_threshold_functions_of_three_bits_against_linear_programs():
    n = 3
    by_lp = {k for k in range(1 << (1 << n)) if separable(as_table(k, n))}
    orbits = set()
    for pattern in threshold_classes(n):
        table = parse_function(f"hex:{pattern:02x}", n)
        for perm in itertools.permutations(range(n)):
            for flips in itertools.product((0, 1), repeat=n):
                image = NPNTransform(perm, flips).apply(table)
                orbits.add(sum(int(v) << k for k, v in enumerate(image.table)))
    assert len(by_lp) == 104 and orbits == by_lp


@pytest.mark.parametrize("spec,n", [("parity", 3), ("majority", 3), ("expr:x0 & (x1 ^ x2)", 3), ("parity", 4)])
def test_one_representative_per_orbit_by_brute_force(spec, n):
    f = parse_function(spec, n)
    preserving = symmetry_group(f).preserving
    every = {k for k in range(1 << (1 << n)) if separable(as_table(k, n))} if n == 3 else None
    seen = {}
    for pattern in pattern_representatives(f):
        g = parse_function("hex:" + format(pattern, f"0{max(1, (1 << n) // 4)}x"), n)
        orbit = {sum(int(v) << k for k, v in enumerate(t.apply(g).table)) for t in preserving}
        assert pattern == min(orbit)
        assert not orbit & set(seen), "two representatives in one orbit"
        seen.update(dict.fromkeys(orbit, pattern))
    if every is not None:
        assert set(seen) == every
    else:
        assert len(seen) == threshold_count(n)


# -- the soundness argument, executed on known networks --------------------------------

def locate(f, weights, biases, out, c):
    """Steps 2-6 of the cubes' proof on one integer network: the cube it lands in and the moved network."""
    n = f.n
    weights, biases, out = [list(r) for r in weights], list(biases), list(out)
    group = symmetry_group(f)
    perms, index = input_transforms(n)
    row = {(tuple(int(p) for p in perms[t >> n]), tuple((t >> i) & 1 for i in range(n))): t
           for t in range(len(index))}

    def move(t):  # g o y for the transform of row t: y[perm[i]] = x[i] ^ flips[i]
        perm, flips = perms[t >> n], [(t >> i) & 1 for i in range(n)]
        for j in range(len(weights)):
            u = [weights[j][perm[i]] for i in range(n)]
            biases[j] += sum(u[i] for i in range(n) if flips[i])
            weights[j] = [-u[i] if flips[i] else u[i] for i in range(n)]

    positive = sum(a > 0 for a in out)
    if group.negating and positive < len(out) - positive:  # S1
        t = group.negating[0]
        move(row[(t.perm, t.flips)])
        out, c = [-a for a in out], -c
    positive = sum(a > 0 for a in out)
    negative = len(out) - positive
    fixed_positive = positive >= 1 and (negative == 0 or positive <= negative)  # the smaller group, + on a tie
    first = next(j for j, a in enumerate(out) if (a > 0) == fixed_positive)  # the unit the cube fixes

    def pattern(j):
        return sum(1 << k for k in range(1 << n)
                   if sum(w * ((k >> i) & 1) for i, w in enumerate(weights[j])) + biases[j] > 0)

    best = None
    for t in group.preserving:
        r = row[(t.perm, t.flips)]
        image = sum(1 << k for k in range(1 << n) if (pattern(first) >> int(index[r][k])) & 1)
        if best is None or image < best[0]:
            best = (image, r)
    move(best[1])
    assert pattern(first) == best[0]
    pos = sorted((j for j in range(len(out)) if out[j] > 0 and j != first), key=lambda j: -biases[j])
    neg = sorted((j for j in range(len(out)) if out[j] < 0 and j != first), key=lambda j: -biases[j])
    order = ([first] + pos + neg) if out[first] > 0 else (pos + [first] + neg)  # positive units first
    net = ([weights[j] for j in order], [biases[j] for j in order], [out[j] for j in order], c)
    return (positive, 1 if fixed_positive else -1, best[0]), net


def outputs(net, n):
    weights, biases, out, c = net
    return [sum(a * max(0, sum(w * ((k >> i) & 1) for i, w in enumerate(row)) + b)
                for row, b, a in zip(weights, biases, out)) + c for k in range(1 << n)]


def assert_point_of(model, net, n):
    """The network, normalised (output weights +-1, max |z| = 1), satisfies every row and bound of ``model``."""
    weights, biases, out, c = net
    z = [[Fraction(sum(w * ((k >> i) & 1) for i, w in enumerate(row)) + b) for k in range(1 << n)]
         for row, b in zip(weights, biases)]
    scaled = [[abs(a) * v for v in zj] for a, zj in zip(out, z)]  # a relu(z) = sign(a) relu(|a| z)
    lam = 1 / max(abs(v) for zj in scaled for v in zj)
    values = np.zeros(model.n_columns)
    for j, a in enumerate(out):
        values[model.w_index[j]] = [float(lam * abs(a) * w) for w in weights[j]]
        values[model.b_index[j]] = float(lam * abs(a) * biases[j])
        values[model.h_index[j]] = [float(max(v, 0) * lam) for v in scaled[j]]
        values[model.d_index[j]] = [float(v > 0) for v in scaled[j]]
    values[model.c_index] = float(lam * c)
    g = [lam * v for v in outputs(net, n)]
    values[model.t_index] = float(min(v if model.target[k] else -v for k, v in enumerate(g)))
    assert values[model.t_index] > 0
    product = model.matrix @ values
    assert np.all(product >= model.row_lower - 1e-9) and np.all(product <= model.row_upper + 1e-9)
    assert np.all(values >= model.col_lower - 1e-9) and np.all(values <= model.col_upper + 1e-9)


@pytest.mark.parametrize("n", [4, 5])
def test_zigzag_lands_in_a_cube_that_holds_it(n):
    f, net = parity(n), zigzag(n)
    weights = net.weights[0].toarray().tolist()
    key, moved = locate(f, weights, net.biases[0].tolist(), net.weights[1].toarray()[0].tolist(),
                        int(net.biases[1][0]))
    assert [v > 0 for v in outputs(moved, n)] == [bool(bin(k).count("1") % 2) for k in range(1 << n)]
    cube = next(c for c in cubes(f, n - 1) if c.key == key)
    model = cube_model(f, n - 1, cube)
    assert_point_of(model, moved, n)
    if n == 4:
        assert solve_cube(f, n - 1, cube, time_limit=None, model=model).status == "feasible-certified"
    else:  # HiGHS's search of this cube takes about 15 s: solve its program with the zigzag's activations fixed
        weights, biases, _, _ = moved
        active = np.array([[sum(w * ((k >> i) & 1) for i, w in enumerate(row)) + b > 0 for k in range(1 << n)]
                           for row, b in zip(weights, biases)], dtype=np.int8)
        solution = solve_model(model, fixed_pattern=active)
        certificate, why = certify(model, solution.values)
        assert certificate is not None and certificate.verification.status == "verified", why


def test_the_certified_network_of_the_single_program_lands_in_a_cube():
    f = parse_function("majority", 4)
    cert = prove_width(4, 2, function=f).certificate
    key, moved = locate(f, cert.weights, cert.biases, cert.output_weights, cert.output_bias)
    assert [v > 0 for v in outputs(moved, 4)] == [bool(v) for v in f.table]
    cube = next(c for c in cubes(f, 2) if c.key == key)
    assert_point_of(cube_model(f, 2, cube), moved, 4)
    assert solve_cube(f, 2, cube).status == "feasible-certified"


# -- agreement with the single program -------------------------------------------------

@pytest.mark.parametrize("spec,n,widths", [
    ("parity", 2, (1, 2)), ("parity", 3, (1, 2, 3)), ("majority", 3, (1, 2)), ("expr:x0 & (x1 ^ x2)", 3, (1, 2)),
    ("exactly:1", 3, (1, 2)), ("parity", 4, (1, 2, 3)), ("exactly:2", 4, (1, 2)),
])
def test_cubes_agree_with_the_single_program(spec, n, widths):
    f = parse_function(spec, n)
    for width in widths:
        single = prove_width(n, width, function=f, time_limit=None).status
        split = prove_width_by_cubes(f, width, time_limit=None)
        assert split.status == single != "unknown", (spec, width)
        if split.status == "feasible-certified":
            weights, out = split.certificate.weights, split.certificate.output_weights
            got = outputs((weights, split.certificate.biases, out, split.certificate.output_bias), n)
            assert [v > 0 for v in got] == [bool(v) for v in f.table] and 0 not in got
        else:
            assert len(split.results) == split.cube_count == len(cubes(f, width))


# -- records, resume, the combination ----------------------------------------------------

def test_records_round_trip_and_resume_runs_nothing_twice():
    f, seen = parity(3), []
    first = prove_width_by_cubes(f, 2, on_result=lambda r: seen.append(r.to_dict()))
    assert first.status == "proven-infeasible" and len(seen) == first.cube_count == 30
    back = [CubeResult.from_dict(d) for d in seen]
    assert [b.to_dict() for b in back] == seen
    again = []
    second = prove_width_by_cubes(f, 2, done=back, on_result=again.append)
    assert second.status == "proven-infeasible" and again == []
    other = prove_width_by_cubes(parity(3), 3, done=back, on_result=again.append)  # another width: nothing reused
    assert other.status == "feasible-certified" and again


class Unknowing:
    """A backend whose every answer is a time limit (exercises the combination without HiGHS)."""

    name, workers = "stub", 3

    def map_unordered(self, fn, tasks):
        for cube in tasks:
            yield cube, CubeResult(3, 2, parity(3).hex, cube, "unknown", "Time limit reached", 1.0, 7, 0.25, None, 1.0)


def test_unknown_cubes_make_an_unknown_width_and_a_second_pass_reruns_only_them():
    f = parity(3)
    every = cubes(f, 2)
    closed = [CubeResult(3, 2, f.hex, c, "proven-infeasible", "Optimal", 0.1, 1, 0.0, None, 1.0) for c in every[:-2]]
    proof = prove_width_by_cubes(f, 2, backend=Unknowing(), done=closed)
    assert proof.status == "unknown" and (proof.backend, proof.workers) == ("stub", 3)
    assert proof.reason == "28 of 30 cubes proven infeasible, 0 not run, 2 unknown (largest dual bound 0.25)"
    rerun = []
    settled = prove_width_by_cubes(f, 2, done=list(proof.results), on_result=rerun.append)
    assert [r.cube.index for r in rerun] == [28, 29] and settled.status == "proven-infeasible"


def test_results_and_cubes_are_checked():
    cube = Cube(0, 1, 1, 0)
    with pytest.raises(ValueError, match="status must be one of"):
        CubeResult(2, 1, "6", cube, "infeasible", "Optimal", 0.0, 0, 0.0, None, None)
    with pytest.raises(ValueError, match="a certificate comes with"):
        CubeResult(2, 1, "6", cube, "feasible-certified", "Optimal", 0.0, 0, 0.0, 0.5, None)
    with pytest.raises(ValueError, match="is constant"):
        cubes(parse_function("hex:00", 3), 1)
    assert Cube.from_dict(Cube(4, 2, 1, 6).to_dict()) == Cube(4, 2, 1, 6)
