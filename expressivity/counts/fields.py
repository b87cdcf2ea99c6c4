"""Receptive-field arithmetic along one axis: :class:`Span` (exact, per position) and :class:`Field` (per layer).

Along one input axis, the positions ``i = 0, 1, ...`` of a tensor axis read
the input positions ``i * stride - padding .. i * stride - padding + size - 1``
(the notation of Araujo, Norris and Sim, "Computing Receptive Fields of
Convolutional Neural Networks", Distill 2019; intervals are *unclipped*: a
position next to the border counts the padding it reads, as the literature
does).  A window op with kernel ``k``, stride ``s``, padding ``p`` and
dilation ``d`` maps ``(size, stride, padding) = (r, j, P)`` to::

    r' = r + d (k - 1) j,    j' = j s,    P' = P + p j

Stride 0 means every position reads the same interval, e.g. after a
reduction; *whole* means that interval is the entire input along the axis.
Where no single stride describes the positions (adaptive pooling from 14 to
4 positions, branches of different strides meeting) a :class:`Span` keeps the
interval of every position (``windows``), and a :class:`Field` reports the
largest size with stride and padding ``None`` ("irregular").
"""
from __future__ import annotations

from expressivity.errors import InputError

import dataclasses
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import sympy


class ReceptiveFieldError(InputError):
    """A module or graph node the analysis has no rule for, or cannot trace."""


# -- one axis, exactly ---------------------------------------------------------------

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
            if len(steps) == 1:
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


