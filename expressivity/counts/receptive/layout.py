"""Which tensor axis carries which input spatial axis, through permutes, reshapes and mixing.

The tracer in :mod:`expressivity.counts.receptive.fx` gives every
input-dependent tensor a :class:`Value`:

* a *layout*: per tensor axis, a tuple of :class:`Part` factors in row-major
  order.  A part is the batch, channel-like (channels, features, heads: its
  positions index nothing of the input's grid), spatial (its positions are
  the grid positions along input axis ``d``; ``key = (d, tag)``), or a
  *segment* (a spatial axis concatenated with constant positions, e.g. a
  class token before the patch tokens).  ``flatten(2)`` after a convolution
  gives one axis of two spatial parts (a token is one patch); a reshape that
  splits channels into groups gives two channel-like parts.
* what every position reads, twice: the true dependence and the *local* one
  (values computed by mixing all positions of a spatial axis held constant).
  Each is a :class:`Reads`: a :class:`~expressivity.counts.receptive.span.Span` per
  spatial key carried by the layout (a *copy* of input axis ``d``: after
  ``q @ k.transpose(-2, -1)`` axis ``d`` is carried twice, by the query and
  by the key axis) and, per input axis, a *fixed* span that every position
  reads (what a reduction over that axis left behind).

An element's field along input axis ``d`` is the hull of what its copies of
``d`` read at its positions and of the fixed span.  This module holds the
model and the ops that only move positions (permute, flatten, reshape,
indexing); :mod:`expressivity.counts.receptive.reads` the ops that change
what positions read (windows, mixing, values meeting) and the resulting
:class:`~expressivity.counts.fields.Field`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Sequence

from expressivity.counts.fields import ReceptiveFieldError, axis_names
from expressivity.counts.receptive.span import Span


@dataclass(frozen=True)
class Part:
    """One factor of a tensor axis: ``extent`` positions (``None``: unknown)."""

    extent: int | None
    key: tuple | None = None  # (input axis d, copy tag) for a spatial part
    batch: bool = False
    segment: tuple | None = None  # (positions before, inner parts, positions after)

    def keys(self) -> list[tuple[tuple, int | None]]:
        """The spatial keys this part carries, each with its number of positions."""
        if self.key is not None:
            return [(self.key, self.extent)]
        if self.segment is not None:
            return [k for inner in self.segment[1] for k in inner.keys()]
        return []

    def structure(self) -> tuple:
        """The part without its copy tags (two parts with equal structures index alike)."""
        inner = None
        if self.segment is not None:
            inner = (self.segment[0], tuple(p.structure() for p in self.segment[1]), self.segment[2])
        return self.extent, None if self.key is None else self.key[0], self.batch, inner

    def retagged(self, tags: dict) -> "Part":
        if self.key is not None:
            return replace(self, key=(self.key[0], tags[self.key]))
        if self.segment is not None:
            before, inner, after = self.segment
            return replace(self, segment=(before, tuple(p.retagged(tags) for p in inner), after))
        return self


def extent(axis: Sequence[Part]) -> int | None:
    """Positions along a tensor axis (the product of its parts)."""
    values = [p.extent for p in axis]
    return None if None in values else math.prod(values)


def axis_keys(axis: Sequence[Part]) -> list[tuple[tuple, int | None]]:
    return [k for p in axis for k in p.keys()]


@dataclass
class Reads:
    """Per spatial key, what its positions read; per input axis, what every position reads."""

    spans: dict = field(default_factory=dict)
    fixed: dict = field(default_factory=dict)

    def copy(self) -> "Reads":
        return Reads(dict(self.spans), dict(self.fixed))

    def add_fixed(self, d: int, span: Span) -> None:
        self.fixed[d] = span if d not in self.fixed else self.fixed[d].union(span, 1)


@dataclass
class Value:
    """An input-dependent tensor: its layout, its true reads, its local reads (``None``: no local path)."""

    layout: tuple
    true: Reads
    local: Reads | None

    @property
    def rank(self) -> int:
        return len(self.layout)

    def shape(self) -> tuple:
        return tuple(extent(axis) for axis in self.layout)

    def reads(self) -> list[Reads]:
        """The true reads and, if any, the local reads."""
        return [self.true] + ([self.local] if self.local is not None else [])


@dataclass
class Context:
    """What every rule needs: the number of input spatial axes, their extents, fresh copy tags."""

    dims: int
    extents: tuple  # per input axis, or None entries when the input shape is not given
    tags: int = 0

    def fresh(self) -> int:
        self.tags += 1
        return self.tags


def start(ctx: Context, channels: int | None) -> Value:
    """The input: batch, channels, then one spatial axis per input axis."""
    layout = ((Part(1, batch=True),), (Part(channels),)) + tuple((Part(n, key=(d, 0)),) for d, n in enumerate(ctx.extents))
    spans = {(d, 0): Span(1, 1, 0, extent=ctx.extents[d]) for d in range(ctx.dims)}
    return Value(layout, Reads(dict(spans)), Reads(dict(spans)))


def normalise(axis, rank: int, where: str) -> int:
    """A possibly negative axis index as a non-negative one (negative dims count from the end)."""
    if not isinstance(axis, int) or not -rank <= axis < rank:
        raise ReceptiveFieldError(f"{where}: axis {axis!r} out of range for a tensor of rank {rank}")
    return axis + rank if axis < 0 else axis


def finish(value: Value, ctx: Context) -> Value | None:
    """Drop a local view that misses an input axis; ``None`` when the value reads no input at all."""
    def complete(reads: Reads) -> bool:
        carried = {key[0] for key in reads.spans}
        return all(d in carried or d in reads.fixed for d in range(ctx.dims))

    if not complete(value.true):
        return None
    if value.local is not None and not complete(value.local):
        value.local = None
    return value


# -- layout changes --------------------------------------------------------------------

def permute(value: Value, order: Sequence[int], where: str) -> Value:
    order = [normalise(a, value.rank, where) for a in order]
    if sorted(order) != list(range(value.rank)):
        raise ReceptiveFieldError(f"{where}: {tuple(order)} is not a permutation of {value.rank} axes")
    return replace(value, layout=tuple(value.layout[a] for a in order))


def flatten(value: Value, first: int, last: int, where: str) -> Value:
    if value.rank == 0:
        return replace(value, layout=((),))
    first, last = normalise(first, value.rank, where), normalise(last, value.rank, where)
    if first > last:
        raise ReceptiveFieldError(f"{where}: flatten from axis {first} to {last}")
    merged = tuple(p for axis in value.layout[first:last + 1] for p in axis)
    return replace(value, layout=value.layout[:first] + (merged,) + value.layout[last + 1:])


def unsqueeze(value: Value, a: int, where: str) -> Value:
    a = normalise(a, value.rank + 1, where)
    return replace(value, layout=value.layout[:a] + ((),) + value.layout[a:])


def squeeze(value: Value, axes, ctx: Context, where: str) -> Value:
    """Remove axes of one position (all of them when ``axes`` is ``None``)."""
    shape = value.shape()
    if axes is None:
        if None in shape:
            raise ReceptiveFieldError(f"{where}: squeeze needs the tensor's sizes; give the input shape")
        axes = [a for a, n in enumerate(shape) if n == 1]
    else:
        axes = [normalise(a, value.rank, where) for a in (axes if isinstance(axes, (tuple, list)) else [axes])]
        axes = [a for a in axes if shape[a] == 1]  # torch leaves axes of other sizes alone
    for a in sorted(axes, reverse=True):
        value = select(value, a, 0, ctx, where)
        if value is None:
            return None
    return value


def select(value: Value, a: int, index: int, ctx: Context, where: str) -> Value | None:
    """``x[..., index, ...]`` along tensor axis ``a``: the axis goes; its copies become fixed."""
    axis = value.layout[a]
    n = extent(axis)
    if axis_keys(axis) and n is None:
        raise ReceptiveFieldError(f"{where}: indexing a spatial axis needs its size; give the input shape")
    if n is not None:
        if not -n <= index < n:
            raise ReceptiveFieldError(f"{where}: index {index} out of range for {n} positions")
        index %= n
    true, local = value.true.copy(), value.local.copy() if value.local is not None else None
    for part, i in _digits(axis, index):
        select_part(part, i, true, local)
    return finish(Value(value.layout[:a] + value.layout[a + 1:], true, local), ctx)


def _digits(axis, index):
    """Each part's position for position ``index`` of the axis (row-major)."""
    digits = []
    for part in reversed(axis):
        if part.extent is None:  # only channel-like parts can be unknown here
            digits.append((part, 0))
            continue
        digits.append((part, index % part.extent))
        index //= part.extent
    return reversed(digits)


