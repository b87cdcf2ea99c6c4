"""Continuous piecewise-linear functions on a segment, with exact rational knots and values.

A :class:`PiecewiseLinear` is given by its knots ``x_0 < ... < x_m`` and its
values there; between knots it is the straight line.  Everything is a
``Fraction``, so sums, compositions and comparisons are exact: two networks
are *proven* equal on a segment by comparing their functions here.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

from expressivity.errors import InputError


@dataclass(frozen=True, eq=False)
class PiecewiseLinear:
    """A continuous piecewise-linear function on ``[knots[0], knots[-1]]``.

    Examples
    --------
    >>> tent = PiecewiseLinear([0, Fraction(1, 2), 1], [0, 1, 0])
    >>> twice = tent.compose(tent)
    >>> twice.pieces, twice.breakpoints(), twice(Fraction(1, 8))
    (4, [Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)], Fraction(1, 2))
    >>> (tent + tent.scale(-1)).pieces, tent.relu_of(-1, Fraction(1, 2)).pieces
    (1, 3)
    """

    knots: tuple
    values: tuple

    def __init__(self, knots, values) -> None:
        xs = tuple(_exact(v, "knot") for v in knots)
        ys = tuple(_exact(v, "value") for v in values)
        if len(xs) != len(ys) or len(xs) < 2:
            raise InputError(f"give as many values as knots, at least two (got {len(xs)} knots, {len(ys)} values)")
        if any(b <= a for a, b in zip(xs, xs[1:])):
            raise InputError("knots must increase strictly")
        object.__setattr__(self, "knots", xs)
        object.__setattr__(self, "values", ys)

    # -- what it is ---------------------------------------------------------------------
    @property
    def domain(self) -> tuple[Fraction, Fraction]:
        return self.knots[0], self.knots[-1]

    def slopes(self) -> list[Fraction]:
        """The slope on each interval between consecutive knots."""
        return [(y1 - y0) / (x1 - x0) for x0, x1, y0, y1 in zip(self.knots, self.knots[1:], self.values, self.values[1:])]

    def breakpoints(self) -> list[Fraction]:
        """Inner knots where the slope changes (the boundaries of the linear pieces)."""
        slopes = self.slopes()
        return [x for x, s0, s1 in zip(self.knots[1:], slopes, slopes[1:]) if s0 != s1]

    @property
    def pieces(self) -> int:
        """Linear pieces: maximal intervals on which the function is affine."""
        return len(self.breakpoints()) + 1

    def simplified(self) -> "PiecewiseLinear":
        """The same function with only the ends and the breakpoints as knots (one form per function)."""
        slopes = self.slopes()
        keep = [0] + [i for i in range(1, len(self.knots) - 1) if slopes[i - 1] != slopes[i]] + [len(self.knots) - 1]
        return PiecewiseLinear([self.knots[i] for i in keep], [self.values[i] for i in keep])

    def __call__(self, x) -> Fraction:
        x = _exact(x, "x")
        if not self.knots[0] <= x <= self.knots[-1]:
            raise InputError(f"x = {x} is outside the domain [{self.knots[0]}, {self.knots[-1]}]")
        i = min(bisect.bisect_right(self.knots, x) - 1, len(self.knots) - 2)
        x0, x1, y0, y1 = self.knots[i], self.knots[i + 1], self.values[i], self.values[i + 1]
        return y0 + (y1 - y0) * (x - x0) / (x1 - x0)

    # -- arithmetic -----------------------------------------------------------------------
    def _on_union(self, other: "PiecewiseLinear"):
        if self.domain != other.domain:
            raise InputError(f"the domains differ: {_interval(self.domain)} and {_interval(other.domain)}")
        xs = sorted(set(self.knots) | set(other.knots))
        return xs, [self(x) for x in xs], [other(x) for x in xs]

    def __add__(self, other: "PiecewiseLinear") -> "PiecewiseLinear":
        xs, a, b = self._on_union(other)
        return PiecewiseLinear(xs, [u + v for u, v in zip(a, b)])

    def __sub__(self, other: "PiecewiseLinear") -> "PiecewiseLinear":
        return self + other.scale(-1)

    def scale(self, factor, offset=0) -> "PiecewiseLinear":
        """``factor * self + offset``."""
        factor, offset = _exact(factor, "factor"), _exact(offset, "offset")
        return PiecewiseLinear(self.knots, [factor * y + offset for y in self.values])

    def relu_of(self, factor=1, offset=0) -> "PiecewiseLinear":
        """``relu(factor * self + offset)``, with a knot added wherever the argument crosses zero."""
        inner = self.scale(factor, offset)
        xs, ys = [inner.knots[0]], [max(inner.values[0], Fraction(0))]
        for x0, x1, y0, y1 in zip(inner.knots, inner.knots[1:], inner.values, inner.values[1:]):
            if (y0 < 0 < y1) or (y1 < 0 < y0):
                xs.append(x0 + (x1 - x0) * y0 / (y0 - y1))
                ys.append(Fraction(0))
            xs.append(x1)
            ys.append(max(y1, Fraction(0)))
        return PiecewiseLinear(xs, ys)

    def compose(self, inner: "PiecewiseLinear") -> "PiecewiseLinear":
        """``self(inner(x))`` on ``inner``'s domain; ``inner``'s values must lie in ``self``'s domain."""
        low, high = min(inner.values), max(inner.values)
        if low < self.knots[0] or high > self.knots[-1]:
            raise InputError(f"the inner function's range [{low}, {high}] leaves the outer domain {_interval(self.domain)}")
        xs = [inner.knots[0]]
        for x0, x1, y0, y1 in zip(inner.knots, inner.knots[1:], inner.values, inner.values[1:]):
            if y0 != y1:  # the outer knots strictly between y0 and y1, in the order x meets them
                a, b = bisect.bisect_right(self.knots, min(y0, y1)), bisect.bisect_left(self.knots, max(y0, y1))
                inside = self.knots[a:b] if y1 > y0 else self.knots[a:b][::-1]
                xs += [x0 + (x1 - x0) * (k - y0) / (y1 - y0) for k in inside]
            xs.append(x1)
        return PiecewiseLinear(xs, [self(inner(x)) for x in xs])

    def equals(self, other: "PiecewiseLinear") -> bool:
        """Whether the two functions agree at every point of the common domain (exact).

        Compares the simplified forms, which are unique (ends and breakpoints):
        linear time, no evaluation.
        """
        if self.domain != other.domain:
            raise InputError(f"the domains differ: {_interval(self.domain)} and {_interval(other.domain)}")
        a, b = self.simplified(), other.simplified()
        return a.knots == b.knots and a.values == b.values

    def max_distance(self, other: "PiecewiseLinear") -> Fraction:
        """``max |self - other|`` over the domain, exactly (attained at a knot of one of them)."""
        _, a, b = self._on_union(other)
        return max(abs(u - v) for u, v in zip(a, b))

    def plot(self, ax=None, **style):
        """Draw the function on a matplotlib axis (a new figure when none is given); returns the axis."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6, 3))
        ax.plot([float(x) for x in self.knots], [float(y) for y in self.values], **style)
        return ax


def _exact(value, name: str) -> Fraction:
    try:
        return Fraction(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be a finite number, got {value!r}") from None


def _interval(domain) -> str:
    return f"[{domain[0]}, {domain[1]}]"
