"""Activation patterns of hidden units: which combinations a network of width 1 or 2 could have.

This is the enumeration half of the second, independent lower-bound method
(:mod:`expressivity.prove.exact.duals` solves one linear program per surviving
combination).  It shares no code with the mixed-integer programs.

A pattern is a set of inputs, stored as an int bitmask over the ``2^n`` rows
(bit ``k`` is input row ``k``, ``x_i`` = bit ``i`` of ``k``).

Why the patterns of a unit are exactly the threshold functions
--------------------------------------------------------------
Unit ``i`` of a network is *active* on ``P_i = {x : w_i.x + b_i > 0}``; on the
other inputs its ReLU is 0.  ``P_i`` is by definition a (strict) threshold
function of ``x`` on ``{0,1}^n``, and every threshold function is the pattern
of some unit.  :func:`threshold_patterns` lists them all: it evaluates every
integer weight vector in ``[-B, B]^n`` on the cube, cuts its sorted values at
every gap, and keeps the distinct sets.  Every set it lists is a threshold
function (it has integer weights); that none is missing is checked, every
time, by comparing the count with the number of threshold functions of ``n``
variables known from the literature (Muroga 1971; OEIS A000609: 2, 4, 14, 104,
1882, 94572 for n = 0..5), and the tests recount n <= 3 by brute force.

The normal form of a combination (each step loses no network)
-------------------------------------------------------------
A network of width ``w`` computes ``f`` (sign variant) when
``out(x) = c + sum_i a_i relu(w_i.x + b_i)`` is ``> 0`` exactly where ``f = 1``.

1. *Output signs.*  For ``a_i != 0``, ``a_i relu(z) = s_i relu(|a_i| z)`` with
   ``s_i = sign(a_i)``: scale unit ``i``'s weights by ``|a_i|``.  A unit with
   ``a_i = 0`` adds nothing; replace it by ``w_i = 0, b_i = -1, s_i = +1``
   (pattern empty, also adds nothing).  So every network is a choice of
   patterns ``P_i`` (threshold functions) and signs ``s_i`` in ``{+1, -1}``.
2. *The first unit's orbit.*  Let ``G`` be the input transforms (permute the
   inputs, negate some) that preserve ``f`` exactly.  If ``N`` computes ``f``
   and ``g`` in ``G``, then ``N o g`` computes ``f o g = f``; it is again a
   network of width ``w`` (a transform of the inputs is an affine change of the
   first layer), its unit ``i`` has pattern ``P_i o g`` and the same sign.  The
   patterns fall into orbits under ``G``; number each orbit by its smallest
   bitmask (:func:`orbit_minima`).  Reorder the units so that unit 1 has the
   orbit of smallest number, then apply the ``g`` that maps its pattern to that
   smallest bitmask: unit 1's pattern is an orbit minimum, and every other
   unit's pattern has an orbit number at least unit 1's (orbits are preserved
   by ``g``).  Transforms that map ``f`` to ``NOT f`` are not used: the sign
   variant is not symmetric under negating the output.
3. *Sandwiches.*  With patterns and signs fixed, write ``A(x)`` for the units
   active at ``x`` and, for any set ``B`` of units, the affine function
   ``L_B(x) = c + sum_{i in B} s_i z_i(x)``; then ``out(x) = L_{A(x)}(x)``.
   Since ``relu(z) = max(0, z)`` is at least ``0`` and at least ``z``, changing
   which *positive* units count (``s_i = +1``) can only lower the sum, and
   changing which *negative* units count can only raise it: ``L_B(x) <= out(x)``
   when ``B`` and ``A(x)`` hold the same negative units, ``L_B(x) >= out(x)``
   when they hold the same positive ones.  So for every ``B``, the affine
   ``L_B`` is ``> 0`` on ``Ones_B = {x : f(x) = 1, A(x) and B hold the same
   positive units}`` and ``<= 0`` on ``Zeros_B = {x : f(x) = 0, A(x) and B hold
   the same negative units}``: the pair ``(Ones_B, Zeros_B)`` is separated by a
   threshold function (checked against the list of all of them; for ``B``
   empty, ``L_B = c`` is a constant, so one of the two sets is empty).  (For two positive
   units, ``out = max_B L_B``, and the condition says each piece's ones are
   separable from all of ``f``'s zeros.)

4. *Nesting.*  For one unit, ``L_{i}(x) = c + s_i z_i(x)`` is a level set of
   the same affine ``z_i`` that defines ``P_i = {z_i > 0}``.  If ``s_i = +1``,
   ``{L_{i} > 0} = {z_i > -c}`` contains ``P_i`` when ``c > 0`` and lies inside
   it when ``c <= 0``; if ``s_i = -1``, ``{L_{i} > 0} = {z_i < c}`` contains the
   complement of ``P_i`` when ``c > 0`` and lies inside it when ``c <= 0``.  So,
   trying both signs of ``c``, ``P_i`` (or its complement) joins ``Ones_{i}``
   when ``c > 0``, and the complement of that set joins ``Zeros_{i}`` when
   ``c <= 0``; and ``c > 0`` requires ``Zeros_{}`` empty, ``c <= 0`` requires
   ``Ones_{}`` empty.  A combination none of whose signs of ``c`` passes has no
   network.

What survives is a list of ``(patterns, signs)``; each has a network iff a
linear program is feasible (:mod:`expressivity.prove.exact.duals`).

Examples
--------
>>> len(threshold_patterns(3)), len(threshold_patterns(4))
(104, 1882)
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: The number of threshold functions of n variables (constants included), OEIS A000609 (Muroga 1971).
#: Written here again, not imported from the cubes: the exact method shares no code with the MILP side.
THRESHOLD_COUNTS = (2, 4, 14, 104, 1882, 94572, 15028134)
#: The largest n whose patterns are listed (n = 6 would be 15 million patterns).
PATTERN_MAX_BITS = 5
#: The largest width whose combinations are enumerated (width 3 at n = 4 is about 10^9 combinations).
PATTERN_MAX_WIDTH = 2
#: Integer weights in [-B, B] reach every threshold function of n <= 5 variables (the count check says so).
WEIGHT_BOUND = (1, 1, 1, 2, 3, 5)


@dataclass(frozen=True)
class Combination:
    """One unit pattern per hidden unit (int bitmasks over the ``2^n`` rows) and each unit's output sign (+1/-1)."""

    patterns: tuple[int, ...]
    signs: tuple[int, ...]


