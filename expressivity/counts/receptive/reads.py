"""What positions read, through windows, mixing and values meeting; and the :class:`Field` of a value.

Works on the :class:`~expressivity.counts.receptive.layout.Value` model.  A
window op transforms the span of the spatial part it slides along; mixing a
tensor axis (Linear on it, a mean, softmax, a contraction, normalisation
statistics) turns the copies it carries into fixed spans: along a channel
axis that changes nothing, along a spatial axis it gives the whole input
there, which is the truth.  The local view drops what a mixing computed
(it is held constant) and keeps what a statistic normalises.  Values meet
(elementwise ops, concatenation, ``matmul``) axis by axis, with torch's
broadcasting: the union of what each reads.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from expressivity.counts.fields import Field, ReceptiveFieldError
from expressivity.counts.receptive.layout import (
    Context, Part, Reads, Value, axis_keys, describe_axis, extent, finish, normalise, select_part, with_axis,
)


# -- mixing ------------------------------------------------------------------------------

def mix(value: Value, axes: Sequence[int], ctx: Context, *, mode: str, new_extent=None) -> Value:
    """Every position reads all positions along ``axes`` (tensor axis indices).

    ``mode`` is ``"remove"`` (a reduction without keepdim), ``"keep"`` (the
    axis stays, each position now reads the union: softmax, a keepdim
    reduction, adaptive pooling to one position; ``new_extent`` its new
    size) or ``"statistic"`` (normalisation: each position reads itself and
    the statistics; the local view holds the statistics constant).
    """
    true = value.true.copy()
    local = value.local.copy() if value.local is not None else None
    layout = list(value.layout)
    for a in axes:
        single = len(layout[a]) == 1 and layout[a][0].key is not None
        for key, n in axis_keys(layout[a]):
            reduced = true.spans[key].reduce(n, ctx.extents[key[0]])
            if mode == "statistic":
                true.add_fixed(key[0], reduced)
                continue
            if mode == "keep" and single:
                true.spans[key] = reduced
            else:
                true.spans.pop(key)
                true.add_fixed(key[0], reduced)
            if local is not None:
                local.spans.pop(key, None)
        if mode == "keep":
            size = extent(layout[a]) if new_extent is None else new_extent
            layout[a] = (replace(layout[a][0], extent=size),) if single else (Part(size),)
    if mode == "remove":
        layout = [axis for a, axis in enumerate(layout) if a not in set(axes)]
    return finish(Value(tuple(layout), true, local), ctx)


def replace_axis(value: Value, a: int, new_extent, ctx: Context) -> Value:
    """Mix axis ``a`` and give it ``new_extent`` channel-like positions (Linear, a convolution's channels)."""
    mixed = mix(value, [a], ctx, mode="remove")
    return replace(mixed, layout=mixed.layout[:a] + ((Part(new_extent),),) + mixed.layout[a:])


def window(value: Value, a: int, op, ctx: Context, where: str) -> Value:
    """A window op along tensor axis ``a``; ``op`` is ``(kernel, stride, padding, dilation, n_out)``."""
    kernel, stride, padding, dilation, n_out = op
    axis = value.layout[a]
    n_in = extent(axis)
    if n_in is not None and n_out == 1 and dilation == 1 and kernel - 1 - padding >= n_in - 1:
        return mix(value, [a], ctx, mode="keep", new_extent=1)  # one window over every position: a reduction
    if len(axis) != 1 or axis[0].segment is not None:
        if not axis_keys(axis):
            return with_axis(value, a, (Part(n_out),))
        raise ReceptiveFieldError(f"{where}: a window along tensor axis {a}, which holds {describe_axis(axis, ctx.dims)} "
                                  "(several input axes flattened together): no rule")
    part = axis[0]
    if part.key is None:
        return with_axis(value, a, (replace(part, extent=n_out),))
    value = with_axis(value, a, (replace(part, extent=n_out),))
    d = part.key[0]
    alone = sum(1 for axis in value.layout for key, _ in axis_keys(axis) if key[0] == d) == 1
    done = {}  # the true and the local reads often share a span: compose it once
    for reads in value.reads():
        if part.key in reads.spans:
            span = reads.spans[part.key]
            if alone and d in reads.fixed and n_in is not None:
                # what every position reads joins each position's own: a position covering only zero padding reads nothing
                span = span.union(reads.fixed.pop(d), n_in)
            if span not in done:
                done[span] = span.window(kernel, stride, padding, dilation, n_in, n_out, ctx.extents[d])
            reads.spans[part.key] = done[span]
    return value


def pad_source(o: int, n: int, mode: str) -> int:
    """The position of ``n`` that position ``o`` (``0 <= o < n`` inside, else padding) copies.

    Examples
    --------
    >>> [pad_source(o, 4, "reflect") for o in range(-2, 6)], [pad_source(o, 4, "replicate") for o in (-2, 5)]
    ([2, 1, 0, 1, 2, 3, 2, 1], [0, 3])
    >>> [pad_source(o, 4, "circular") for o in (-2, -1, 4, 5)]
    [2, 3, 0, 1]
    """
    if mode == "reflect":
        return -o if o < 0 else 2 * (n - 1) - o if o >= n else o
    if mode == "replicate":
        return min(max(o, 0), n - 1)
    return o % n  # circular


def pad(value: Value, a: int, left: int, right: int, mode: str, ctx: Context, where: str) -> Value:
    """Padding that copies input positions (``mode``: reflect, replicate, circular) along tensor axis ``a``."""
    axis = value.layout[a]
    n = extent(axis)
    if not axis_keys(axis):
        return with_axis(value, a, (Part(None if n is None else n + left + right),))
    if len(axis) != 1 or axis[0].key is None:
        raise ReceptiveFieldError(f"{where}: {mode} padding along tensor axis {a}, which holds "
                                  f"{describe_axis(axis, ctx.dims)}: no rule")
    if n is None:
        raise ReceptiveFieldError(f"{where}: {mode} padding copies border positions; give the input shape")
    limit = n - 1 if mode == "reflect" else n if mode == "circular" else None
    if limit is not None and max(left, right) > limit:
        raise ReceptiveFieldError(f"{where}: {mode} padding of {max(left, right)} on {n} positions (torch allows "
                                  f"at most {limit})")
    sources = [pad_source(o - left, n, mode) for o in range(n + left + right)]
    part = axis[0]
    value = with_axis(value, a, (replace(part, extent=len(sources)),))
    for reads in value.reads():
        if part.key in reads.spans:
            try:
                reads.spans[part.key] = reads.spans[part.key].gather(sources, ctx.extents[part.key[0]])
            except ReceptiveFieldError as error:
                raise ReceptiveFieldError(f"{where}: {error}") from None
    return value


def adaptive(value: Value, a: int, n_out: int, ctx: Context, where: str) -> Value:
    """Adaptive pooling along tensor axis ``a`` to ``n_out`` positions (torch's windows, exactly)."""
    axis = value.layout[a]
    n_in = extent(axis)
    if n_out == 1:  # global pooling: whatever the size, every output reads every position
        return mix(value, [a], ctx, mode="keep", new_extent=1)
    if n_in is None:
        raise ReceptiveFieldError(f"{where}: adaptive pooling depends on the input size; give the input shape")
    if n_out == n_in:
        return value
    if not axis_keys(axis):
        return with_axis(value, a, (Part(n_out),))
    if len(axis) != 1 or axis[0].key is None:
        raise ReceptiveFieldError(f"{where}: adaptive pooling along tensor axis {a}, which holds "
                                  f"{describe_axis(axis, ctx.dims)}: no rule")
    part = axis[0]
    value = with_axis(value, a, (replace(part, extent=n_out),))
    for reads in value.reads():
        if part.key in reads.spans:
            reads.spans[part.key] = reads.spans[part.key].adaptive(n_in, n_out)
    return value


# -- values meeting ----------------------------------------------------------------------

def retag(value: Value, ctx: Context) -> Value:
    """The same value with fresh copy tags (two operands of one op must not share copies)."""
    tags = {key: ctx.fresh() for axis in value.layout for key, _ in axis_keys(axis)}
    layout = tuple(tuple(p.retagged(tags) for p in axis) for axis in value.layout)

    def moved(reads):
        if reads is None:
            return None
        return Reads({(k[0], tags[k]) if k in tags else k: s for k, s in reads.spans.items()}, dict(reads.fixed))

    return Value(layout, moved(value.true), moved(value.local))


def merge(values: Sequence[Value], ctx: Context, where: str, static: Sequence[tuple] = ()) -> Value:
    """Elementwise ops with broadcasting: each position reads the union of what the operands read there."""
    values = [values[0]] + [retag(v, ctx) for v in values[1:]]
    rank = max([v.rank for v in values] + [len(s) for s in static])
    layout, true, locals_ = [], Reads(), [v.local for v in values if v.local is not None]
    local = Reads() if locals_ else None
    for v in values:
        _absorb(true, v.true)
        if local is not None and v.local is not None:
            _absorb(local, v.local)
    for offset in range(rank, 0, -1):
        members = [(v, v.layout[v.rank - offset]) for v in values if v.rank >= offset]
        sizes = {extent(axis) for _, axis in members} | {s[len(s) - offset] for s in static if len(s) >= offset}
        known = {n for n in sizes if n is not None and n != 1}
        if len(known) > 1:
            raise ReceptiveFieldError(f"{where}: operands of sizes {sorted(known)} along one axis")
        size = known.pop() if known else (1 if sizes == {1} else None)
        carriers = []
        for v, axis in members:
            n = extent(axis)
            if n == 1 and size != 1 and axis_keys(axis):
                for part in axis:  # broadcast: every position reads what its single position reads
                    select_part(part, 0, true, local)
            elif axis_keys(axis):
                carriers.append(axis)
        if not carriers:
            layout.append(next((axis for _, axis in members if extent(axis) == size), (Part(size),)))
            continue
        first = carriers[0]
        for other in carriers[1:]:
            if [p.structure() for p in other] != [p.structure() for p in first]:
                raise ReceptiveFieldError(f"{where}: operands whose axis holds {describe_axis(first, ctx.dims)} "
                                          f"in one and {describe_axis(other, ctx.dims)} in another: no rule")
            for (key, n), (other_key, _) in zip(axis_keys(first), axis_keys(other)):
                for reads in (true, local):
                    if reads is not None and other_key in reads.spans:
                        span = reads.spans.pop(other_key)
                        reads.spans[key] = span if key not in reads.spans else reads.spans[key].union(span, n)
        layout.append(first)
    return finish(Value(tuple(layout), true, local), ctx)


def _absorb(into: Reads, reads: Reads) -> None:
    into.spans.update(reads.spans)
    for d, span in reads.fixed.items():
        into.add_fixed(d, span)


def concatenate(values: Sequence[Value | None], statics: Sequence[int | None], a: int, ctx: Context, where: str) -> Value:
    """``torch.cat`` along tensor axis ``a``: ``values`` in order, ``None`` for constants of ``statics[i]`` positions."""
    dependent = [v for v in values if v is not None]
    rank = dependent[0].rank
    a = normalise(a, rank, where)
    if not any(axis_keys(v.layout[a]) for v in dependent):
        sizes = [extent(v.layout[a]) if v is not None else s for v, s in zip(values, statics)]
        total = None if None in sizes else sum(sizes)
        parts = [replace(v, layout=v.layout[:a] + ((Part(1),),) + v.layout[a + 1:]) for v in dependent]
        merged = merge(parts, ctx, where)
        return with_axis(merged, a, (Part(total),))
    if len(dependent) != 1:
        raise ReceptiveFieldError(f"{where}: concatenating along tensor axis {a}, which holds "
                                  f"{describe_axis(dependent[0].layout[a], ctx.dims)}, from several inputs: no rule")
    value = dependent[0]
    if value.true.fixed or any(axis_keys(axis) for b, axis in enumerate(value.layout) if b != a):
        raise ReceptiveFieldError(f"{where}: constants concatenated along tensor axis {a} of a value that also reads "
                                  "the input through other axes: no rule")
    index = next(i for i, v in enumerate(values) if v is not None)
    before, after = statics[:index], statics[index + 1:]
    if None in before or None in after:
        raise ReceptiveFieldError(f"{where}: concatenated constants of unknown size")
    inner = value.layout[a]
    segment = Part(None if extent(inner) is None else sum(before) + extent(inner) + sum(after),
                   segment=(sum(before), inner, sum(after)))
    return with_axis(value, a, (segment,))


def matmul(left: Value | None, right: Value | None, shapes: tuple, ctx: Context, where: str) -> Value | None:
    """``left @ right`` (ranks of at least 2; ``None`` for a constant operand of shape ``shapes[i]``).

    The contracted axes are mixed; the result's rows come from ``left``'s
    rows and its columns from ``right``'s columns, each keeping its copies
    (``q @ k.transpose(-2, -1)`` carries every input axis twice).
    """
    operands, static = [], []
    for value, shape, contracted in ((left, shapes[0], -1), (right, shapes[1], -2)):
        if value is None:
            if shape is not None:
                if len(shape) < 2:
                    raise ReceptiveFieldError(f"{where}: matmul with a one-dimensional operand: no rule")
                shape = tuple(shape)
                static.append(shape[:-1] + (1,) if contracted == -1 else shape[:-2] + (1, shape[-1]))
            continue
        if value.rank < 2:
            raise ReceptiveFieldError(f"{where}: matmul with a one-dimensional operand: no rule")
        operands.append(mix(value, [value.rank + contracted], ctx, mode="keep", new_extent=1))
    return merge(operands, ctx, where, static) if operands else None


# -- what a value reads, as a Field -----------------------------------------------------------

def describe(value: Value, ctx: Context) -> tuple[Field, Field | None, tuple | None, tuple, tuple]:
    """The value's field, local field, grid size per input axis, axis names and shape."""
    carried = {}
    for axis in value.layout:
        for key, n in axis_keys(axis):
            carried[key] = n
    output_size = []
    for d in range(ctx.dims):
        plain = [p.extent for axis in value.layout for p in axis if p.key is not None and p.key[0] == d]
        copies = [k for k in carried if k[0] == d]
        output_size.append(plain[0] if len(plain) == 1 and len(copies) == 1 else None)
    local = None if value.local is None else _field(value.local, carried, ctx)
    names = tuple(describe_axis(axis, ctx.dims) for axis in value.layout)
    return (_field(value.true, carried, ctx), local, None if None in output_size else tuple(output_size),
            names, value.shape())


def _field(reads: Reads, carried: dict, ctx: Context) -> Field:
    axes = [_axis_field(reads, carried, ctx, d) for d in range(ctx.dims)]
    size, stride, padding, whole, windows = (tuple(column) for column in zip(*axes))
    return Field(size, stride, padding, all(whole), whole, windows)


def _axis_field(reads: Reads, carried: dict, ctx: Context, d: int) -> tuple:
    """``(size, stride, padding, whole, windows)`` along input axis ``d``."""
    copies = [(reads.spans[k], n) for k, n in carried.items() if k[0] == d and k in reads.spans]
    if d in reads.fixed:
        copies.append((reads.fixed[d], 1))
    if any(span.whole for span, _ in copies):
        return ctx.extents[d] or 0, 0, 0, True, None
    if len(copies) == 2 and copies[1][0].stride == 0 and copies[1][0].windows is None and copies[0][1] is not None:
        # a span every position shares joins the other copy position by position
        copies = [(copies[0][0].union(copies[1][0], copies[0][1]), copies[0][1])]
    if len(copies) == 1:
        span = copies[0][0]
        if span.regular:  # exact per position in windows where the affine description clipped is not
            return span.size, span.stride, span.padding, False, span.windows
        return span.largest(), None, None, False, span.windows
    return _largest_hull(copies), None, None, False, None


def _largest_hull(copies) -> int:
    """The largest hull over elements whose copies sit at independent positions (positions reading nothing skipped)."""
    bounds = []
    for span, n in copies:
        lows, highs = span.bounds(n if n is not None else 1)
        real = lows <= highs
        bounds.append((lows[real], highs[real]))
    bounds = [(lo, hi) for lo, hi in bounds if lo.size]
    if not bounds:
        return 0
    best = max(int((hi - lo).max()) for lo, hi in bounds)
    for i, (_, hi) in enumerate(bounds):
        for j, (lo, _) in enumerate(bounds):
            if i != j:
                best = max(best, int(hi.max()) - int(lo.min()))
    return best + 1


__all__ = ["adaptive", "concatenate", "describe", "matmul", "merge", "mix", "pad", "pad_source", "replace_axis", "retag",
           "window"]
