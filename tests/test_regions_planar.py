"""Exact 2D partitions, checked with a plain Fraction evaluator, areas, Euler's formula and known counts."""
from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from expressivity.errors import InputError
from expressivity.regions.networks import ExactNet
from expressivity.regions.planar import box, plane_partition


def plain_patterns(weights, biases, x):
    """The on/off state of every hidden unit (on: pre-activation > 0) and the pre-activations, in Fractions."""
    h, states, values = [Fraction(v) for v in x], [], []
    for index, (W, B) in enumerate(zip(weights, biases)):
        z = [sum((Fraction(w) * v for w, v in zip(row, h)), Fraction(0)) + Fraction(b) for row, b in zip(W, B)]
        if index == len(weights) - 1:
            break
        states += [v > 0 for v in z]
        values += z
        h = [max(v, Fraction(0)) for v in z]
    return tuple(states), values


def inside(polygon, point):
    """-1 outside, 0 on the boundary, 1 strictly inside a counter-clockwise convex polygon (exact)."""
    crosses = [(b[0] - a[0]) * (point[1] - a[1]) - (b[1] - a[1]) * (point[0] - a[0])
               for a, b in zip(polygon, polygon[1:] + polygon[:1])]
    if any(c < 0 for c in crosses):
        return -1
    return 0 if any(c == 0 for c in crosses) else 1