@dataclass(frozen=True)
class Enumeration:
    """The combinations of one ``(f, width)`` that pass the necessary conditions, and what was counted on the way.

    ``patterns``: threshold functions of ``n`` variables; ``first_units``: orbit
    minima tried for unit 1; ``considered``: ``(patterns, signs)`` choices in
    normal form; ``survivors``: those passing step 3 of the module docstring.
    ``complete``: False when a deadline stopped the enumeration (the survivors
    are then a part of them, and nothing may be concluded from them).
    """

    n: int
    width: int
    patterns: int
    first_units: int
    considered: int
    survivors: tuple[Combination, ...]
    complete: bool = True


def check_pattern_size(n: int, width: int) -> None:
    """``ValueError`` (one line) unless the patterns of ``n`` bits and the combinations of ``width`` units can be listed.

    Examples
    --------
    >>> check_pattern_size(6, 2)
    Traceback (most recent call last):
    ...
    ValueError: activation patterns are listed for n <= 5 (n = 6 has 15,028,134 threshold functions)
    """
    if not 0 <= n <= PATTERN_MAX_BITS:
        count = f" (n = {n} has {THRESHOLD_COUNTS[n]:,} threshold functions)" if n < len(THRESHOLD_COUNTS) else ""
        raise ValueError(f"activation patterns are listed for n <= {PATTERN_MAX_BITS}{count}")
    if not 1 <= width <= PATTERN_MAX_WIDTH:
        raise ValueError(f"pattern combinations are enumerated for widths 1..{PATTERN_MAX_WIDTH}, got {width}")


@lru_cache(maxsize=None)
def threshold_patterns(n: int) -> np.ndarray:
    """Every threshold function of ``n <= 5`` variables as a bitmask over the ``2^n`` rows, sorted (read-only).

    ``RuntimeError`` if the count differs from :data:`THRESHOLD_COUNTS` (which
    would mean the weight bound missed some: see the module docstring).

    Examples
    --------
    >>> threshold_patterns(1).tolist()          # never, x0, not x0, always
    [0, 1, 2, 3]
    """
    check_pattern_size(n, 1)
    rows = np.arange(1 << n)
    inputs = ((rows[:, None] >> np.arange(n)) & 1).astype(np.int64)           # (2^n, n)
    bound = WEIGHT_BOUND[n]
    weights = np.array(list(itertools.product(range(-bound, bound + 1), repeat=n)), dtype=np.int64)
    weights = weights.reshape(len(weights), n)
    values = weights @ inputs.T                                                  # (weights, 2^n)
    order = np.argsort(-values, axis=1, kind="stable")                           # largest value first
    ranked = np.take_along_axis(values, order, axis=1)
    prefixes = np.cumsum(np.left_shift(np.int64(1), order), axis=1)              # the top-j rows as a bitmask
    # a threshold between ranked[j] and ranked[j+1] selects the top j+1 rows; only where the value drops
    cut = np.ones_like(ranked, dtype=bool)
    cut[:, :-1] = ranked[:, :-1] > ranked[:, 1:]
    found = np.unique(np.concatenate([prefixes[cut], [0]]))
    if len(found) != THRESHOLD_COUNTS[n]:
        raise RuntimeError(f"{len(found)} threshold functions of {n} variables listed, the literature has "
                           f"{THRESHOLD_COUNTS[n]}: the weight bound {bound} is too small")
    found.setflags(write=False)
    return found


