"""Whether a list of cubes covers every threshold pattern: the checker's count, by orbits, up to n = 6.

A cube split (:mod:`expressivity.prove.cubes.cube`) fixes one unit's activation
pattern, a threshold function of the ``n`` inputs, up to the input transforms
that keep ``f``; it loses no network exactly when every threshold function lies
in the orbit of a listed pattern.  Listing the threshold functions of 6 inputs
(15,028,134) is not a checker's job; counting is enough:

1. every listed pattern is a threshold function: integer weights ``v`` with
   ``v . (2x - 1, 1) > 0`` exactly on the pattern are found by the perceptron
   (exact integer updates; it stops on separable data) and checked on every row;
2. the listed orbits are distinct: each pattern's least image under the group
   (the transforms keeping ``f``) differs from every other's;
3. the orbit sizes, ``|G| / |stabiliser|`` (the stabiliser counted over ``G``),
   add up to the number of threshold functions of ``n`` inputs, OEIS A000609
   (Muroga 1971: 2, 4, 14, 104, 1882, 94572, 15028134).

By 1 and 2 the listed orbits are disjoint sets of threshold functions; by 3 they
hold as many as there are, so they are all of them.  Nothing here is floating
point; like ``check.py`` and ``rederive.py`` this file imports only the standard
library and numpy, and shares no code with the toolkit (the counts are written
here again on purpose).

Examples
--------
>>> bits = np.array([0, 1, 1, 0], dtype=bool)                    # XOR: 14 threshold patterns in 7 orbits
>>> cover(bits, [0, 1, 2, 3, 7, 11, 15]).complete, cover(bits, [0, 1, 2, 3, 7, 15]).covered
(True, 12)
>>> cover(bits, [0, 1, 2, 3, 6, 7, 11, 15]).not_threshold                      # 6 is XOR itself
1
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

#: Threshold functions of n = 0..6 inputs, constants included (OEIS A000609).
THRESHOLD_COUNTS = (2, 4, 14, 104, 1882, 94572, 15028134)
#: Perceptron rounds at most (each corrects one row of every unfinished pattern). Measured: every threshold
#: function of 5 inputs needs at most 108, the 2,107 six-input orbit patterns at most 294.  A pattern not shown
#: a threshold function in time only makes a split "not shown complete", never the other way.
MAX_ROUNDS = 20_000


@dataclass(frozen=True)
class Cover:
    """What the count found: ``complete`` when all three steps of the module docstring hold."""

    patterns: int
    not_threshold: int          # listed patterns with no weights found (step 1)
    repeated: int               # listed patterns in an orbit listed before (step 2)
    covered: int                # the threshold functions in the listed orbits (step 3)
    expected: int

    @property
    def complete(self) -> bool:
        return self.not_threshold == 0 and self.repeated == 0 and self.covered == self.expected


def _row_masks(n: int) -> list[int]:
    """Bit ``k`` of mask ``i`` is set when bit ``i`` of row ``k`` is 0."""
    return [sum(1 << k for k in range(1 << n) if not (k >> i) & 1) for i in range(n)]


def _flip(tables: np.ndarray, i: int, low: np.uint64) -> np.ndarray:
    """Every table composed with ``x_i -> 1 - x_i``: row ``k`` takes row ``k ^ 2^i``."""
    s = np.uint64(1 << i)
    return ((tables & low) << s) | ((tables >> s) & low)


def _swap(tables: np.ndarray, i: int, j: int, n: int) -> np.ndarray:
    """Every table composed with the swap of inputs ``i < j`` (a delta swap of the rows with bits i, j = 1, 0)."""
    d = np.uint64((1 << j) - (1 << i))
    moving = np.uint64(sum(1 << k for k in range(1 << n) if (k >> i) & 1 and not (k >> j) & 1))
    t = ((tables >> d) ^ tables) & moving
    return tables ^ t ^ (t << d)


def orbits(masks, bits) -> tuple[np.ndarray, np.ndarray, int]:
    """Under the input transforms (permute, negate some) that keep ``bits``: each mask's least image, how many of
    them fix it, and how many there are (``|G|``).

    Every transform is reached once: each permutation (as a product of swaps from the identity) followed by the
    ``2^n`` negations in Gray-code order; ``bits`` itself rides along, and a transform counts when it keeps it.

    >>> least, fixed, group = orbits([1, 2], np.array([0, 1, 1, 0], dtype=bool))     # XOR keeps 4 transforms
    >>> least.tolist(), fixed.tolist(), group
    ([1, 2], [2, 2], 4)
    """
    bits = np.asarray(bits, dtype=bool)
    n = len(bits).bit_length() - 1
    f = sum(1 << k for k in range(1 << n) if bits[k])
    start = np.array([int(m) for m in masks] + [f], dtype=np.uint64)
    lows = [np.uint64(m) for m in _row_masks(n)]
    least = np.full(len(start) - 1, np.iinfo(np.uint64).max, dtype=np.uint64)
    fixed = np.zeros(len(start) - 1, dtype=np.int64)
    group = 0
    for perm in itertools.permutations(range(n)):
        tables, order = start, list(range(n))
        for position in range(n):                       # selection sort of order into perm, one swap at a time
            other = order.index(perm[position])
            if other != position:
                tables = _swap(tables, min(position, other), max(position, other), n)
                order[position], order[other] = order[other], order[position]
        for step in range(1 << n):
            if step:                                    # Gray code: flip the input of the lowest set bit of step
                tables = _flip(tables, (step & -step).bit_length() - 1, lows[(step & -step).bit_length() - 1])
            if tables[-1] == start[-1]:
                group += 1
                least = np.minimum(least, tables[:-1])
                fixed += tables[:-1] == start[:-1]
    return least, fixed, group


def threshold_weights(masks: np.ndarray, n: int) -> np.ndarray:
    """Integer ``v`` per mask with ``v . (2x - 1, 1) > 0`` exactly on its rows, by the perceptron; a row of zeros
    where none was found in :data:`MAX_ROUNDS` rounds.  Every returned row is checked exactly.

    >>> threshold_weights(np.array([8, 6], dtype=np.uint64), 2).tolist()[0]    # AND: x0 + x1 - 1 > 0 in +-1
    [1, 1, -1]
    """
    rows = np.arange(1 << n)
    x = np.hstack([2 * ((rows[:, None] >> np.arange(n)) & 1) - 1, np.ones((1 << n, 1), dtype=np.int64)])
    labels = 2 * ((np.asarray(masks, dtype=np.uint64)[:, None] >> rows.astype(np.uint64)) & np.uint64(1)).astype(
        np.int64) - 1
    weights = np.zeros((len(labels), n + 1), dtype=np.int64)
    todo = np.arange(len(labels))
    for _ in range(MAX_ROUNDS):
        wrong = (weights[todo] @ x.T) * labels[todo] <= 0
        unfinished = wrong.any(axis=1)
        todo, wrong = todo[unfinished], wrong[unfinished]
        if not len(todo):
            break
        first = wrong.argmax(axis=1)
        weights[todo] += labels[todo, first][:, None] * x[first]
    right = ((weights @ x.T) * labels > 0).all(axis=1)
    weights[~right] = 0
    return weights


def cover(bits, patterns) -> Cover:
    """Steps 1-3 of the module docstring for the listed ``patterns`` (bitmasks over the rows) of a function ``bits``."""
    bits = np.asarray(bits, dtype=bool)
    n = len(bits).bit_length() - 1
    if not 0 <= n < len(THRESHOLD_COUNTS) or len(bits) != 1 << n:
        raise ValueError(f"a table of {len(bits)} rows: the count is known for n <= {len(THRESHOLD_COUNTS) - 1}")
    masks = np.array(sorted(set(int(p) for p in patterns)), dtype=np.uint64)
    least, fixed, group = orbits(masks, bits)
    shown = threshold_weights(masks, n).any(axis=1)
    _, first = np.unique(least, return_index=True)
    repeated = len(masks) - len(first)
    covered = int(sum(group // int(s) for s in fixed[first][shown[first]]))
    return Cover(len(masks), int((~shown).sum()), repeated, covered, THRESHOLD_COUNTS[n])


__all__ = ["THRESHOLD_COUNTS", "MAX_ROUNDS", "Cover", "orbits", "threshold_weights", "cover"]