def select_part(part: Part, i: int, true: Reads, local: Reads | None) -> None:
    if part.key is not None:
        for reads in (true, local):
            if reads is not None and part.key in reads.spans:
                reads.add_fixed(part.key[0], reads.spans.pop(part.key).select(i))
    elif part.segment is not None:
        before, inner, _ = part.segment
        body = extent(inner)
        if before <= i < before + body:
            for sub, j in _digits(inner, i - before):
                select_part(sub, j, true, local)
        else:  # a constant position (a class token): it reads nothing of these copies
            for key, _ in part.keys():
                for reads in (true, local):
                    if reads is not None:
                        reads.spans.pop(key, None)


def take(value: Value, a: int, start: int, step: int, count: int, where: str) -> Value:
    """``x[..., start::step, ...]`` (``count`` positions) along tensor axis ``a``."""
    axis = value.layout[a]
    if not axis_keys(axis):
        return with_axis(value, a, (Part(count),))
    if len(axis) != 1 or axis[0].key is None:
        raise ReceptiveFieldError(f"{where}: slicing tensor axis {a}, which holds several parts: no rule")
    part = axis[0]
    value = with_axis(value, a, (replace(part, extent=count),))
    for reads in value.reads():
        if part.key in reads.spans:
            reads.spans[part.key] = reads.spans[part.key].take(start, step, count)
    return value