def table_mask(table) -> int:
    """A truth table (``2^n`` booleans, row ``k`` = input ``k``) as an int bitmask.

    Examples
    --------
    >>> table_mask([False, True, True, False])
    6
    """
    return sum(1 << k for k, value in enumerate(np.asarray(table, dtype=bool).ravel()) if value)


def preserving_row_maps(table) -> np.ndarray:
    """The input transforms preserving ``f`` exactly, as row maps ``sigma`` with ``f[sigma[k]] == f[k]`` for all k.

    Computed here, not taken from :mod:`expressivity.functions.symmetry`, so that
    this method shares nothing with the mixed-integer programs: every
    permutation of the inputs with every set of negated inputs is tried.

    Examples
    --------
    >>> preserving_row_maps([False, True, True, False]).tolist()    # XOR: swap the inputs, negate both, or both
    [[0, 1, 2, 3], [0, 2, 1, 3], [3, 1, 2, 0], [3, 2, 1, 0]]
    """
    table = np.asarray(table, dtype=bool).ravel()
    n = len(table).bit_length() - 1
    rows = np.arange(1 << n)
    maps = []
    for perm in itertools.permutations(range(n)):
        moved = np.zeros_like(rows)
        for i, target in enumerate(perm):
            moved |= ((rows >> i) & 1) << target
        for flips in range(1 << n):
            sigma = moved[rows ^ flips]
            if (table[sigma] == table).all():
                maps.append(sigma)
    return np.unique(np.array(maps), axis=0)


