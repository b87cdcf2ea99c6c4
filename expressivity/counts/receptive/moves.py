"""Receptive-field rules for the torch ops that move positions: reshapes, permutes, indexing, concatenation, splits.

Same calling convention as :mod:`expressivity.counts.receptive.rules`; shape
queries (``x.size()``, ``x.shape``) answer with the sizes the input shape
gives, so that reshapes written with them can be followed.
"""
from __future__ import annotations

import math

import expressivity.counts.receptive.layout as lay
import expressivity.counts.receptive.reads as reads
from expressivity.counts.fields import ReceptiveFieldError
from expressivity.counts.receptive.layout import Value
from expressivity.counts.receptive.rules import Static, arg_at, size_list, transposed, tensor_arg, rules


# -- layout -----------------------------------------------------------------------------

def _shape_query(ctx, op, args, kwargs, where):
    value = tensor_arg(args, where)
    shape = value.shape()
    if op == "dim" or op == "ndimension":
        return value.rank
    if op == "numel":
        return None if None in shape else math.prod(shape)
    dim = arg_at(args, kwargs, 1, "dim")
    return shape if dim is None else shape[lay.normalise(dim, value.rank, where)]


def _getattr(ctx, op, args, kwargs, where):
    obj, name = args[0], args[1]
    if isinstance(obj, tuple) and name in ("values", "indices"):
        return obj[0 if name == "values" else 1]
    if not isinstance(obj, Value):
        return None
    if name == "shape":
        return obj.shape()
    if name == "T":
        return lay.permute(obj, list(reversed(range(obj.rank))), where)
    if name == "mT":
        return transposed(obj, ctx, where)
    if name in ("dtype", "device", "is_cuda", "requires_grad", "layout"):
        return None
    raise ReceptiveFieldError(f"no receptive-field rule for attribute .{name} of a tensor ({where})")


def _getitem(ctx, op, args, kwargs, where):
    obj, index = args[0], args[1]
    if isinstance(obj, (tuple, list)):
        return obj[index]
    if not isinstance(obj, Value):
        return None
    value = obj
    items = list(index) if isinstance(index, tuple) else [index]
    if any(isinstance(i, (Value, Static, list, bool)) for i in items):
        raise ReceptiveFieldError(f"{where}: indexing with a tensor, a list or a bool: no rule")
    used = sum(1 for i in items if i is not None and i is not Ellipsis)
    if used > value.rank:
        raise ReceptiveFieldError(f"{where}: {used} indices for a tensor of rank {value.rank}")
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at:at + 1] = [slice(None)] * (value.rank - used)
    a = 0
    for item in items:
        if value is None:
            return None
        if item is None:
            value = lay.unsqueeze(value, a, where)
            a += 1
        elif isinstance(item, int):
            value = lay.select(value, a, item, ctx, where)
        elif isinstance(item, slice):
            if item != slice(None):
                n = lay.extent(value.layout[a])
                if n is None or any(v is not None and not isinstance(v, int) for v in (item.start, item.stop, item.step)):
                    raise ReceptiveFieldError(f"{where}: slicing needs the tensor's sizes; give the input shape")
                first, stop, step = item.indices(n)
                value = lay.take(value, a, first, step, len(range(first, stop, step)), where)
            a += 1
        else:
            raise ReceptiveFieldError(f"{where}: index {item!r}: no rule")
    return value


def _flatten(ctx, op, args, kwargs, where):
    first, last = arg_at(args, kwargs, 1, "start_dim", 0), arg_at(args, kwargs, 2, "end_dim", -1)
    return lay.flatten(tensor_arg(args, where), first, last, where)


def _flatten_module(ctx, m, args, kwargs, where):
    return lay.flatten(tensor_arg(args, where), m.start_dim, m.end_dim, where)


def _unflatten(ctx, value: Value, dim, sizes, where):
    dim = lay.normalise(dim, value.rank, where)
    shape = list(value.shape())
    return lay.reshape(value, shape[:dim] + list(sizes) + shape[dim + 1:], ctx, where)


def _unflatten_function(ctx, op, args, kwargs, where):
    return _unflatten(ctx, tensor_arg(args, where), arg_at(args, kwargs, 1, "dim"), arg_at(args, kwargs, 2, "sizes"), where)


def _unflatten_module(ctx, m, args, kwargs, where):
    return _unflatten(ctx, tensor_arg(args, where), m.dim, m.unflattened_size, where)


def _reshape(ctx, op, args, kwargs, where):
    value = tensor_arg(args, where)
    if op in ("view_as", "reshape_as"):
        other = args[1]
        sizes = other.shape() if isinstance(other, Value) else other.shape
        if sizes is None:
            raise ReceptiveFieldError(f"{where}: the target's shape is unknown")
    else:
        sizes = size_list(args[1:]) if len(args) > 1 else size_list([kwargs.get("shape", kwargs.get("size"))])
    if any(not isinstance(s, int) for s in sizes):
        raise ReceptiveFieldError(f"{where}: reshape to sizes {tuple(sizes)} that are not all known; give the input shape")
    return lay.reshape(value, sizes, ctx, where)


