"""What the positions of one tensor axis read along one input axis: :class:`Span`, exact per position.

The notation is :mod:`expressivity.counts.fields`'s: position ``i`` reads the
input positions ``i * stride - padding .. i * stride - padding + size - 1``
(unclipped: a position next to the border counts the zero padding it reads).
Where no single stride describes the positions (adaptive pooling from 14 to
4 positions, branches of different strides meeting, border positions that
read mirrored, clamped or wrapped inputs) a span keeps the interval of every
position (``windows``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from expressivity.counts.fields import ReceptiveFieldError


@dataclass(frozen=True)
class Span:
    """What positions ``0 .. n-1`` of one tensor axis read along one input axis (ints).

    Either affine (``size``, ``stride``, ``padding``), or explicit
    (``windows``: an inclusive ``(low, high)`` interval per position), or
    ``whole`` (every position reads the entire input along the axis; ``size``
    is the input's extent when known, else ``None``).

    Examples
    --------
    >>> Span(3, 1, 1).window((2,), (2,), (0,), (1,), 8, 4)
    Span(size=4, stride=2, padding=1, windows=None, whole=False)
    >>> Span(1, 1, 0).adaptive(14, 4).windows
    ((0, 3), (3, 6), (7, 10), (10, 13))
    >>> Span(3, 1, 0).reduce(10, 12)
    Span(size=12, stride=0, padding=0, windows=None, whole=True)
    """

    size: int | None = 1
    stride: int = 1
    padding: int = 0
    windows: tuple | None = None
    whole: bool = False

    @classmethod
    def entire(cls, extent: int | None) -> "Span":
        """Every position reads all ``extent`` input positions."""
        return cls(extent, 0, 0, None, True)

    @classmethod
    def of_windows(cls, windows: Sequence[tuple[int, int]], extent: int | None = None) -> "Span":
        """The span with these per-position intervals, affine when they are evenly spaced and sized.

        With the input's ``extent`` along the axis, intervals inside
        ``0 .. extent-1`` (what mirrored, clamped or wrapped positions read)
        that an affine span gives once clipped to the input are that span
        (the intervals of a 3-wide window after reflect padding of 1 are
        those of zero padding): see :meth:`clipped_affine`.  Intervals that
        count padding (adaptive pooling after zero padding) stay as they are.

        Examples
        --------
        >>> Span.of_windows([(0, 1), (0, 2), (1, 3), (2, 3)], 4)
        Span(size=3, stride=1, padding=1, windows=None, whole=False)
        >>> Span.of_windows([(2, 2), (1, 1), (0, 0), (1, 1)], 4).windows   # mirrored: irregular
        ((2, 2), (1, 1), (0, 0), (1, 1))
        """
        windows = tuple((int(lo), int(hi)) for lo, hi in windows)
        sizes = {hi - lo for lo, hi in windows}
        if len(sizes) == 1:
            if len(windows) == 1:
                return cls(windows[0][1] - windows[0][0] + 1, 0, -windows[0][0])
            steps = {b[0] - a[0] for a, b in zip(windows, windows[1:])}
            if len(steps) == 1 and min(steps) >= 0:  # a falling order (wrapped positions) stays explicit
                return cls(windows[0][1] - windows[0][0] + 1, steps.pop(), -windows[0][0])
        inside = extent is not None and all(0 <= lo and hi < extent for lo, hi in windows)
        fitted = cls.clipped_affine(windows, extent) if inside else None
        return fitted if fitted is not None else cls(None, 0, 0, windows)

    @classmethod
    def clipped_affine(cls, windows: Sequence[tuple[int, int]], extent: int) -> "Span | None":
        """The affine span whose intervals, clipped to ``0 .. extent-1``, are ``windows`` clipped alike; else ``None``.

        Only a span that later window ops may extend as they extend zero
        padding: stride at least 1, padding at least 0 and the last interval
        reaching the input's end (positions past either end then add nothing
        the clipped intervals do not already read).
        """
        clipped = [(max(lo, 0), min(hi, extent - 1)) for lo, hi in windows]
        if len(clipped) < 2 or any(lo > hi for lo, hi in clipped):
            return None
        lows = [(o, lo) for o, (lo, _) in enumerate(clipped) if lo > 0]  # unclipped: o * stride - padding
        highs = [(o, hi) for o, (_, hi) in enumerate(clipped) if hi < extent - 1]  # o * stride - padding + size - 1
        pairs = lows if len(lows) >= 2 else highs
        if len(pairs) < 2 or not lows or not highs:
            return None
        (o1, v1), (o2, v2) = pairs[0], pairs[1]
        stride, remainder = divmod(v2 - v1, o2 - o1)
        if remainder or stride < 1:
            return None
        padding = lows[0][0] * stride - lows[0][1]
        size = highs[0][1] - highs[0][0] * stride + padding + 1
        span = cls(size, stride, padding)
        if padding < 0 or size < 1 or (len(clipped) - 1) * stride - padding + size - 1 < extent - 1:
            return None
        ok = all((max(lo, 0), min(hi, extent - 1)) == pair for (lo, hi), pair in zip(
            (span.at(o) for o in range(len(clipped))), clipped))
        return span if ok else None

    def at(self, i: int) -> tuple[int, int]:
        """The inclusive input interval position ``i`` reads (unclipped)."""
        if self.windows is not None:
            return self.windows[i]
        if self.whole:
            return 0, (self.size or 1) - 1
        low = i * self.stride - self.padding
        return low, low + self.size - 1

    def bounds(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Lows and highs of positions ``0 .. n-1`` as arrays."""
        if self.windows is not None:
            array = np.asarray(self.windows, dtype=np.int64).reshape(-1, 2)
            return array[:n, 0], array[:n, 1]
        if self.whole:
            return np.zeros(n, dtype=np.int64), np.full(n, (self.size or 1) - 1, dtype=np.int64)
        lows = np.arange(n, dtype=np.int64) * self.stride - self.padding
        return lows, lows + (self.size - 1)

    def largest(self) -> int | None:
        """The largest number of input positions one position reads (unclipped)."""
        if self.windows is not None:
            return max(hi - lo + 1 for lo, hi in self.windows)
        return self.size

    def window(self, kernel, stride, padding, dilation, n_in: int | None, n_out: int | None,
               extent: int | None = None) -> "Span":
        """After a window op along this axis (kernel, stride, padding, dilation: ints; ``extent``: the input's)."""
        (k,), (s,), (p,), (d,) = (_one(v) for v in (kernel, stride, padding, dilation))
        if self.whole:
            return self
        if self.windows is None:
            return Span(self.size + d * (k - 1) * self.stride, self.stride * s, self.padding + p * self.stride)
        if n_out is None:
            raise ReceptiveFieldError("a window op after irregular positions needs the input shape")
        windows = []
        for o in range(n_out):
            read = [o * s - p + d * u for u in range(k)]
            read = [self.windows[m] for m in read if 0 <= m < n_in]
            if not read:
                raise ReceptiveFieldError(f"output position {o} reads only padding after irregular positions: no rule")
            windows.append((min(lo for lo, _ in read), max(hi for _, hi in read)))
        return Span.of_windows(windows, extent)

    def gather(self, sources: Sequence[int], extent: int) -> "Span":
        """Position ``o`` reads what position ``sources[o]`` read (reflect, replicate and circular padding).

        The intervals are clipped to the input's ``extent``: a mirrored or
        clamped border position reads real inputs, never padding.

        Examples
        --------
        >>> Span(1, 1, 0).gather([2, 1, 0, 1, 2, 3, 2, 1], 4).windows   # ReflectionPad1d(2) on 4 positions
        ((2, 2), (1, 1), (0, 0), (1, 1), (2, 2), (3, 3), (2, 2), (1, 1))
        """
        if self.whole:
            return self
        windows = []
        for m in sources:
            low, high = self.at(m)
            low, high = max(low, 0), min(high, extent - 1)
            if low > high:
                raise ReceptiveFieldError(f"position {m}, which reads only zero padding, is copied by a padding "
                                          "that mirrors, clamps or wraps: no rule")
            windows.append((low, high))
        return Span.of_windows(windows, extent)

    def adaptive(self, n_in: int, n_out: int) -> "Span":
        """After adaptive pooling from ``n_in`` to ``n_out`` positions (torch's windows).

        Output ``i`` pools positions ``floor(i n_in / n_out) .. ceil((i + 1) n_in / n_out) - 1``.
        """
        if self.whole:
            return self
        lows, highs = self.bounds(n_in)
        windows = []
        for i in range(n_out):
            start, stop = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
            windows.append((int(lows[start:stop].min()), int(highs[start:stop].max())))
        return Span.of_windows(windows)

    def reduce(self, n: int | None, extent: int | None) -> "Span":
        """What every position reads after mixing all ``n`` positions (clipped to the input's ``extent``)."""
        if self.whole:
            return self
        if n is None or extent is None:
            return Span.entire(extent)  # without sizes: assumed to cover the input (documented)
        if self.windows is None:  # affine, stride >= 0: the first and the last position bound the union
            (low, _), (_, high) = self.at(0), self.at(n - 1)
        else:
            lows, highs = self.bounds(n)
            low, high = int(lows.min()), int(highs.max())
        low, high = max(0, low), min(extent - 1, high)
        if low == 0 and high == extent - 1:
            return Span.entire(extent)
        return Span(high - low + 1, 0, -low)

    def select(self, i: int) -> "Span":
        """What position ``i`` reads, as a span every position shares."""
        if self.whole:
            return self
        low, high = self.at(i)
        return Span(high - low + 1, 0, -low)

    def take(self, start: int, step: int, count: int) -> "Span":
        """Positions ``start, start + step, ...`` (``count`` of them), renumbered from 0."""
        if self.whole:
            return self
        if self.windows is None:
            return Span(self.size, self.stride * step, self.padding - start * self.stride)
        return Span.of_windows(self.windows[start::step][:count])

    def union(self, other: "Span", n: int | None) -> "Span":
        """Position by position, the hull of what ``self`` and ``other`` read (``n`` positions)."""
        if self.whole or other.whole:
            return self if self.whole else other
        if self.windows is None and other.windows is None and self.stride == other.stride:
            padding = max(self.padding, other.padding)
            return Span(max(self.size - self.padding, other.size - other.padding) + padding, self.stride, padding)
        if n is None:
            raise ReceptiveFieldError(
                f"branches with strides {self.stride} and {other.stride} meet; their union needs the input shape")
        (a_lo, a_hi), (b_lo, b_hi) = self.bounds(n), other.bounds(n)
        return Span.of_windows(zip(np.minimum(a_lo, b_lo).tolist(), np.maximum(a_hi, b_hi).tolist()))


def _one(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


__all__ = ["Span"]