def _images(patterns: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``P o sigma`` for every pattern: bit ``k`` of the image is bit ``sigma[k]`` of ``P``.

    Read a byte of ``P`` at a time: a table per byte gives the image bits of
    the rows in that byte (the image is the OR over the bytes).
    """
    image = np.zeros_like(patterns)
    targets = np.zeros(len(sigma), dtype=np.int64)
    targets[np.asarray(sigma)] = np.arange(len(sigma))          # row sigma[k] of P lands on bit k
    values = np.arange(256)
    for start in range(0, len(sigma), 8):
        rows = targets[start:start + 8]
        table = np.zeros(256, dtype=np.int64)
        for offset, target in enumerate(rows):
            table |= ((values >> offset) & 1) << int(target)
        image |= table[(patterns >> start) & 255]
    return image


def orbit_minima(patterns: np.ndarray, row_maps: np.ndarray) -> np.ndarray:
    """For each pattern, the smallest bitmask of its orbit under the row maps (which must form a group)."""
    minima = patterns.copy()
    for sigma in row_maps:
        np.minimum(minima, _images(patterns, sigma), out=minima)
    return minima


@lru_cache(maxsize=8)
def _separable_pairs(n: int) -> dict:
    return {}


def separable_pair(n: int, ones: int, zeros: int) -> bool:
    """Whether some threshold function of ``n`` variables is 1 on every row of ``ones`` and 0 on every row of ``zeros``.

    Examples
    --------
    >>> separable_pair(2, 0b0110, 0b1001), separable_pair(2, 0b0110, 0b0001)  # XOR's ones from its zeros; from 00
    (False, True)
    """
    cache = _separable_pairs(n)
    answer = cache.get((ones, zeros))
    if answer is None:
        patterns = threshold_patterns(n)
        answer = bool((((ones & ~patterns) | (zeros & patterns)) == 0).any())
        if len(cache) < 1 << 22:
            cache[(ones, zeros)] = answer
    return answer


def _unit_sets(masks, full: int):
    """For each unit, the rows where it is active and where it is not."""
    return [(m, ~m & full) for m in masks]


def _same_units(unit_sets, units, chosen, full: int):
    """The rows whose active units among ``units`` are exactly those of ``chosen``."""
    rows = full
    for i in units:
        rows = rows & unit_sets[i][0 if i in chosen else 1]
    return rows


def _sandwiches(f_mask: int, full: int, masks, signs) -> dict:
    """``(Ones_B, Zeros_B)`` of step 3 for every set ``B`` of units, vectorised over the last unit's candidates."""
    unit_sets = _unit_sets(masks, full)
    positive = [i for i, s in enumerate(signs) if s > 0]
    negative = [i for i, s in enumerate(signs) if s < 0]
    return {chosen: (f_mask & _same_units(unit_sets, positive, chosen, full),
                     ~f_mask & full & _same_units(unit_sets, negative, chosen, full))
            for size in range(len(signs) + 1) for chosen in itertools.combinations(range(len(signs)), size)}


def _nested(pairs: dict, masks, signs, full: int, positive_c: bool) -> list:
    """The pairs of nonempty ``B``, those of one unit widened by step 4 for this sign of ``c``."""
    widened = []
    for chosen, (ones, zeros) in pairs.items():
        if len(chosen) == 1:
            (i,) = chosen
            active, inactive = _unit_sets(masks, full)[i]
            # c + z_i > 0 holds on a subset of P_i when c <= 0 and on a superset when c > 0; for c - z_i, of not-P_i
            inside, outside = (active, inactive) if signs[i] > 0 else (inactive, active)
            ones, zeros = (ones | inside, zeros) if positive_c else (ones, zeros | outside)
        if chosen:
            widened.append((ones, zeros))
    return widened


def enumerate_combinations(table, width: int, deadline: float | None = None) -> Enumeration:
    """The ``(patterns, signs)`` combinations of ``width`` units (1 or 2) that could compute ``f``.

    Every network of width ``width`` computing ``f`` (sign variant) has, after
    the transformations of the module docstring, the patterns and signs of one
    of the survivors.  ``deadline``: a ``time.perf_counter()`` value past which
    the enumeration stops, ``complete=False``.

    Examples
    --------
    >>> e = enumerate_combinations([False, True, True, False], 1)     # XOR: no single unit
    >>> e.patterns, e.first_units, e.considered, len(e.survivors)
    (14, 7, 14, 0)
    """
    table = np.asarray(table, dtype=bool).ravel()
    n = len(table).bit_length() - 1
    check_pattern_size(n, width)
    f_mask = table_mask(table)
    full = (1 << (1 << n)) - 1
    patterns = threshold_patterns(n).astype(np.int64)
    minima = orbit_minima(patterns, preserving_row_maps(table))
    firsts = np.unique(minima)
    considered = 0
    survivors: list[Combination] = []
    for first in (int(p) for p in firsts):
        if deadline is not None and time.perf_counter() > deadline:
            return Enumeration(n, width, len(patterns), len(firsts), considered, tuple(survivors), complete=False)
        others = patterns[minima >= first] if width == 2 else np.zeros(1, dtype=np.int64)
        masks = [first, others][:width]
        for signs in itertools.product((1, -1), repeat=width):
            considered += len(others)
            pairs = _sandwiches(f_mask, full, masks, signs)
            empty_ones, empty_zeros = pairs[()]
            passing = set()
            for positive_c in (True, False):
                # B empty: L_B = c is positive (no zero of f may be in Zeros_{}) or not (no one in Ones_{})
                ok = np.broadcast_to((empty_zeros if positive_c else empty_ones) == 0, others.shape)
                widened = [(np.broadcast_to(a, others.shape), np.broadcast_to(b, others.shape))
                           for a, b in _nested(pairs, masks, signs, full, positive_c)]
                for j in np.flatnonzero(ok):
                    if j not in passing and all(separable_pair(n, int(a[j]), int(b[j])) for a, b in widened):
                        passing.add(j)
            for j in sorted(passing):
                survivors.append(Combination((first, int(others[j]))[:width], signs))
    return Enumeration(n, width, len(patterns), len(firsts), considered, tuple(survivors))


__all__ = [
    "THRESHOLD_COUNTS", "PATTERN_MAX_BITS", "PATTERN_MAX_WIDTH", "WEIGHT_BOUND", "Combination", "Enumeration",
    "check_pattern_size", "threshold_patterns", "table_mask", "preserving_row_maps", "orbit_minima",
    "separable_pair", "enumerate_combinations",
]