def _permute(ctx, op, args, kwargs, where):
    value = tensor_arg(args, where)
    order = size_list(args[1:]) if len(args) > 1 else size_list([kwargs.get("dims")])
    return lay.permute(value, order, where)


def _transpose(ctx, op, args, kwargs, where):
    value = tensor_arg(args, where)
    if op == "t":
        if value.rank < 2:
            return value
        first, second = 0, 1
    else:
        first, second = (lay.normalise(arg_at(args, kwargs, i, name), value.rank, where)
                         for i, name in ((1, "dim0"), (2, "dim1")))
    order = list(range(value.rank))
    order[first], order[second] = order[second], order[first]
    return lay.permute(value, order, where)


def _movedim(ctx, op, args, kwargs, where):
    value = tensor_arg(args, where)
    source, destination = arg_at(args, kwargs, 1, "source"), arg_at(args, kwargs, 2, "destination")
    source, destination = ([lay.normalise(a, value.rank, where) for a in (v if isinstance(v, (tuple, list)) else [v])]
                           for v in (source, destination))
    order = [None] * value.rank
    for s, d in zip(source, destination):
        order[d] = s
    rest = iter(a for a in range(value.rank) if a not in source)
    order = [next(rest) if o is None else o for o in order]
    return lay.permute(value, order, where)


def _squeeze(ctx, op, args, kwargs, where):
    return lay.squeeze(tensor_arg(args, where), arg_at(args, kwargs, 1, "dim"), ctx, where)


def _unsqueeze(ctx, op, args, kwargs, where):
    return lay.unsqueeze(tensor_arg(args, where), arg_at(args, kwargs, 1, "dim"), where)


def _expand(ctx, op, args, kwargs, where):
    value = tensor_arg(args, where)
    if op == "expand_as":
        other = args[1]
        sizes = other.shape() if isinstance(other, Value) else other.shape
    else:
        sizes = size_list(args[1:]) if len(args) > 1 else size_list([kwargs.get("size")])
    if sizes is None or any(not isinstance(s, int) for s in sizes):
        raise ReceptiveFieldError(f"{where}: expand to sizes that are not all known; give the input shape")
    return lay.expand(value, sizes, ctx, where)


def _cat(ctx, op, args, kwargs, where):
    tensors = list(arg_at(args, kwargs, 0, "tensors"))
    dim = arg_at(args, kwargs, 1, "dim", 0)
    values = [t if isinstance(t, Value) else None for t in tensors]
    rank = next(v for v in values if v is not None).rank
    axis = lay.normalise(dim, rank, where)
    statics = [None if v is not None else (t.shape[axis] if isinstance(t, Static) and t.shape is not None else None)
               for v, t in zip(values, tensors)]
    return reads.concatenate(values, statics, axis, ctx, where)


def _chunk(ctx, op, args, kwargs, where):
    """``chunk``, ``split`` (slices along one axis) and ``unbind`` (every position along it)."""
    value = tensor_arg(args, where)
    dim = lay.normalise(arg_at(args, kwargs, 1 if op == "unbind" else 2, "dim", 0), value.rank, where)
    n = lay.extent(value.layout[dim])
    if n is None:
        raise ReceptiveFieldError(f"{where}: splitting needs the tensor's sizes; give the input shape")
    if op == "unbind":
        return tuple(lay.select(value, dim, i, ctx, where) for i in range(n))
    if op == "chunk":
        size = -(-n // int(arg_at(args, kwargs, 1, "chunks")))
        sections = [min(size, n - s) for s in range(0, n, size)]
    else:
        split = arg_at(args, kwargs, 1, "split_size_or_sections", arg_at(args, kwargs, 1, "split_size"))
        sections = list(split) if isinstance(split, (tuple, list)) else [min(split, n - s) for s in range(0, n, split)]
    starts = [sum(sections[:i]) for i in range(len(sections))]
    return tuple(lay.take(value, dim, s, 1, c, where) for s, c in zip(starts, sections))


def _static_like(ctx, op, args, kwargs, where):
    """``zeros_like`` and friends (same shape), ``new_zeros`` and friends (a given shape): no dependence on values."""
    value = args[0]
    if op.startswith("new_"):
        sizes = size_list(args[1:]) if len(args) > 1 else size_list([kwargs.get("size")])
        return Static(tuple(sizes) if all(isinstance(v, int) for v in sizes) else None)
    return Static(value.shape()) if isinstance(value, Value) else Static()


FUNCTIONS = rules({
    "size dim ndimension numel": _shape_query,
    "getattr": _getattr,
    "getitem": _getitem,
    "flatten": _flatten,
    "unflatten": _unflatten_function,
    "view reshape view_as reshape_as": _reshape,
    "permute": _permute,
    "transpose swapaxes swapdims t": _transpose,
    "movedim moveaxis": _movedim,
    "squeeze": _squeeze,
    "unsqueeze": _unsqueeze,
    "expand expand_as": _expand,
    "cat concat concatenate": _cat,
    "chunk split unbind": _chunk,
    "zeros_like ones_like empty_like full_like rand_like randn_like new_zeros new_ones new_empty new_full": _static_like,
})

MODULES = rules({
    "Flatten": _flatten_module,
    "Unflatten": _unflatten_module,
})


__all__ = ["FUNCTIONS", "MODULES"]
