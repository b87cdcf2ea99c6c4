"""Receptive-field rules for the torch ops that compute: elementwise ops, mixing, normalisation, attention.

Each rule takes ``(ctx, op or module, args, kwargs, where)``, with the
node's arguments already evaluated (an input-dependent tensor is a
:class:`~expressivity.counts.receptive.layout.Value`, a constant tensor a
:class:`Static`), and returns the result's value; ``where`` names the node
and its op for the one-line errors.  :data:`FUNCTIONS` and :data:`MODULES`
map op names (functions, tensor methods and ``torch.nn`` module classes
alike) to rules; :mod:`expressivity.counts.receptive.windows` has the window
ops (convolution, pooling, padding) and
:mod:`expressivity.counts.receptive.moves` the ops that only move positions.
"""
from __future__ import annotations

from dataclasses import dataclass

import expressivity.counts.receptive.reads as reads
import expressivity.counts.receptive.layout as lay
from expressivity.counts.fields import ReceptiveFieldError
from expressivity.counts.receptive.layout import Value


@dataclass(frozen=True)
class Static:
    """A tensor that does not depend on the input (a parameter, a constant); its shape when known."""

    shape: tuple | None = None


def flat(items) -> list:
    out = []
    for item in items:
        if isinstance(item, (list, tuple)):
            out.extend(flat(item))
        elif isinstance(item, dict):
            out.extend(flat(list(item.values())))
        else:
            out.append(item)
    return out


# -- argument helpers -----------------------------------------------------------------

def arg_at(args, kwargs, index: int, name: str, default=None):
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else default


def size_list(items) -> list:
    """``view(2, 3)`` and ``view((2, 3))`` alike."""
    items = list(items)
    if len(items) == 1 and isinstance(items[0], (tuple, list)):
        return list(items[0])
    return items


def tensor_arg(args, where) -> Value:
    value = args[0]
    if not isinstance(value, Value):
        raise ReceptiveFieldError(f"{where}: the input-dependent tensor is not the first argument: no rule")
    return value


# -- elementwise, mixing, normalisation -------------------------------------------------

def _merge(ctx, op, args, kwargs, where):
    items = flat(list(args) + [kwargs])
    values = [v for v in items if isinstance(v, Value)]
    static = [v.shape for v in items if isinstance(v, Static) and v.shape is not None]
    return reads.merge(values, ctx, where, static)


def _first(ctx, op, args, kwargs, where):
    """Ops whose result depends on their first argument only (``to``, ``type_as``, ``contiguous``)."""
    return tensor_arg(args, where)


def _mix_named(ctx, value: Value, dims, where, mode: str, new_extent=None):
    axes = sorted({lay.normalise(a, value.rank, where) for a in (dims if isinstance(dims, (tuple, list)) else [dims])})
    return reads.mix(value, axes, ctx, mode=mode, new_extent=new_extent)


def _reduce(ctx, op, args, kwargs, where):
    value = tensor_arg(args, where)
    if op in ("max", "min"):
        second = arg_at(args, kwargs, 1, "dim")
        if isinstance(second, (Value, Static)):
            return _merge(ctx, op, args, kwargs, where)
    dims = arg_at(args, kwargs, 1, "dim")
    keepdim = arg_at(args, kwargs, 3 if op in ("std", "var") else 2, "keepdim", False)  # std(x, dim, unbiased, keepdim)
    out = _mix_named(ctx, value, list(range(value.rank)) if dims is None else dims, where,
                     "keep" if keepdim else "remove", 1)
    if op in ("max", "min", "median") and dims is not None:
        return (out, out)  # (values, indices), both read what the reduction reads
    return out


def _softmax(ctx, op, args, kwargs, where):
    dim = arg_at(args, kwargs, 1, "dim")
    if dim is None:
        raise ReceptiveFieldError(f"{where}: softmax without dim: no rule")
    return _mix_named(ctx, tensor_arg(args, where), dim, where, "statistic")


def _softmax_module(ctx, m, args, kwargs, where):
    dim = -3 if type(m).__name__ == "Softmax2d" else m.dim
    if dim is None:
        raise ReceptiveFieldError(f"{where}: softmax without dim: no rule")
    return _mix_named(ctx, tensor_arg(args, where), dim, where, "statistic")


def _statistic_axes(ctx, value: Value, first: int, where):
    return reads.mix(value, list(range(first, value.rank)), ctx, mode="statistic")


def _batch_norm_module(ctx, m, args, kwargs, where):
    value = tensor_arg(args, where)
    if m.running_mean is not None:  # eval mode: running statistics, an affine map per channel
        return value
    return reads.mix(value, [0] + list(range(2, value.rank)), ctx, mode="statistic")


