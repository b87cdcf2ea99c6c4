"""Activation regions in a box of a few dimensions, by traversal: one linear program (HiGHS) per region.

With the on/off pattern ``s`` of every hidden unit fixed, every pre-activation
is an affine map of the input, and the pattern's region is the polytope where
each unit has the sign ``s`` gives it: convex, so one pattern is one region.
Its interior is nonempty when the linear program ``max r`` subject to every
unit's constraint holding with margin ``r |a_u|`` (and the box's faces with
margin ``r``) has ``r > 0``.  The traversal starts from the pattern at the
box's centre and flips one unit at a time.

Every region counted is *proven* to exist: the program's optimal point (a
float, hence an exact dyadic rational) is checked in exact rational
arithmetic to have the region's pattern with every unit strictly signed (or
identically zero).  Completeness is not proven: two neighbouring regions
differ in one unit for a network in general position, and a region reached
only by flipping two units at once (several zero sets along one facet) would
be missed.  So the count is exact-or-low, said as such; past the time limit
it is a lower bound, status ``unknown``.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from expressivity.errors import InputError
from expressivity.regions.networks import as_exact_net


@dataclass(frozen=True)
class Traversal:
    """Regions found by traversal: each pattern is a region proven by an exact interior point."""

    patterns: tuple
    points: tuple  # one exact interior point per region
    complete: bool  # False when the time limit stopped the traversal
    linear_programs: int

    @property
    def regions(self) -> int:
        return len(self.patterns)

    @property
    def status(self) -> str:
        return ("all reachable by single-unit flips (exact for networks in general position)" if self.complete
                else "unknown: stopped at the time limit (a lower bound)")


def _float_layers(net):
    return [(np.array(layer.weight, dtype=np.float64) / layer.denominator,
             np.array(layer.bias, dtype=np.float64) / layer.denominator, layer.relu) for layer in net.layers]


def _affine(layers, pattern, dimension):
    """Every hidden unit's pre-activation ``a x + b`` (float64) under ``pattern``."""
    matrix, offset = np.eye(dimension), np.zeros(dimension)
    rows, constants, start = [], [], 0
    for weight, bias, relu in layers[:-1]:
        matrix, offset = weight @ matrix, weight @ offset + bias
        if relu:
            rows.append(matrix)
            constants.append(offset)
            on = np.array(pattern[start:start + len(bias)], dtype=bool)
            start += len(bias)
            matrix, offset = matrix * on[:, None], offset * on
    return np.vstack(rows), np.concatenate(constants)


def _interior(layers, pattern, low, high):
    """A point deep inside the pattern's region, or None when it has no interior (one LP)."""
    from scipy.optimize import linprog

    dimension = len(low)
    a, b = _affine(layers, pattern, dimension)
    sign = np.where(np.array(pattern, dtype=bool), 1.0, -1.0)
    norms = np.linalg.norm(a, axis=1)
    constant = norms == 0
    if np.any(constant & (sign * b <= 0) & (sign > 0)) or np.any(constant & (b > 0) & (sign < 0)):
        return None  # a unit constant on the whole region with the wrong sign
    keep = ~constant
    # sign (a x + b) >= r |a|  ->  -sign a x + |a| r <= sign b
    upper = np.hstack([-(sign[keep, None] * a[keep]), norms[keep, None]])
    bound = sign[keep] * b[keep]
    box_rows = np.vstack([np.hstack([-np.eye(dimension), np.ones((dimension, 1))]),
                          np.hstack([np.eye(dimension), np.ones((dimension, 1))])])
    box_bound = np.concatenate([-np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)])
    result = linprog(np.r_[np.zeros(dimension), -1.0], A_ub=np.vstack([upper, box_rows]),
                     b_ub=np.concatenate([bound, box_bound]), bounds=[(None, None)] * dimension + [(0, None)],
                     method="highs")
    if result.status != 0 or result.x[-1] <= 1e-12:
        return None
    return result.x[:dimension]


