"""expressivity/prove/split_cover.py (the checker's count of a cube split's orbits) against brute force.

The references: the threshold functions of n <= 4 inputs listed by rederive.py's enumeration (its own code,
recounted against A000609 there), every input transform applied row by row, and orbits grown by brute force.
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from expressivity.prove import rederive, split_cover

ROOT = Path(__file__).resolve().parents[1]


def transform_images(mask: int, n: int, keep: np.ndarray) -> set[int]:
    """Every image of ``mask`` under the transforms (permute, negate some) that keep the table ``keep``."""
    rows = range(1 << n)
    found = set()
    for perm in itertools.permutations(range(n)):
        for flips in range(1 << n):
            source = [sum(((k >> i) & 1) << perm[i] for i in range(n)) ^ flips for k in rows]
            if all(keep[source[k]] == keep[k] for k in rows):
                found.add(sum(((mask >> source[k]) & 1) << k for k in rows))
    return found


@pytest.mark.parametrize("n, hex_", [(2, "6"), (3, "96"), (3, "e8"), (4, "6996"), (4, "1668")])
def test_the_count_matches_brute_force_orbits(n, hex_):
    bits = np.array([(int(hex_, 16) >> k) & 1 for k in range(1 << n)], dtype=bool)
    thresholds = [int(t) for t in rederive.threshold_functions(n)]
    orbits, seen = [], set()
    for t in thresholds:
        if t not in seen:
            orbit = transform_images(t, n, bits)
            assert orbit <= set(thresholds)                  # transforms keep threshold functions
            seen |= orbit
            orbits.append(orbit)
    whole = split_cover.cover(bits, [min(o) for o in orbits])
    assert whole.complete and whole.covered == len(thresholds) == split_cover.THRESHOLD_COUNTS[n]
    rng = np.random.default_rng(n)
    for _ in range(4):
        chosen = [o for o in orbits if rng.random() < 0.7]
        picked = [sorted(o)[rng.integers(len(o))] for o in chosen]           # any member stands for its orbit
        found = split_cover.cover(bits, picked)
        assert found.covered == sum(len(o) for o in chosen) and found.repeated == 0
        assert found.complete == (len(chosen) == len(orbits))
    # two members of one orbit, and a pattern that is no threshold function
    big = max(orbits, key=len)
    assert split_cover.cover(bits, [min(o) for o in orbits] + [max(big)]).repeated == (len(big) > 1)
    parity_mask = sum(1 << k for k in range(1 << n) if bin(k).count("1") % 2)
    assert split_cover.cover(bits, [min(o) for o in orbits] + [parity_mask]).not_threshold == 1


def test_weights_found_are_checked_and_separate_exactly():
    n = 4
    masks = np.array(rederive.threshold_functions(n), dtype=np.uint64)
    weights = split_cover.threshold_weights(masks, n)
    rows = np.arange(1 << n)
    x = np.hstack([2 * ((rows[:, None] >> np.arange(n)) & 1) - 1, np.ones((1 << n, 1), dtype=np.int64)])
    for mask, v in zip(masks.tolist(), weights):
        assert [(k, int(x[k] @ v) > 0) for k in rows] == [(k, bool((mask >> k) & 1)) for k in rows]
    assert not split_cover.threshold_weights(np.array([0b0110], dtype=np.uint64), 2).any()   # XOR: none


def test_the_shipped_six_bit_split_covers_all_15028134_threshold_functions():
    patterns = {json.loads(line)["cube"]["pattern"]
                for line in (ROOT / "benchmarks/restrictions/n6_w4_p3_cubes.jsonl").read_text().splitlines()}
    bits = np.array([bin(k).count("1") % 2 for k in range(64)], dtype=bool)
    found = split_cover.cover(bits, patterns)
    assert (found.patterns, found.not_threshold, found.repeated) == (2107, 0, 0)
    assert found.covered == found.expected == 15028134 and found.complete
    # without one orbit the count falls short by exactly that orbit's size
    smaller = split_cover.cover(bits, sorted(patterns)[1:])
    assert not smaller.complete and 0 < found.covered - smaller.covered <= 23040