def reshape(value: Value, sizes: Sequence, ctx: Context, where: str) -> Value:
    """``view``/``reshape``: match the new sizes against the parts in row-major order.

    Channel-like parts merge and split freely; spatial parts may be merged
    (a token axis) or kept, never split across axes (no rule for window
    partitions).
    """
    sizes = list(sizes)
    parts = [p for axis in value.layout for p in axis]
    if any(p.extent is None for p in parts) or any(not isinstance(s, int) for s in sizes):
        raise ReceptiveFieldError(f"{where}: reshape needs the tensor's sizes; give the input shape")
    total = math.prod(p.extent for p in parts)
    if sizes.count(-1) > 1:
        raise ReceptiveFieldError(f"{where}: more than one -1 in {tuple(sizes)}")
    if -1 in sizes:
        rest = math.prod(s for s in sizes if s != -1)
        sizes[sizes.index(-1)] = total // rest if rest else 0
    if math.prod(sizes) != total:
        raise ReceptiveFieldError(f"{where}: cannot reshape {value.shape()} to {tuple(sizes)}")
    true, local = value.true.copy(), value.local.copy() if value.local is not None else None
    queue: list[Part] = []
    for p in parts:  # unit parts go (their copies become fixed); neighbouring channel parts merge
        if p.extent == 1 and not p.batch:
            select_part(p, 0, true, local)
        elif queue and _channel(p) and _channel(queue[-1]):
            queue[-1] = Part(queue[-1].extent * p.extent)
        else:
            queue.append(p)
    layout = []
    for s in sizes:
        axis, product = [], 1
        if s == 1 and queue and queue[0].batch:
            axis.append(queue.pop(0))
        while product < s:
            if not queue:
                raise ReceptiveFieldError(f"{where}: cannot reshape {value.shape()} to {tuple(sizes)}")
            p = queue.pop(0)
            if p.extent == 1:
                axis.append(p)
            elif s % (product * p.extent) == 0:
                axis.append(p)
                product *= p.extent
            elif _channel(p) and p.extent % (s // product) == 0:
                axis.append(Part(s // product))
                queue.insert(0, Part(p.extent // (s // product)))
                product = s
            else:
                raise ReceptiveFieldError(f"{where}: reshape to {tuple(sizes)} splits {describe_axis((p,), ctx.dims)} "
                                          f"({p.extent} positions) across axes: no rule")
        layout.append(tuple(axis))
    if any(p.extent != 1 for p in queue):
        raise ReceptiveFieldError(f"{where}: cannot reshape {value.shape()} to {tuple(sizes)}")
    return finish(Value(tuple(layout), true, local), ctx)


def _channel(p: Part) -> bool:
    return p.key is None and p.segment is None and not p.batch


def expand(value: Value, sizes: Sequence, ctx: Context, where: str) -> Value | None:
    """``expand``: axes of one position repeated (they index nothing of the input afterwards)."""
    sizes = list(sizes)
    if len(sizes) < value.rank:
        raise ReceptiveFieldError(f"{where}: expand to fewer axes than the tensor has")
    while value.rank < len(sizes):
        value = unsqueeze(value, 0, where)
    true, local = value.true.copy(), value.local.copy() if value.local is not None else None
    layout = list(value.layout)
    for a, s in enumerate(sizes):
        n = extent(layout[a])
        if s == -1 or s == n:
            continue
        if n != 1 or not isinstance(s, int):
            raise ReceptiveFieldError(f"{where}: expand of an axis of {n} positions to {s}")
        for part in layout[a]:
            select_part(part, 0, true, local)
        layout[a] = (Part(s),)
    return finish(Value(tuple(layout), true, local), ctx)


def with_axis(value: Value, a: int, parts: tuple) -> Value:
    layout = list(value.layout)
    layout[a] = parts
    return Value(tuple(layout), value.true.copy(), value.local.copy() if value.local is not None else None)


def describe_axis(axis: Sequence[Part], dims: int) -> str:
    """``N``, ``C``, ``H``, ``HW`` (flattened), ``*`` (concatenated), ``1`` (one position)."""
    names = axis_names(dims)
    text = ""
    for p in axis:
        letter = "N" if p.batch else names[p.key[0]] if p.key is not None else "*" if p.segment is not None else "C"
        if not (letter == "C" and text.endswith("C")):
            text += letter
    return text or "1"


__all__ = ["Context", "Part", "Reads", "Value", "axis_keys", "describe_axis", "expand", "extent", "finish", "flatten",
           "normalise", "permute", "reshape", "select", "select_part", "squeeze", "start", "take", "unsqueeze",
           "with_axis"]
