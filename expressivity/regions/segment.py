"""Exact activation regions and linear pieces of a ReLU network along a segment.

The sweep goes layer by layer.  It keeps the points that split the segment so
far and, at each point, the values of the current layer's units.  Between two
neighbouring points every unit is affine (all earlier patterns are constant
there), so a unit whose values at the two ends have strictly opposite signs
crosses zero once inside, where a new point goes, and the other units' values
there follow by linear interpolation.  Nothing is rounded: a point is kept in
homogeneous integer coordinates ``(p, q, z)`` meaning ``t = p / q`` and unit
values ``z / q`` (``q > 0``, divided by their common gcd, so each point has one
representation), and the new point between ``i`` and ``i + 1`` where unit
``j`` vanishes is the 2x2 determinant ``z_ij (p, q, z)_{i+1} - z_{i+1,j} (p, q, z)_i``:
integer products, no division.

Definitions (the literature mixes them; every count says which it is):

- an *activation region* is a maximal open interval on which every unit's
  on/off state (on: pre-activation > 0) is constant.  Each point the sweep
  adds is a strict sign change of some unit, so the regions are exactly the
  intervals between consecutive points; a unit that touches zero without
  changing sign splits nothing.
- a *linear piece* is a maximal interval on which the network's output is
  affine: adjacent regions with the same affine map merge (a dead unit, a kink
  cancelled downstream).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from expressivity.errors import InputError
from expressivity.regions.exact_matmul import exact_matmul
from expressivity.regions.networks import ExactNet, as_exact_net

#: Points the sweep may hold at once.
MAX_POINTS = 1 << 22
#: Unit values (points times layer width) the sweep may hold at once: about 0.5 GiB as int64.
MAX_VALUES = 1 << 26


class RegionsLimit(Exception):
    """The work stopped at a time or memory limit: the count is unknown (not an input error)."""


@dataclass(frozen=True, eq=False)
class SegmentPartition:
    """A network restricted to the segment ``x(t) = origin + t direction``, ``t in [t_start, t_end]``.

    ``numerators``/``denominators`` give the split points ``t_i = p_i / q_i``
    (both segment ends included) and ``outputs`` the output numerators
    (``y_i = outputs[i] / q_i``); all exact Python integers.
    """

    numerators: np.ndarray
    denominators: np.ndarray
    outputs: np.ndarray
    kinks: np.ndarray  # bool, per point: the output's slope changes there (never at the two ends)
    origin: tuple
    direction: tuple

    @property
    def regions(self) -> int:
        """Activation regions (intervals of constant on/off pattern)."""
        return len(self.numerators) - 1

    @property
    def pieces(self) -> int:
        """Linear pieces (maximal intervals where the output is affine)."""
        return int(np.count_nonzero(self.kinks)) + 1

    def points(self, limit: int | None = None) -> list[Fraction]:
        """Every split point ``t_i`` (region boundaries, both ends included), exactly; the first ``limit``."""
        count = len(self.numerators) if limit is None else min(limit, len(self.numerators))
        return [Fraction(int(self.numerators[i]), int(self.denominators[i])) for i in range(count)]

    def breakpoints(self, limit: int | None = None) -> list[Fraction]:
        """The output's kinks ``t`` (piece boundaries inside the segment), exactly; the first ``limit``."""
        index = np.flatnonzero(self.kinks)[:limit]
        return [Fraction(int(self.numerators[i]), int(self.denominators[i])) for i in index]

    def values(self) -> list[list[Fraction]]:
        """The outputs at every split point, exactly (one list per point)."""
        return [[Fraction(int(y), int(q)) for y in row] for row, q in zip(self.outputs, self.denominators)]

    def function(self, output: int = 0):
        """Output ``output`` as a :class:`~expressivity.regions.linear1d.PiecewiseLinear` in ``t``, kinks only."""
        from expressivity.regions.linear1d import PiecewiseLinear

        keep = self.kinks.copy()
        keep[0] = keep[-1] = True
        index = np.flatnonzero(keep)
        return PiecewiseLinear(
            [Fraction(int(self.numerators[i]), int(self.denominators[i])) for i in index],
            [Fraction(int(self.outputs[i, output]), int(self.denominators[i])) for i in index],
        )