def _exact_pattern(net, point):
    """``(pattern, zeros)`` at ``point`` in exact arithmetic: on/off per unit, and the units that are exactly 0."""
    h = [Fraction(v) for v in point]
    pattern, zeros = [], []
    for layer in net.layers[:-1]:
        z = [(sum((int(w) * v for w, v in zip(row, h)), Fraction(0)) + int(c)) / layer.denominator
             for row, c in zip(layer.weight, layer.bias)]
        if layer.relu:
            zeros += [len(pattern) + i for i, v in enumerate(z) if v == 0]
            pattern += [v > 0 for v in z]
            z = [max(v, Fraction(0)) for v in z]
        h = z
    return tuple(pattern), zeros


def _constant_units(net, pattern, dimension) -> set:
    """The hidden units whose pre-activation has gradient exactly zero under ``pattern`` (exact Fractions)."""
    gradient = [[Fraction(int(i == j)) for j in range(dimension)] for i in range(dimension)]
    constant, start = set(), 0
    for layer in net.layers[:-1]:
        gradient = [[sum((int(w) * g[k] for w, g in zip(row, gradient)), Fraction(0)) / layer.denominator
                     for k in range(dimension)] for row in layer.weight]
        if layer.relu:
            constant |= {start + i for i, g in enumerate(gradient) if not any(g)}
            gradient = [g if pattern[start + i] else [Fraction(0)] * dimension for i, g in enumerate(gradient)]
            start += len(gradient)
    return constant


def _proven(net, pattern, point) -> bool:
    """Whether ``point`` lies inside the region of ``pattern``: every unit strictly signed, or constant zero."""
    found, zeros = _exact_pattern(net, point)
    return found == pattern and (not zeros or set(zeros) <= _constant_units(net, pattern, len(point)))


def traverse_regions(network, low, high, *, time_limit: float | None = None) -> Traversal:
    """The activation regions of ``network`` in the box ``[low, high]`` (one LP per candidate pattern).

    Examples
    --------
    Three planes in general position cut a cube into 8 regions:

    >>> from expressivity.regions.networks import ExactNet
    >>> net = ExactNet.from_floats([[[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 1, 1]]], [[0, 0, 0], [0]])
    >>> found = traverse_regions(net, [-1, -1, -1], [1, 1, 1])
    >>> found.regions, found.complete
    (8, True)
    """
    net = as_exact_net(network)
    low, high = [Fraction(v) for v in low], [Fraction(v) for v in high]
    if len(low) != net.n_inputs or len(high) != net.n_inputs:
        raise InputError(f"the box needs {net.n_inputs} coordinates per corner (the network's inputs)")
    if any(a >= b for a, b in zip(low, high)):
        raise InputError("the box is empty: each low corner coordinate must be below the high one")
    if not net.widths:
        return Traversal(((),), (tuple((a + b) / 2 for a, b in zip(low, high)),), True, 0)
    layers = _float_layers(net)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    start = _start_pattern(net, layers, low, high)
    seen, queue, found, points, programs = {start}, deque([start]), [], [], 0
    while queue:
        if deadline is not None and time.monotonic() > deadline:
            return Traversal(tuple(found), tuple(points), False, programs)
        pattern = queue.popleft()
        point = _interior(layers, pattern, low, high)
        programs += 1
        if point is None:
            continue
        exact = tuple(Fraction(float(v)) for v in point)
        if not _proven(net, pattern, exact):
            raise ArithmeticError("an LP point failed the exact check: the region is too thin for float64 here")
        found.append(pattern)
        points.append(exact)
        for unit in range(len(pattern)):
            flipped = pattern[:unit] + (not pattern[unit],) + pattern[unit + 1:]
            if flipped not in seen:
                seen.add(flipped)
                queue.append(flipped)
    return Traversal(tuple(found), tuple(points), True, programs)


def _start_pattern(net, layers, low, high):
    """The pattern of a region: at the centre, or at random points, until one has an interior (LP)."""
    rng = np.random.default_rng(0)
    centre = [(a + b) / 2 for a, b in zip(low, high)]
    for attempt in range(100):
        point = centre if attempt == 0 else [a + (b - a) * Fraction(float(rng.uniform(0.05, 0.95)))
                                             for a, b in zip(low, high)]
        pattern, _ = _exact_pattern(net, point)
        if _interior(layers, pattern, low, high) is not None:
            return pattern
    raise ArithmeticError("no starting region was found at 100 points of the box")