def _instance_norm_module(ctx, m, args, kwargs, where):
    value = tensor_arg(args, where)
    if m.running_mean is not None:
        return value
    return _statistic_axes(ctx, value, value.rank - (int(type(m).__name__[-2])), where)


def _group_norm_module(ctx, m, args, kwargs, where):
    return _statistic_axes(ctx, tensor_arg(args, where), 1, where)


def _layer_norm_module(ctx, m, args, kwargs, where):
    value = tensor_arg(args, where)
    return _statistic_axes(ctx, value, value.rank - len(m.normalized_shape), where)


def _norm_function(ctx, op, args, kwargs, where):
    value = tensor_arg(args, where)
    if op in ("layer_norm", "rms_norm"):
        shape = arg_at(args, kwargs, 1, "normalized_shape")
        shape = shape if isinstance(shape, (tuple, list)) else (shape,)
        return _statistic_axes(ctx, value, value.rank - len(shape), where)
    if op == "group_norm":
        return _statistic_axes(ctx, value, 1, where)
    if op == "instance_norm":
        return _statistic_axes(ctx, value, 2, where) if arg_at(args, kwargs, 5, "use_input_stats", True) else value
    if op == "batch_norm":
        if arg_at(args, kwargs, 5, "training", False) or arg_at(args, kwargs, 1, "running_mean") is None:
            return reads.mix(value, [0] + list(range(2, value.rank)), ctx, mode="statistic")
        return value
    if op == "normalize":
        return _mix_named(ctx, value, arg_at(args, kwargs, 2, "dim", 1), where, "statistic")
    raise ReceptiveFieldError(f"no receptive-field rule for {where}")


def _channel_only(ctx, op_or_module, args, kwargs, where):
    """Ops that mix channels at each position (local response normalisation, channel shuffle)."""
    value = tensor_arg(args, where)
    if value.rank >= 2 and lay.axis_keys(value.layout[1]):
        raise ReceptiveFieldError(f"{where}: mixes tensor axis 1, which holds {lay.describe_axis(value.layout[1], ctx.dims)}")
    return value


def _linear_module(ctx, m, args, kwargs, where):
    value = tensor_arg(args, where)
    return reads.replace_axis(value, value.rank - 1, m.out_features, ctx)


def _linear_function(ctx, op, args, kwargs, where):
    weight = arg_at(args, kwargs, 1, "weight")
    if not isinstance(weight, Static):
        raise ReceptiveFieldError(f"{where}: a linear map whose weight depends on the input: no rule")
    value = tensor_arg(args, where)
    out = None if weight.shape is None else weight.shape[0]
    return reads.replace_axis(value, value.rank - 1, out, ctx)


def _bilinear_module(ctx, m, args, kwargs, where):
    values = [reads.replace_axis(v, v.rank - 1, m.out_features, ctx) for v in args[:2] if isinstance(v, Value)]
    return reads.merge(values, ctx, where)


def _operand(item) -> tuple[Value | None, tuple | None]:
    if isinstance(item, Value):
        return item, None
    return None, item.shape if isinstance(item, Static) else None


def transposed(item, ctx, where):
    if isinstance(item, Value):
        return lay.permute(item, list(range(item.rank - 2)) + [item.rank - 1, item.rank - 2], where)
    if isinstance(item, Static) and item.shape is not None and len(item.shape) >= 2:
        return Static(item.shape[:-2] + (item.shape[-1], item.shape[-2]))
    return Static()


def _matmul(ctx, op, args, kwargs, where):
    (left, left_shape), (right, right_shape) = _operand(args[0]), _operand(args[1])
    return reads.matmul(left, right, (left_shape, right_shape), ctx, where)


def _attention(ctx, query, key, value, where):
    """``softmax(q @ k^T) @ v``: returns (output, weights)."""
    def dot(a, b):
        (x, xs), (y, ys) = _operand(a), _operand(b)
        return reads.matmul(x, y, (xs, ys), ctx, where)

    scores = dot(query, transposed(key, ctx, where))
    if scores is None:
        raise ReceptiveFieldError(f"{where}: attention whose queries and keys do not depend on the input: no rule")
    weights = reads.mix(scores, [scores.rank - 1], ctx, mode="statistic")
    return dot(weights, value), weights


def _unmasked(masks: dict, where: str) -> None:
    """A mask (or ``is_causal``) restricts which positions attention reads: refused rather than over-approximated."""
    given = [name for name, mask in masks.items() if mask is not None and mask is not False]
    if given:
        raise ReceptiveFieldError(f"{where}: attention with {' and '.join(given)} (the mask restricts which positions "
                                  "are read): no rule")


def _sdpa(ctx, op, args, kwargs, where):
    _unmasked({"attn_mask": arg_at(args, kwargs, 3, "attn_mask"), "is_causal": arg_at(args, kwargs, 5, "is_causal")},
              where)
    out, _ = _attention(ctx, args[0], args[1], args[2], where)
    return out