def segment_partition(network, start, end, *, time_limit: float | None = None,
                      max_points: int = MAX_POINTS, progress=None) -> SegmentPartition:
    """The exact regions and pieces of ``network`` on the segment from ``start`` to ``end``.

    ``start`` and ``end`` are points of the input space (numbers for a
    one-input network, where ``t`` is then the input itself); for more inputs
    ``t`` runs over ``[0, 1]`` on ``x(t) = start + t (end - start)``.  Values may
    be ints, floats or Fractions (all exact).

    Raises :class:`RegionsLimit` past ``time_limit`` seconds or ``max_points``
    points, and ``InputError`` for a bad segment.

    Examples
    --------
    The tent map 2 relu(x) - 4 relu(x - 1/2) on [0, 1]:

    >>> from expressivity.regions.networks import ExactNet
    >>> tent = ExactNet.from_floats([[[1.0], [1.0]], [[2.0, -4.0]]], [[0.0, -0.5], [0.0]])
    >>> part = segment_partition(tent, 0, 1)
    >>> part.regions, part.pieces, part.breakpoints()
    (2, 2, [Fraction(1, 2)])
    """
    net = as_exact_net(network)
    origin, direction, t_start, t_end = _segment(net, start, end)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    p, q, h = _initial_points(origin, direction, (t_start, t_end))
    for index, layer in enumerate(net.layers):
        weight, bias = layer.weight, layer.bias
        if len(p) * layer.width > MAX_VALUES:
            raise RegionsLimit(f"layer {index + 1}: {len(p):,} points times {layer.width:,} units is more than "
                               f"{MAX_VALUES:,} values to hold")
        row_sum = max((sum(abs(int(v)) for v in row) for row in weight), default=0)
        fits = (_bits(h) + row_sum.bit_length() < INT_BITS and _bits(q) + _bits(bias) < INT_BITS
                and _bits(p) + layer.denominator.bit_length() < INT_BITS)
        p, q, h, weight, bias = _cast(fits, p, q, h, weight, bias)
        z = (h @ weight.T if fits else exact_matmul(h, weight.T)) + np.outer(q, bias)
        if layer.denominator != 1:
            p, q = p * layer.denominator, q * layer.denominator
        p, q, z = _reduce(p, q, z)
        if layer.relu:
            p, q, z = _split(p, q, z, max_points)
            h = np.maximum(z, 0)
        else:
            h = z
        if progress is not None:
            progress(index + 1, len(net.layers), len(p))
        if deadline is not None and time.monotonic() > deadline:
            raise RegionsLimit(f"stopped after layer {index + 1} of {len(net.layers)}: past the time limit "
                               f"of {time_limit:g} s ({len(p) - 1:,} regions so far)")
    if net.skip is not None:
        p, q, h = _add_skip(p, q, h, net, origin, direction)
    return SegmentPartition(p, q, h, _kinks(p, q, h), tuple(origin), tuple(direction))


def _segment(net: ExactNet, start, end):
    """``(origin, direction, t_start, t_end)`` as Fractions; one line for a bad segment."""
    def point(value, name):
        values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
        if len(values) != net.n_inputs:
            raise InputError(f"{name} needs {net.n_inputs} coordinates (the network's inputs), got {len(values)}")
        try:
            exact = [Fraction(v) for v in values]
        except (TypeError, ValueError, OverflowError) as error:
            raise InputError(f"{name} must be finite numbers: {error}") from None
        return exact

    a, b = point(start, "the segment's start"), point(end, "the segment's end")
    if a == b:
        raise InputError("the segment's two ends are the same point")
    if net.n_inputs == 1:
        if a[0] > b[0]:
            raise InputError(f"the segment [{a[0]}, {b[0]}] is empty: its start is after its end")
        return [Fraction(0)], [Fraction(1)], a[0], b[0]
    return a, [y - x for x, y in zip(a, b)], Fraction(0), Fraction(1)


