"""Traversal of activation regions (one LP per region) against the exact 2D partition, known counts and sampling."""
from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from expressivity.errors import InputError
from expressivity.regions.networks import ExactNet
from expressivity.regions.planar import box, plane_partition
from expressivity.regions.traversal import traverse_regions


def random_net(rng, sizes):
    weights = [[[rng.randint(-8, 8) / 4 for _ in range(sizes[i])] for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]
    biases = [[rng.randint(-8, 8) / 8 for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]
    return weights, biases


def plain_pattern(weights, biases, x, zero_is_off=False):
    """On/off of every hidden unit at ``x`` in Fractions; None when a unit is exactly zero there (unless ``zero_is_off``)."""
    h, states = [Fraction(v) for v in x], []
    for W, B in zip(weights[:-1], biases[:-1]):
        z = [sum((Fraction(w) * v for w, v in zip(row, h)), Fraction(0)) + Fraction(b) for row, b in zip(W, B)]
        if any(v == 0 for v in z) and not zero_is_off:
            return None
        states += [v > 0 for v in z]
        h = [max(v, Fraction(0)) for v in z]
    return tuple(states)


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_two_dimensions_agree_with_the_exact_partition(seed):
    rng = random.Random(seed)
    weights, biases = random_net(rng, [2, rng.randint(2, 4), rng.randint(2, 4), 1])
    net = ExactNet.from_floats(weights, biases)
    found = traverse_regions(net, [-2, -1], [1, 2])
    part = plane_partition(net, box(-2, 1, -1, 2))
    assert found.complete and found.regions == part.regions
    # the same patterns: each planar region's interior point has one of the traversal's patterns
    # (a unit exactly zero at a region's interior point is zero on the whole region: off)
    inner = {plain_pattern(weights, biases, part.interior_point(f), zero_is_off=True) for f in range(part.regions)}
    assert inner == set(found.patterns)


def test_planes_in_general_position_in_three_dimensions():
    # any three normals independent, small offsets: every triple point lies near the centre
    normals = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1), (1, -1, 0.5)]
    width = len(normals)
    weights = [[list(n) for n in normals], [[1.0] * width]]
    biases = [[(i - 2) / 64 for i in range(width)], [0.0]]
    found = traverse_regions(ExactNet.from_floats(weights, biases), [-1, -1, -1], [1, 1, 1])
    assert found.regions == sum(math.comb(width, i) for i in range(4))  # Zaslavsky: 1 + 5 + 10 + 10


def test_three_dimensions_contain_every_sampled_pattern():
    rng = random.Random(2)
    weights, biases = random_net(rng, [3, 4, 3, 1])
    found = traverse_regions(ExactNet.from_floats(weights, biases), [-1, -1, -1], [1, 1, 1])
    for point, pattern in zip(found.points, found.patterns):
        assert plain_pattern(weights, biases, point) == pattern  # each region proven by its point
    sampled = {plain_pattern(weights, biases, (Fraction(2 * i + 1, 9) - 1, Fraction(2 * j + 1, 9) - 1,
                                               Fraction(2 * k + 1, 9) - 1))
               for i in range(9) for j in range(9) for k in range(9)} - {None}
    assert sampled <= set(found.patterns)  # a sampler can only find fewer


def test_a_constant_zero_unit_is_accepted():
    weights = [[[1, 0], [0, 1], [0, 0]], [[1, 1, 1]]]
    net = ExactNet.from_floats(weights, [[0, 0, 0], [0]])
    assert traverse_regions(net, [-1, -1], [1, 1]).regions == 4


def test_time_limit_gives_a_lower_bound():
    rng = random.Random(0)
    weights, biases = random_net(rng, [3, 6, 6, 1])
    found = traverse_regions(ExactNet.from_floats(weights, biases), [-1, -1, -1], [1, 1, 1], time_limit=1e-9)
    assert not found.complete and "unknown" in found.status


def test_bad_input():
    net = ExactNet.from_floats([[[1, 0, 0]], [[1]]], [[0], [0]])
    for low, high in (([0, 0], [1, 1]), ([0, 0, 1], [1, 1, 1])):
        with pytest.raises(InputError):
            traverse_regions(net, low, high)
