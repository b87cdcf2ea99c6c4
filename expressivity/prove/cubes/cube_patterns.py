"""The activation patterns a cube fixes: threshold functions of n inputs and their orbits under f's symmetries.

Step 4 of :mod:`expressivity.prove.cubes.cube` rests on this list being complete:
:func:`threshold_classes` lists the positive threshold functions with sorted
integer weights, every threshold function is an image of one of them under
an input transform, and :func:`pattern_representatives` checks, every time,
that the orbits it walks hold exactly the literature's number of threshold
functions (OEIS A000609).  It is kept apart from
:mod:`expressivity.prove.exact.patterns` on purpose: the cube split (a MILP method)
and the exact second method share no code.
"""
from __future__ import annotations

import functools
import itertools

import numpy as np

#: Largest n with cubes: symmetry groups and threshold counts are computed up to here.
MAX_CUBE_BITS = 6
#: OEIS A000609: the number of threshold functions of n inputs, n = 0..6 (constants included).
THRESHOLD_COUNTS = (2, 4, 14, 104, 1882, 94572, 15028134)
#: Integer weights up to this bound realise every threshold function of n inputs (checked against the counts).
WEIGHT_BOUNDS = (1, 1, 1, 2, 3, 5, 9)
#: Most cubes one call makes; more is refused with the count (functions with a small group at n = 6).
MAX_CUBES = 1 << 17

@functools.lru_cache(maxsize=None)
def threshold_classes(n: int) -> tuple[int, ...]:
    """Positive threshold functions with sorted weights ``w_0 >= ... >= w_{n-1} >= 0``, as integers.

    Each is ``[w . x >= t]`` with integer weights at most ``WEIGHT_BOUNDS[n]``; every
    threshold function of ``n`` inputs is an input transform of one of them (checked
    by :func:`threshold_count`).

    Examples
    --------
    >>> threshold_classes(2)  # never, x0 and x1, x0, x0 or x1, always (bit k: row k)
    (0, 8, 10, 14, 15)
    """
    if not 0 <= n <= MAX_CUBE_BITS:
        raise ValueError(f"threshold functions are enumerated for 0 <= n <= {MAX_CUBE_BITS}, got {n}")
    from expressivity.functions.npn import table_values

    bits = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
    found: set[int] = set()
    for weights in itertools.combinations_with_replacement(range(WEIGHT_BOUNDS[n], -1, -1), n):
        sums = bits @ np.array(weights, dtype=np.int64)
        thresholds = np.arange(sum(weights) + 2)  # t = 0: always; t = sum + 1: never
        found.update(int(v) for v in table_values(sums[None, :] >= thresholds[:, None]))
    return tuple(sorted(found))


def _orbit(pattern: int, n: int, rows: np.ndarray | None = None) -> np.ndarray:
    """The distinct images (sorted uint64) of ``pattern`` under the input transforms ``rows`` (None: all)."""
    from expressivity.functions.npn import input_transforms, table_values

    _, index = input_transforms(n)
    table = np.array([(pattern >> k) & 1 for k in range(1 << n)], dtype=bool)
    return np.unique(table_values(table[index if rows is None else index[rows]]))


def threshold_count(n: int) -> int:
    """The number of threshold functions of ``n`` inputs, counted from :func:`threshold_classes`' orbits.

    Examples
    --------
    >>> [threshold_count(n) for n in range(5)]
    [2, 4, 14, 104, 1882]
    """
    if n == 0:
        return len(threshold_classes(0))
    return sum(len(orbit) for orbit in _distinct_orbits(n))


def _distinct_orbits(n: int) -> list[np.ndarray]:
    seen: set[int] = set()
    orbits = []
    for pattern in threshold_classes(n):
        orbit = _orbit(pattern, n)
        if int(orbit[0]) not in seen:
            seen.add(int(orbit[0]))
            orbits.append(orbit)
    return orbits


def _preserving_rows(f) -> np.ndarray:
    """The rows of :func:`~expressivity.functions.npn.input_transforms` that preserve ``f``."""
    from expressivity.functions.npn import input_transforms
    from expressivity.functions.symmetry import symmetry_group

    perms, _ = input_transforms(f.n)
    position = {tuple(int(p) for p in perm): i for i, perm in enumerate(perms)}
    return np.array([(position[t.perm] << f.n) + sum(c << i for i, c in enumerate(t.flips))
                     for t in symmetry_group(f).preserving], dtype=np.intp)


@functools.lru_cache(maxsize=16)
def pattern_representatives(f) -> tuple[int, ...]:
    """One threshold pattern per orbit under the transforms preserving ``f`` (the smallest), sorted.

    Examples
    --------
    >>> from expressivity.functions import parity
    >>> pattern_representatives(parity(2))  # 14 threshold functions, 7 orbits (1 + 2 + 2 + 4 + 2 + 2 + 1)
    (0, 1, 2, 3, 7, 11, 15)
    """
    n = f.n
    if not 1 <= n <= MAX_CUBE_BITS:
        raise ValueError(f"cubes are made for 1 <= n <= {MAX_CUBE_BITS} bits, got n = {n}")
    rows = _preserving_rows(f)
    if THRESHOLD_COUNTS[n] // len(rows) > MAX_CUBES:
        raise ValueError(f"at least {THRESHOLD_COUNTS[n] // len(rows):,} cubes per count P for {f.spec} "
                         f"(its group preserves it under only {len(rows)} transforms); at most {MAX_CUBES:,}")
    representatives, total = [], 0
    for orbit in _distinct_orbits(n):  # each orbit under all transforms splits into orbits under `rows`
        total += len(orbit)
        left = np.ones(len(orbit), dtype=bool)
        while left.any():
            smallest = orbit[int(np.argmax(left))]
            representatives.append(int(smallest))
            left[np.searchsorted(orbit, _orbit(int(smallest), n, rows))] = False
    if total != THRESHOLD_COUNTS[n]:  # the completeness of step 4 of the module docstring
        raise RuntimeError(f"enumerated {total} threshold functions of {n} inputs, not {THRESHOLD_COUNTS[n]}")
    return tuple(sorted(representatives))


__all__ = ["MAX_CUBE_BITS", "THRESHOLD_COUNTS", "WEIGHT_BOUNDS", "MAX_CUBES", "threshold_classes", "threshold_count",
           "pattern_representatives"]