def _initial_points(origin, direction, ts):
    rows = []
    for t in ts:
        x = [o + t * d for o, d in zip(origin, direction)]
        common = math.lcm(t.denominator, *(v.denominator for v in x))
        rows.append([t.numerator * (common // t.denominator), common] + [v.numerator * (common // v.denominator) for v in x])
    table = np.array(rows, dtype=object)
    return table[:, 0].copy(), table[:, 1].copy(), table[:, 2:].copy()


#: Products of integers of at most this many bits (plus a sign and a carry) fit in int64.
INT_BITS = 61


def _bits(array: np.ndarray) -> int:
    """The bit length of the largest magnitude in ``array`` (0 when empty)."""
    if not array.size:
        return 0
    if array.dtype == object:
        return max(abs(v) for v in array.ravel()).bit_length()
    return int(np.abs(array).max()).bit_length()


def _cast(small: bool, *arrays):
    """``arrays`` as int64 when ``small`` (the next products fit), else as Python integers."""
    dtype = np.int64 if small else object
    return tuple(a if a.dtype == dtype else a.astype(dtype) for a in arrays)


def _reduce(p, q, z):
    """Divide each point's ``(p, q, z)`` by their gcd (``q > 0`` stays positive)."""
    g = np.gcd.reduce(np.column_stack([q, p, z]), axis=1)
    if np.all(g == 1):
        return p, q, z
    return p // g, q // g, z // g[:, None]


def _split(p, q, z, max_points):
    """Add a point wherever a unit changes sign strictly between two neighbours."""
    positive, negative = z > 0, z < 0
    crossing = (positive[:-1] & negative[1:]) | (negative[:-1] & positive[1:])
    left, unit = np.nonzero(crossing)
    if not len(left):
        return p, q, z
    if len(p) + len(left) > max_points or (len(p) + len(left)) * z.shape[1] > MAX_VALUES:
        needed = len(p) + len(left)
        raise RegionsLimit(f"the segment needs at least {needed:,} points ({needed * z.shape[1]:,} unit values), "
                           f"beyond the limits of {max_points:,} points and {MAX_VALUES:,} values")
    fits = max(_bits(p), _bits(q), _bits(z)) + _bits(z) < INT_BITS
    p, q, z = _cast(fits, p, q, z)
    zl, zr = z[left, unit], z[left + 1, unit]
    new_p = p[left + 1] * zl - p[left] * zr
    new_q = q[left + 1] * zl - q[left] * zr
    new_z = z[left + 1] * zl[:, None] - z[left] * zr[:, None]
    flip = np.asarray(zl < 0, dtype=bool)
    new_p[flip], new_q[flip], new_z[flip] = -new_p[flip], -new_q[flip], -new_z[flip]
    new_p, new_q, new_z = _reduce(new_p, new_q, new_z)
    order, keep = _order_within(left, new_p, new_q)
    left, new_p, new_q, new_z = left[order][keep], new_p[order][keep], new_q[order][keep], new_z[order][keep]
    # old point i moves right by the number of new points in intervals before it
    added = np.bincount(left, minlength=len(p))
    before = np.concatenate([[0], np.cumsum(added)[:-1]])
    old_at = np.arange(len(p)) + before
    rank = np.arange(len(left)) - np.searchsorted(left, left)  # position among the new points of its interval
    new_at = old_at[left] + 1 + rank
    total = len(p) + len(left)
    out_p, out_q = np.empty(total, dtype=p.dtype), np.empty(total, dtype=p.dtype)
    out_z = np.empty((total, z.shape[1]), dtype=p.dtype)
    out_p[old_at], out_q[old_at], out_z[old_at] = p, q, z
    out_p[new_at], out_q[new_at], out_z[new_at] = new_p, new_q, new_z
    return out_p, out_q, out_z


def _order_within(left, p, q):
    """Order new points by interval, then by ``t`` (exactly), and drop repeats of one point (two units at once)."""
    if p.dtype != object and max(_bits(p), _bits(q)) <= 53:
        approx = p.astype(np.float64) / q.astype(np.float64)  # exact conversions, one correct rounding: monotone
    else:
        approx = np.array([int(a) / int(b) for a, b in zip(p, q)], dtype=np.float64)  # int / int rounds correctly
    order = np.lexsort((approx, left))
    left_sorted, approx_sorted = left[order], approx[order]
    same = (left_sorted[1:] == left_sorted[:-1]) & (approx_sorted[1:] == approx_sorted[:-1])
    if not same.any():
        return order, np.ones(len(order), dtype=bool)
    # a tie in float64: order those runs exactly, and keep one copy of an exactly repeated point
    order = order.copy()
    keep = np.ones(len(order), dtype=bool)
    start = 0
    while start < len(order):
        stop = start + 1
        while stop < len(order) and stop - 1 < len(same) and same[stop - 1]:
            stop += 1
        if stop - start > 1:
            run = sorted(order[start:stop], key=lambda k: Fraction(int(p[k]), int(q[k])))
            order[start:stop] = run
            for k in range(start + 1, stop):
                keep[k] = p[order[k]] * q[order[k - 1]] != p[order[k - 1]] * q[order[k]]
        start = stop
    return order, keep


def _add_skip(p, q, h, net, origin, direction):
    """Add the skip connection ``S x(t)``, affine in ``t``, at every point."""
    scale = Fraction(1, net.skip.denominator)
    c0 = [sum((int(w) * o for w, o in zip(row, origin)), Fraction(0)) * scale for row in net.skip.weight]
    c1 = [sum((int(w) * d for w, d in zip(row, direction)), Fraction(0)) * scale for row in net.skip.weight]
    common = math.lcm(*(v.denominator for v in c0 + c1))
    a = np.array([int(v * common) for v in c0], dtype=object)
    b = np.array([int(v * common) for v in c1], dtype=object)
    p, q, h = _cast(False, p, q, h)
    out = h * common + np.outer(q, a) + np.outer(p, b)
    return _reduce(p * common, q * common, out)


def _kinks(p, q, y):
    """Where the output's slope differs on the two sides.

    Slopes are ``rise_i / run_i`` (``run_i > 0``).  Where both fit in 53 bits,
    their float64 quotients are correctly rounded, hence monotone: different
    floats prove different slopes, and only equal floats are compared exactly
    (by cross-multiplication in Python integers).
    """
    kinks = np.zeros(len(p), dtype=bool)
    if len(p) < 3:
        return kinks
    p, q, y = _cast(max(_bits(p), _bits(y)) + _bits(q) + 2 < INT_BITS, p, q, y)
    rise = y[1:] * q[:-1, None] - y[:-1] * q[1:, None]
    run = p[1:] * q[:-1] - p[:-1] * q[1:]
    if rise.dtype != object and max(_bits(rise), _bits(run)) <= 53:
        slope = rise.astype(np.float64) / run.astype(np.float64)[:, None]
        undecided = slope[:-1] == slope[1:]
        differ = ~undecided
        rows, cols = np.nonzero(undecided)
        for i, j in zip(rows.tolist(), cols.tolist()):
            differ[i, j] = int(rise[i, j]) * int(run[i + 1]) != int(rise[i + 1, j]) * int(run[i])
    else:
        rise, run = rise.astype(object), run.astype(object)
        differ = np.asarray(rise[:-1] * run[1:, None] != rise[1:] * run[:-1, None], dtype=bool)
    kinks[1:-1] = differ.any(axis=1)
    return kinks


def equal_on_segment(first, second, start, end) -> bool:
    """Whether two networks compute the same function on the segment, proven in exact arithmetic.

    Both are swept exactly and their outputs compared as piecewise-linear
    functions (ends and breakpoints, which determine them).

    Examples
    --------
    >>> from expressivity.regions.sawtooth import sawtooth, shallow_sawtooth
    >>> equal_on_segment(sawtooth(3), shallow_sawtooth(3), 0, 1), equal_on_segment(sawtooth(3), sawtooth(2), 0, 1)
    (True, False)
    """
    a, b = segment_partition(first, start, end), segment_partition(second, start, end)
    if a.outputs.shape[1] != b.outputs.shape[1]:
        raise InputError(f"the networks have {a.outputs.shape[1]} and {b.outputs.shape[1]} outputs")
    return all(a.function(k).equals(b.function(k)) for k in range(a.outputs.shape[1]))