# -- one layer, per axis ----------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """What one output position reads, per input spatial axis (see the module docstring).

    ``size``, ``stride`` and ``padding`` are tuples over the input's spatial
    axes (ints, or sympy expressions for specs with symbols).  ``whole_axes``
    marks the axes along which every position reads the entire input (size:
    the input's extent, 0 when unknown; stride and padding 0); ``whole`` is
    true when that holds for every axis.  ``windows`` holds, for an
    *irregular* axis, the interval every position reads (its size is the
    largest, its stride and padding ``None``).

    >>> Field((5, 5), (1, 1), (0, 0))
    Field(size=(5, 5), stride=(1, 1), padding=(0, 0), whole=False)
    """

    size: tuple
    stride: tuple
    padding: tuple
    whole: bool = False
    whole_axes: tuple | None = dataclasses.field(default=None, repr=False)
    windows: tuple | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self):
        if self.whole_axes is None:
            object.__setattr__(self, "whole_axes", (self.whole,) * len(self.size))
        if self.windows is None:
            object.__setattr__(self, "windows", (None,) * len(self.size))

    @classmethod
    def identity(cls, dims: int) -> "Field":
        return cls((1,) * dims, (1,) * dims, (0,) * dims)

    @property
    def irregular(self) -> tuple[bool, ...]:
        """Per axis: no single stride describes the positions (see ``windows``)."""
        return tuple(s is None for s in self.stride)

    def window(self, kernel, stride, padding, dilation) -> "Field":
        """The field after a window op (all arguments per axis; symbols allowed).

        >>> Field.identity(1).window((3,), (1,), (0,), (1,)).window((3,), (1,), (0,), (1,))
        Field(size=(5,), stride=(1,), padding=(0,), whole=False)
        """
        if self.whole:
            return self
        if any(self.irregular):
            raise ReceptiveFieldError("Field.window applies to regular fields; irregular axes need the tracer's spans")
        return Field(
            tuple(r if w else r + d * (k - 1) * j
                  for r, k, d, j, w in zip(self.size, kernel, dilation, self.stride, self.whole_axes)),
            tuple(j if w else j * s for j, s, w in zip(self.stride, stride, self.whole_axes)),
            tuple(pad if w else pad + p * j for pad, p, j, w in zip(self.padding, padding, self.stride, self.whole_axes)),
            False, self.whole_axes,
        )

    def text(self, names: Sequence[str] | None = None) -> str:
        """``"5x5"``-style size, ``"whole input"``, or a size with notes on whole or irregular axes.

        >>> Field((3, 12), (1, 0), (0, 0), whole_axes=(False, True)).text()
        '3x12 (whole along W)'
        """
        names = list(names) if names is not None else axis_names(len(self.size))
        if self.whole:
            return "whole input" + (f" ({'x'.join(map(str, self.size))})" if all(self.size) else "")
        text = "x".join("?" if v == 0 and w else str(v) for v, w in zip(self.size, self.whole_axes))
        notes = []
        if any(self.whole_axes):
            notes.append("whole along " + ", ".join(n for n, w in zip(names, self.whole_axes) if w))
        if any(self.irregular):
            notes.append("irregular along " + ", ".join(n for n, i in zip(names, self.irregular) if i) + ": the largest")
        return text + (f" ({'; '.join(notes)})" if notes else "")

    def to_dict(self) -> dict[str, Any]:
        """Plain values: sizes, strides and paddings per axis (``None`` where whole or irregular)."""
        def plain(v):
            return str(v) if isinstance(v, sympy.Basic) else v

        return {
            "field": [plain(v) for v in self.size],
            "stride": None if self.whole else [None if w else plain(v) for v, w in zip(self.stride, self.whole_axes)],
            "padding": None if self.whole else [None if w else plain(v) for v, w in zip(self.padding, self.whole_axes)],
            "whole_input": self.whole,
            "whole_axes": list(self.whole_axes),
            "windows": [None if w is None else [list(pair) for pair in w] for w in self.windows],
        }


def axis_names(dims: int) -> list[str]:
    """Names of the input's spatial axes: ``L``; ``H, W``; ``D, H, W``; else ``S0, S1, ...``.

    >>> axis_names(2)
    ['H', 'W']
    """
    return {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}.get(dims, [f"S{i}" for i in range(dims)])


def _max(values):
    values = list(values)
    if all(isinstance(v, (int, np.integer)) for v in values):
        return max(values)
    return sympy.Max(*values)


def union(fields: Sequence[Field], where: str = "") -> Field:
    """The field of a node reading all of ``fields`` (branches meeting), for regular fields.

    With equal strides the union of the intervals: ``P = max P_b`` and
    ``size = max (size_b - P_b) + P``.  Symbols allowed.

    >>> union([Field((5,), (1,), (2,)), Field((1,), (1,), (0,))])
    Field(size=(5,), stride=(1,), padding=(2,), whole=False)
    >>> union([Field((3,), (2,), (1,)), Field((1,), (2,), (0,))])
    Field(size=(3,), stride=(2,), padding=(1,), whole=False)
    """
    fields = list(fields)
    if len(fields) == 1:
        return fields[0]
    if any(f.whole for f in fields):
        return [f for f in fields if f.whole][0]
    dims = len(fields[0].size)
    size, stride, padding, whole = [], [], [], []
    for a in range(dims):
        wholes = [f for f in fields if f.whole_axes[a]]
        if wholes:
            axis = (wholes[0].size[a], 0, 0, True)
        else:
            strides = {f.stride[a] for f in fields}
            if len(strides) != 1 or None in strides:
                raise ReceptiveFieldError(
                    f"branches with different strides {sorted(map(str, strides))} meet at {where or 'a node'}")
            pad = _max(f.padding[a] for f in fields)
            axis = (_max(f.size[a] - f.padding[a] for f in fields) + pad, strides.pop(), pad, False)
        for values, value in zip((size, stride, padding, whole), axis):
            values.append(value)
    return Field(tuple(size), tuple(stride), tuple(padding), all(whole), tuple(whole))


@dataclass(frozen=True)
class LayerField:
    """One graph node's receptive field.

    ``field`` is what one output position reads (the true dependence).
    ``local`` is the field when every value computed by mixing all positions
    along a spatial axis (global pooling, a mean, a squeeze-and-excite gate,
    normalisation statistics, attention over positions) is held constant:
    the field "through the main path"; ``None`` where no path avoids such a
    value.  ``output_size`` is the number of positions along each input
    spatial axis where each has its own; ``axes`` names the tensor's axes
    (``N`` batch, ``C`` channels or features, ``H``/``W`` spatial, ``HW`` both
    flattened into one, ``*`` positions concatenated with others);
    ``shape`` is the tensor's shape for a batch of one, where known.
    """

    name: str
    op: str
    field: Field
    output_size: tuple | None = None
    local: Field | None = None
    axes: tuple | None = None
    shape: tuple | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "op": self.op, **self.field.to_dict()}
        data["local"] = None if self.local is None else self.local.to_dict()
        data["axes"] = None if self.axes is None else list(self.axes)
        data["output_size"] = None if self.output_size is None else list(self.output_size)
        data["shape"] = None if self.shape is None or None in self.shape else list(self.shape)
        return data


__all__ = ["Field", "LayerField", "ReceptiveFieldError", "Span", "axis_names", "union"]