def random_net(rng, sizes):
    weights = [[[rng.randint(-8, 8) / 4 for _ in range(sizes[i])] for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]
    biases = [[rng.randint(-8, 8) / 8 for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]
    return weights, biases


def check_partition(part, weights, biases, domain, area):
    regions = range(part.regions)
    assert sum(part.area(f) for f in regions) == area
    assert all(part.area(f) > 0 for f in regions)
    assert part.euler_characteristic() == 1
    patterns = [plain_patterns(weights, biases, part.interior_point(f))[0] for f in regions]
    # every vertex of a region is on the right side (or on the line) of every unit
    for f in regions:
        for vertex in part.polygon(f):
            _, values = plain_patterns(weights, biases, vertex)
            for on, value in zip(patterns[f], values):
                assert (value >= 0) if on else (value <= 0)
    # neighbours differ, and sampled points get the pattern of the region that holds them
    for f, others in part.adjacency().items():
        assert all(patterns[f] != patterns[g] for g in others)
    polygons = [part.polygon(f) for f in regions]
    (u0, v0), (u1, v1) = domain
    for i in range(12):
        for j in range(12):
            point = (u0 + (u1 - u0) * Fraction(2 * i + 1, 24), v0 + (v1 - v0) * Fraction(2 * j + 1, 24))
            holders = [f for f in regions if inside(polygons[f], point) == 1]
            if holders:
                assert len(holders) == 1
                assert plain_patterns(weights, biases, point)[0] == patterns[holders[0]]


@pytest.mark.parametrize("width", [1, 3, 6])
def test_lines_in_general_position_give_1_plus_w_plus_w_choose_2(width):
    # lines u cos(a) + v sin(a) = r, all crossing near the centre of the box
    weights = [[[round(math.cos(0.5 * i + 0.1), 6), round(math.sin(0.5 * i + 0.1), 6)] for i in range(width)],
               [[1.0] * width]]
    biases = [[(i - width / 2) / 256 for i in range(width)], [0.0]]
    part = plane_partition(ExactNet.from_floats(weights, biases), box(-1, 1, -1, 1))
    assert part.regions == 1 + width + math.comb(width, 2)
    check_partition(part, weights, biases, ((-1, -1), (1, 1)), 4)


@pytest.mark.parametrize("seed", range(6))
def test_random_deep_networks(seed):
    rng = random.Random(seed)
    weights, biases = random_net(rng, [2, rng.randint(2, 5), rng.randint(2, 5), 1])
    part = plane_partition(ExactNet.from_floats(weights, biases), box(-2, 1, Fraction(-1, 3), 2))
    check_partition(part, weights, biases, ((-2, Fraction(-1, 3)), (1, 2)), 3 * Fraction(7, 3))
    assert part.pieces <= part.regions


def test_a_polygon_domain():
    rng = random.Random(11)
    weights, biases = random_net(rng, [2, 4, 3, 1])
    triangle = [(0, 0), (2, 0), (0, 2)]
    part = plane_partition(ExactNet.from_floats(weights, biases), list(reversed(triangle)))  # clockwise is fine
    assert sum(part.area(f) for f in range(part.regions)) == 2
    assert part.euler_characteristic() == 1


def test_a_slice_of_three_inputs_equals_the_folded_two_input_network():
    rng = random.Random(4)
    weights, biases = random_net(rng, [3, 4, 3, 1])
    origin, axes = (Fraction(1, 2), 0, -1), ((1, 0, 1), (0, 1, Fraction(1, 2)))
    sliced = plane_partition(ExactNet.from_floats(weights, biases), box(-1, 1, -1, 1), origin=origin, axes=axes)
    W1, B1 = weights[0], biases[0]
    folded_w = [[float(sum(Fraction(w) * Fraction(a) for w, a in zip(row, axis))) for axis in axes] for row in W1]
    folded_b = [float(Fraction(b) + sum(Fraction(w) * Fraction(o) for w, o in zip(row, origin))) for row, b in zip(W1, B1)]
    folded = plane_partition(ExactNet.from_floats([folded_w] + weights[1:], [folded_b] + biases[1:]), box(-1, 1, -1, 1))
    assert sliced.regions == folded.regions and sliced.pieces == folded.pieces
    assert sorted(sliced.area(f) for f in range(sliced.regions)) == sorted(folded.area(f) for f in range(folded.regions))


def test_outputs_at_every_vertex_are_exact_with_a_skip_connection():
    rng = random.Random(9)
    weights, biases = random_net(rng, [2, 4, 3, 2])
    net = ExactNet.from_floats(weights, biases, skip=[[0.5, -1.25], [3.0, 0.0]])
    part = plane_partition(net, box(-1, 2, -1, 1))
    for index in range(len(part.q)):
        point = part.vertex(index)
        assert [Fraction(y, part.q[index]) for y in part.outputs[index]] == net.forward_exact(point)
    check_partition(part, weights, biases, ((-1, -1), (2, 1)), 6)


def test_regions_and_pieces_differ_with_a_dead_unit_and_a_cancelled_kink():
    # units relu(u), relu(u) (cancelled: +1, -1) and relu(v) with output weight 0 (dead)
    net = ExactNet.from_floats([[[1, 0], [1, 0], [0, 1]], [[1, -1, 0]]], [[0, 0, 0], [0]])
    part = plane_partition(net, box(-1, 1, -1, 1))
    assert (part.regions, part.pieces) == (4, 1)


@pytest.mark.parametrize("call, words", [
    (lambda n: plane_partition(n, [(0, 0), (1, 0)]), "3 vertices"),
    (lambda n: plane_partition(n, [(0, 0), (2, 0), (1, 1), (2, 2), (0, 2)]), "convex"),
    (lambda n: plane_partition(n, [(0, 0), (1, 0), (2, 0)]), "collinear"),
    (lambda n: plane_partition(n, box(1, 0, 0, 1)), "empty"),
    (lambda n: plane_partition(n, box(0, 1, 0, 1), origin=(0, 0), axes=((1, 0), (2, 0))), "parallel"),
    (lambda n: plane_partition(n, box(0, 1, 0, 1), origin=(0, 0, 0), axes=((1, 0, 0), (0, 1, 0))), "coordinates"),
])
def test_bad_input(call, words):
    net = ExactNet.from_floats([[[1, 0]], [[1]]], [[0], [0]])
    with pytest.raises(InputError, match=words):
        call(net)