def _mha_module(ctx, m, args, kwargs, where):
    names = ("query", "key", "value")
    q, k, v = (arg_at(args, kwargs, i, name) for i, name in enumerate(names))
    _unmasked({name: arg_at(args, kwargs, index, name)
               for name, index in (("key_padding_mask", 3), ("attn_mask", 5), ("is_causal", 7))}, where)
    swap = not m.batch_first and any(isinstance(x, Value) and x.rank == 3 for x in (q, k, v))

    def project(x):
        if not isinstance(x, Value):
            return x
        if swap:
            x = lay.permute(x, [1, 0, 2], where)
        return reads.replace_axis(x, x.rank - 1, m.embed_dim, ctx)

    out, weights = _attention(ctx, project(q), project(k), project(v), where)
    out = reads.replace_axis(out, out.rank - 1, m.embed_dim, ctx)
    if swap:
        out = lay.permute(out, [1, 0, 2], where)
    return out, (weights if arg_at(args, kwargs, 4, "need_weights", True) else None)


def no_rule(reason: str):
    def rule(ctx, op_or_module, args, kwargs, where):
        raise ReceptiveFieldError(f"{where}: {reason}: no rule")
    return rule


def rules(table: dict) -> dict:
    """``{"name other": rule}`` as ``{"name": rule, "other": rule}``."""
    out = {}
    for names, rule in table.items():
        for name in names.split():
            out[name] = rule
    return out


_POINTWISE = (
    "relu relu_ relu6 leaky_relu leaky_relu_ elu elu_ selu celu gelu silu mish sigmoid sigmoid_ tanh tanh_ hardtanh "
    "hardtanh_ hardswish hardsigmoid softplus softsign logsigmoid tanhshrink hardshrink softshrink threshold rrelu prelu "
    "abs abs_ neg exp exp_ log log_ log1p sqrt rsqrt square erf sin cos reciprocal sign floor ceil round "
    "clamp clamp_ clamp_min clamp_max clip nan_to_num dropout dropout_ dropout1d dropout2d dropout3d alpha_dropout "
    "feature_alpha_dropout stochastic_depth drop_path drop_block2d add add_ iadd sub sub_ isub rsub mul mul_ imul "
    "truediv itruediv div div_ floordiv mod pow pow_ maximum minimum fmax fmin where masked_fill masked_fill_ lerp "
    "addcmul addcdiv pos invert eq ne lt le gt ge and_ or_ xor logical_and logical_or logical_not bitwise_not"
)
_POINTWISE_MODULES = (
    "ReLU ReLU6 LeakyReLU PReLU RReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh Hardtanh Hardswish Hardsigmoid "
    "Hardshrink Softshrink Softplus Softsign Tanhshrink Threshold LogSigmoid Identity Dropout Dropout1d Dropout2d "
    "Dropout3d AlphaDropout FeatureAlphaDropout"
)

FUNCTIONS = rules({
    _POINTWISE: _merge,
    "contiguous clone detach detach_ float double half bfloat16 to type type_as requires_grad_": _first,
    "mean sum nansum nanmean prod amax amin std var logsumexp argmax argmin all any median max min": _reduce,
    "softmax log_softmax softmin": _softmax,
    "layer_norm rms_norm group_norm instance_norm batch_norm normalize": _norm_function,
    "local_response_norm channel_shuffle native_channel_shuffle": _channel_only,
    "linear": _linear_function,
    "matmul bmm mm": _matmul,
    "scaled_dot_product_attention": _sdpa,
    "einsum": no_rule("einsum (write it as matmul and permute)"),
    "stack": no_rule("stack (positions of a new axis come from different tensors)"),
    "roll flip": no_rule("positions reordered along an axis"),
    "cumsum cumprod cummax cummin": no_rule("a prefix scan along an axis"),
})

MODULES = rules({
    _POINTWISE_MODULES: lambda ctx, m, args, kwargs, where: _merge(ctx, None, args, kwargs, where),
    "Linear LazyLinear": _linear_module,
    "Bilinear": _bilinear_module,
    "Softmax LogSoftmax Softmin Softmax2d": _softmax_module,
    "BatchNorm1d BatchNorm2d BatchNorm3d SyncBatchNorm": _batch_norm_module,
    "InstanceNorm1d InstanceNorm2d InstanceNorm3d": _instance_norm_module,
    "GroupNorm": _group_norm_module,
    "LayerNorm RMSNorm": _layer_norm_module,
    "LocalResponseNorm CrossMapLRN2d ChannelShuffle": _channel_only,
    "MultiheadAttention": _mha_module,
})


__all__ = ["FUNCTIONS", "MODULES", "Static", "arg_at", "flat", "no_rule", "rules", "size_list", "tensor_arg", "transposed"]
