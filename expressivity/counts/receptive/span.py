"""What the positions of one tensor axis read along one input axis: :class:`Span`, exact per position.

*The field* of a position along an input axis is the hull of the input
positions it reads: from the first to the last input position its output
depends on (structurally), dilated holes included, as in the receptive-field
literature (Araujo, Norris and Sim, "Computing Receptive Fields of
Convolutional Neural Networks", Distill 2019).  Zero padding is read as
nothing: a position next to the border reads the real inputs its window
covers, and a position whose window covers only zero padding reads nothing.

The notation is :mod:`expressivity.counts.fields`'s: an *affine* span says
position ``i`` reads ``i * stride - padding .. i * stride - padding + size - 1``
(the literature's arithmetic, unclipped) and, with the input's extent known,
the field of position ``i`` is that interval clipped to the input (nothing
where the clipped interval is empty).  Where that does not hold at every
position (a dilated or strided window at the border, zero padding of a
strided axis, adaptive pooling, branches of different strides meeting,
border positions that read mirrored, clamped or wrapped inputs) a span keeps
every position's field in ``windows``: an inclusive ``(low, high)`` interval
inside the input, or ``None`` for a position that reads nothing.  A span
with both keeps its affine description for the centre and the summary.

Every op composes the fields exactly, position by position: the field of a
window position is the hull of the fields of the positions it covers that
read something (:meth:`Span.window`).  Without the input's extent only the
affine arithmetic is known, exact for the positions whose window lies inside
the input.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from expressivity.counts.fields import ReceptiveFieldError

_NOTHING = np.iinfo(np.int64).max // 4  # a position that reads nothing: low = _NOTHING > high = -_NOTHING


@dataclass(frozen=True)
class Span:
    """What positions ``0 .. n-1`` of one tensor axis read along one input axis (ints).

    Affine (``size``, ``stride``, ``padding``), explicit per position
    (``windows``, with ``size`` ``None`` where no affine description holds
    even at the centre), both, or ``whole`` (every position reads the entire
    input along the axis; ``size`` is the input's extent when known, else
    ``None``).  ``extent`` is the input's extent along the axis (``None``:
    unknown); with it, every position's field is exact (see the module
    docstring).

    Examples
    --------
    >>> Span(3, 1, 1).window((2,), (2,), (0,), (1,), 8, 4)
    Span(size=4, stride=2, padding=1, windows=None, whole=False)
    >>> Span(1, 1, 0).adaptive(14, 4).windows
    ((0, 3), (3, 6), (7, 10), (10, 13))
    >>> Span(3, 1, 0).reduce(10, 12)
    Span(size=12, stride=0, padding=0, windows=None, whole=True)

    A dilated window at the border: position 1 of ``Conv1d(k=3, dilation=2,
    padding=2)`` on 14 positions reads inputs 1 and 3 (its taps -1, 1, 3), so
    its field is ``(1, 3)``, not the clipped ``(0, 3)`` of the affine ``5, 1, 2``:

    >>> span = Span(1, 1, 0, extent=14).window((3,), (1,), (2,), (2,), 14, 14, 14)
    >>> (span.size, span.stride, span.padding), span.windows[:3], span.windows[-2:]
    ((5, 1, 2), ((0, 2), (1, 3), (0, 4)), ((10, 12), (11, 13)))
    """

    size: int | None = 1
    stride: int = 1
    padding: int = 0
    windows: tuple | None = None
    whole: bool = False
    extent: int | None = dataclasses.field(default=None, repr=False)

    @classmethod
    def entire(cls, extent: int | None) -> "Span":
        """Every position reads all ``extent`` input positions."""
        return cls(extent, 0, 0, None, True, extent)

    @property
    def regular(self) -> bool:
        """Whether an affine description (``size``, ``stride``, ``padding``) exists."""
        return not self.whole and self.size is not None

    @classmethod
    def of_windows(cls, windows: Sequence, extent: int | None = None) -> "Span":
        """The span with these per-position fields (``None``: reads nothing), affine where an affine span gives them.

        With the input's ``extent`` along the axis, fields inside
        ``0 .. extent-1`` that an affine span gives once clipped to the
        input are that span (the fields of a 3-wide window after reflect
        padding of 1 are those of zero padding): see :meth:`clipped_affine`.

        Examples
        --------
        >>> Span.of_windows([(0, 1), (0, 2), (1, 3), (2, 3)], 4)
        Span(size=3, stride=1, padding=1, windows=None, whole=False)
        >>> Span.of_windows([(2, 2), (1, 1), (0, 0), (1, 1)], 4).windows   # mirrored: irregular
        ((2, 2), (1, 1), (0, 0), (1, 1))
        """
        windows = tuple(None if w is None else (int(w[0]), int(w[1])) for w in windows)
        real = [w for w in windows if w is not None]
        if len(real) == len(windows) and real:
            sizes = {hi - lo for lo, hi in windows}
            if len(sizes) == 1:
                if len(windows) == 1:
                    return cls(windows[0][1] - windows[0][0] + 1, 0, -windows[0][0], extent=extent)
                steps = {b[0] - a[0] for a, b in zip(windows, windows[1:])}
                if len(steps) == 1 and min(steps) >= 0:  # a falling order (wrapped positions) stays explicit
                    return cls(windows[0][1] - windows[0][0] + 1, steps.pop(), -windows[0][0], extent=extent)
        inside = extent is not None and len(real) == len(windows) and all(0 <= lo and hi < extent for lo, hi in real)
        fitted = cls.clipped_affine(windows, extent) if inside else None
        return fitted if fitted is not None else cls(None, 0, 0, windows, extent=extent)

    @classmethod
    def clipped_affine(cls, windows: Sequence[tuple[int, int]], extent: int) -> "Span | None":
        """The affine span whose intervals, clipped to ``0 .. extent-1``, are ``windows`` clipped alike; else ``None``.

        Only a span of stride at least 1, padding at least 0 and whose last
        interval reaches the input's end (the shape zero padding gives).
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
        if padding < 0 or size < 1 or (len(clipped) - 1) * stride - padding + size - 1 < extent - 1:
            return None
        span = cls(size, stride, padding, extent=extent)
        return span if _same(span.bounds(len(clipped)), _arrays(clipped)) else None

    @classmethod
    def of_bounds(cls, lows: np.ndarray, highs: np.ndarray, extent: int | None, affine: "Span | None" = None) -> "Span":
        """The span with these exact per-position fields (``lows > highs``: reads nothing).

        ``affine`` is the literature's description of the same positions:
        returned where its fields clipped to the input are these at every
        position, else kept beside the explicit ``windows`` (where no affine
        span gives them either).
        """
        if affine is not None and affine.regular:
            affine = Span(affine.size, affine.stride, affine.padding, extent=extent)
            if _same(affine.bounds(len(lows)), (lows, highs)):
                return affine
        windows = tuple(None if lo > hi else (int(lo), int(hi)) for lo, hi in zip(lows.tolist(), highs.tolist()))
        fitted = cls.of_windows(windows, extent)
        if fitted.windows is None or affine is None or not affine.regular:
            return fitted
        return Span(affine.size, affine.stride, affine.padding, windows, extent=extent)

    def at(self, i: int) -> tuple[int, int] | None:
        """The field of position ``i``: inclusive ``(low, high)``, or ``None`` where it reads nothing."""
        lows, highs = self.bounds(i + 1)
        return None if lows[i] > highs[i] else (int(lows[i]), int(highs[i]))

    def bounds(self, n: int, extent: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Lows and highs of positions ``0 .. n-1`` as arrays (clipped to ``extent``, default the span's, when known).

        A position that reads nothing has ``low > high``.
        """
        extent = self.extent if extent is None else extent
        if self.whole:
            return np.zeros(n, dtype=np.int64), np.full(n, (self.size or 1) - 1, dtype=np.int64)
        if self.windows is not None:
            pairs = [(_NOTHING, -_NOTHING) if w is None else w for w in self.windows[:n]]
            array = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
            return array[:, 0].copy(), array[:, 1].copy()
        lows = np.arange(n, dtype=np.int64) * self.stride - self.padding
        highs = lows + (self.size - 1)
        if extent is not None:
            lows, highs = np.maximum(lows, 0), np.minimum(highs, extent - 1)
            nothing = lows > highs
            lows[nothing], highs[nothing] = _NOTHING, -_NOTHING
        return lows, highs

    def largest(self) -> int | None:
        """The largest number of input positions one position spans: the affine size, else the largest field."""
        if self.regular:
            return self.size
        sizes = [hi - lo + 1 for lo, hi in (w for w in self.windows if w is not None)]
        return max(sizes) if sizes else 0

    def window(self, kernel, stride, padding, dilation, n_in: int | None, n_out: int | None,
               extent: int | None = None) -> "Span":
        """After a window op along this axis (kernel, stride, padding, dilation: ints; ``extent``: the input's).

        Output ``o`` covers positions ``o s - p + d u`` (``u < k``); those
        outside ``0 .. n_in-1`` are zero padding and read nothing.  Its field
        is the hull of the fields of the covered positions (exact, with the
        sizes known); the affine part follows the literature's
        ``r' = r + d (k - 1) j``, ``j' = j s``, ``P' = P + p j``.
        """
        (k,), (s,), (p,), (d,) = (_one(v) for v in (kernel, stride, padding, dilation))
        extent = self.extent if extent is None else extent
        if self.whole and (n_in is None or n_out is None or extent is None):
            return self
        affine = (Span(self.size + d * (k - 1) * self.stride, self.stride * s, self.padding + p * self.stride,
                       extent=extent) if self.regular else None)
        if n_in is None or n_out is None or extent is None:
            if affine is None or self.windows is not None:
                raise ReceptiveFieldError("a window op after irregular positions needs the input shape")
            return affine
        if self.windows is None and not self.whole and _affine_holds(self, affine, (k, s, p, d), n_in, n_out, extent):
            return affine
        lows, highs = self.bounds(n_in, extent)
        if self.whole:  # every position reads the whole input, but one that covers only zero padding reads nothing
            affine, lows, highs = None, np.zeros(n_in, dtype=np.int64), np.full(n_in, extent - 1, dtype=np.int64)
        taps = np.arange(n_out, dtype=np.int64)[:, None] * s - p + d * np.arange(k, dtype=np.int64)[None, :]
        inside = (taps >= 0) & (taps < n_in)
        taps = np.clip(taps, 0, n_in - 1)
        new_lows = np.where(inside, lows[taps], _NOTHING).min(axis=1)
        new_highs = np.where(inside, highs[taps], -_NOTHING).max(axis=1)
        if self.whole and bool(inside.any(axis=1).all()):
            return self
        return Span.of_bounds(new_lows, new_highs, extent, affine)

    def gather(self, sources: Sequence[int], extent: int) -> "Span":
        """Position ``o`` reads what position ``sources[o]`` read (reflect, replicate and circular padding).

        A copy of a position that reads nothing (zero padding) reads nothing.

        Examples
        --------
        >>> Span(1, 1, 0).gather([2, 1, 0, 1, 2, 3, 2, 1], 4).windows   # ReflectionPad1d(2) on 4 positions
        ((2, 2), (1, 1), (0, 0), (1, 1), (2, 2), (3, 3), (2, 2), (1, 1))
        """
        if self.whole:
            return self
        lows, highs = self.bounds(max(sources) + 1, extent)  # nothing copies as nothing
        sources = np.asarray(sources, dtype=np.int64)
        return Span.of_bounds(lows[sources], highs[sources], extent)

    def adaptive(self, n_in: int, n_out: int) -> "Span":
        """After adaptive pooling from ``n_in`` to ``n_out`` positions (torch's windows).

        Output ``i`` pools positions ``floor(i n_in / n_out) .. ceil((i + 1) n_in / n_out) - 1``.
        """
        if self.whole:
            return self
        lows, highs = self.bounds(n_in)
        starts = [(i * n_in) // n_out for i in range(n_out)]
        stops = [-(-((i + 1) * n_in) // n_out) for i in range(n_out)]
        new_lows = np.array([lows[a:b].min() for a, b in zip(starts, stops)], dtype=np.int64)
        new_highs = np.array([highs[a:b].max() for a, b in zip(starts, stops)], dtype=np.int64)
        if self.extent is None:
            return Span.of_windows(zip(new_lows.tolist(), new_highs.tolist()))
        return Span.of_bounds(new_lows, new_highs, self.extent)

    def reduce(self, n: int | None, extent: int | None) -> "Span":
        """What every position reads after mixing all ``n`` positions (clipped to the input's ``extent``)."""
        if self.whole:
            return self
        if n is None or extent is None:
            return Span.entire(extent)  # without sizes: assumed to cover the input (documented)
        lows, highs = self.bounds(n, extent)
        low, high = int(lows.min()), int(highs.max())
        if low > high:
            raise ReceptiveFieldError("every position mixed reads only zero padding (the value is a constant): no rule")
        if low == 0 and high == extent - 1:
            return Span.entire(extent)
        return Span(high - low + 1, 0, -low, extent=extent)

    def select(self, i: int) -> "Span":
        """What position ``i`` reads, as a span every position shares."""
        if self.whole:
            return self
        field = self.at(i)
        if field is None:
            raise ReceptiveFieldError(f"position {i}, which reads only zero padding, is selected: no rule")
        low, high = field
        return Span(high - low + 1, 0, -low, extent=self.extent)

    def take(self, start: int, step: int, count: int) -> "Span":
        """Positions ``start, start + step, ...`` (``count`` of them), renumbered from 0."""
        if self.whole:
            return self
        affine = Span(self.size, self.stride * step, self.padding - start * self.stride,
                      extent=self.extent) if self.regular else None
        if self.windows is None:
            return affine
        lows, highs = self.bounds(len(self.windows))
        return Span.of_bounds(lows[start::step][:count], highs[start::step][:count], self.extent, affine)

    def union(self, other: "Span", n: int | None) -> "Span":
        """Position by position, the hull of what ``self`` and ``other`` read (``n`` positions)."""
        if self.whole or other.whole:
            return self if self.whole else other
        extent = self.extent if self.extent is not None else other.extent
        affine = None
        if self.regular and other.regular and self.stride == other.stride:
            padding = max(self.padding, other.padding)
            affine = Span(max(self.size - self.padding, other.size - other.padding) + padding, self.stride, padding,
                          extent=extent)
        if affine is not None and extent is None and self.windows is None and other.windows is None:
            return affine
        if n is None:
            raise ReceptiveFieldError(
                f"branches with strides {self.stride} and {other.stride} meet; their union needs the input shape")
        (a_lo, a_hi) = self.bounds(n, extent)
        (b_lo, b_hi) = other.bounds(n, extent)
        if extent is None:  # unclipped, the literature's intervals
            return Span.of_windows(zip(np.minimum(a_lo, b_lo).tolist(), np.maximum(a_hi, b_hi).tolist()))
        return Span.of_bounds(np.minimum(a_lo, b_lo), np.maximum(a_hi, b_hi), extent, affine)


def _affine_holds(span: Span, affine: Span, op: tuple, n_in: int, n_out: int, extent: int) -> bool:
    """Whether ``affine`` (the composition of the affine ``span`` with window ``op``), clipped, is every output's field.

    An output whose taps all land on positions that read something has it:
    clipping to the input commutes with the hull, and the first and last
    taps give the affine ends.  So only the outputs near either end (a tap
    in the padding or on a position that reads nothing) are checked, with
    ints; ``False`` (not known) where there are many of them.
    """
    k, s, p, d = op
    r, j, pad = span.size, span.stride, span.padding
    if j == 0:
        reads = pad - r + 1 <= 0 <= pad + extent - 1  # the one interval -pad .. -pad + r - 1 meets the input
        first, last = (0, n_in - 1) if reads else (0, -1)
    else:
        first, last = max(0, -(-(pad - r + 1) // j)), min(n_in - 1, (extent - 1 + pad) // j)
    if first > last:
        return False
    left = range(0, min(n_out, max(0, (first + p - 1) // s + 1)))  # the first tap before `first`
    right = range(max(left.stop, (last + p - d * (k - 1)) // s + 1), n_out)  # the last tap after `last`
    if len(left) + len(right) > 64:
        return False
    for o in (*left, *right):
        taps = [m for m in range(o * s - p, o * s - p + d * (k - 1) + 1, d) if first <= m <= last]
        low = o * affine.stride - affine.padding
        low, high = max(low, 0), min(low + affine.size - 1, extent - 1)
        if not taps:
            if low <= high:
                return False
            continue
        if (low, high) != (max(taps[0] * j - pad, 0), min(taps[-1] * j - pad + r - 1, extent - 1)):
            return False
    return True


def _arrays(pairs) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray(list(pairs), dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1]


def _same(first: tuple, second: tuple) -> bool:
    """Equal fields position by position (a position that reads nothing is always ``(_NOTHING, -_NOTHING)``)."""
    return bool(np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1]))


def _one(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


__all__ = ["Span"]
