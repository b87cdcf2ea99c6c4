"""Receptive-field rules for window ops: convolution, pooling, adaptive pooling, padding.

A k-d window op acts on the last ``k`` tensor axes, whatever they carry
after permutes (a spatial part: its span is windowed; a channel-like axis:
only its size changes; several input axes flattened into one: no rule); a
convolution also mixes the axis before them, its channels.  Output sizes
follow torch's formulas, ``ceil_mode`` included; adaptive pooling uses
torch's windows exactly.  Same calling convention as
:mod:`expressivity.counts.receptive.rules`.
"""
from __future__ import annotations

import expressivity.counts.receptive.layout as lay
import expressivity.counts.receptive.reads as reads
from expressivity.counts.fields import ReceptiveFieldError
from expressivity.counts.receptive.layout import Value
from expressivity.counts.receptive.rules import Static, arg_at, no_rule, rules, tensor_arg


def _per_axis(value, k: int, where: str) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) != k:
            raise ReceptiveFieldError(f"{where}: expected {k} values per axis, got {tuple(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * k


def _window_size(n, k, s, p, d, where, ceil_mode=False):
    """torch's output size of a window op along one axis."""
    if n is None:
        return None
    span = n + 2 * p - d * (k - 1) - 1
    count = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (count - 1) * s >= n + p:  # torch drops a last window that starts in the padding
        count -= 1
    if count < 1:
        raise ReceptiveFieldError(f"{where}: window {k} (dilation {d}, padding {p}) is larger than the input size {n}")
    return count


# -- windows --------------------------------------------------------------------------

def _windows(ctx, value: Value, k: int, kernel, stride, padding, dilation, where, *, ceil_mode=False,
             channels=None) -> Value:
    """A k-d window op on the last k axes; a convolution gives its ``channels`` and mixes the axis before them.

    ``padding='same'`` pads ``d (k - 1) // 2`` on the left (the rest on the
    right, as torch does) and keeps the size.
    """
    if value.rank not in (k + 1, k + 2):
        raise ReceptiveFieldError(f"{where}: a {k}-d window op on a tensor of rank {value.rank}")
    kernel, dilation = _per_axis(kernel, k, where), _per_axis(dilation, k, where)
    stride = kernel if stride is None or stride == () or stride == [] else _per_axis(stride, k, where)
    same = padding == "same"
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * k
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ReceptiveFieldError(f"{where}: padding='same' needs stride 1")
            padding = tuple(d * (q - 1) // 2 for q, d in zip(kernel, dilation))  # torch pads total//2 on the left
        else:
            raise ReceptiveFieldError(f"{where}: unknown padding {padding!r}")
    padding = _per_axis(padding, k, where)
    for i in range(k):
        a = value.rank - k + i
        n_in = lay.extent(value.layout[a])
        n_out = n_in if same else _window_size(n_in, kernel[i], stride[i], padding[i], dilation[i], where, ceil_mode)
        value = reads.window(value, a, (kernel[i], stride[i], padding[i], dilation[i], n_out), ctx, where)
    if channels is not None:
        c = value.rank - k - 1
        value = reads.replace_axis(value, c, channels, ctx)
    return value


def _adaptive(ctx, value: Value, k: int, output_size, where) -> Value:
    if value.rank not in (k + 1, k + 2):
        raise ReceptiveFieldError(f"{where}: {k}-d adaptive pooling on a tensor of rank {value.rank}")
    target = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * k
    if len(target) != k:
        raise ReceptiveFieldError(f"{where}: expected {k} output sizes, got {tuple(target)}")
    for i, t in enumerate(target):
        a = value.rank - k + i
        n = lay.extent(value.layout[a])
        value = reads.adaptive(value, a, n if t is None else int(t), ctx, where)
    return value


def _conv_module(ctx, m, args, kwargs, where):
    value, padding = tensor_arg(args, where), m.padding
    mode = getattr(m, "padding_mode", "zeros")
    if mode != "zeros":  # torch pads first (the same amounts, 'same' included), then convolves without padding
        value, padding = _pad(ctx, value, m._reversed_padding_repeated_twice, mode, where), 0
    return _windows(ctx, value, len(m.kernel_size), m.kernel_size, m.stride, padding, m.dilation, where,
                    channels=m.out_channels)


def _max_pool_module(ctx, m, args, kwargs, where):
    k = int(type(m).__name__[-2])
    return _windows(ctx, tensor_arg(args, where), k, m.kernel_size, m.stride, m.padding, m.dilation, where,
                    ceil_mode=m.ceil_mode)


def _avg_pool_module(ctx, m, args, kwargs, where):
    k = int(type(m).__name__[-2])
    return _windows(ctx, tensor_arg(args, where), k, m.kernel_size, m.stride, m.padding, 1, where, ceil_mode=m.ceil_mode)


def _lp_pool_module(ctx, m, args, kwargs, where):
    k = int(type(m).__name__[-2])
    return _windows(ctx, tensor_arg(args, where), k, m.kernel_size, m.stride, 0, 1, where, ceil_mode=m.ceil_mode)


def _adaptive_module(ctx, m, args, kwargs, where):
    return _adaptive(ctx, tensor_arg(args, where), int(type(m).__name__[-2]), m.output_size, where)


_PAD_MODES = {"Reflection": "reflect", "Replication": "replicate", "Circular": "circular"}


def _pad_module(ctx, m, args, kwargs, where):
    mode = next((mode for prefix, mode in _PAD_MODES.items() if type(m).__name__.startswith(prefix)), "constant")
    return _pad(ctx, tensor_arg(args, where), m.padding, mode, where)


def _pad(ctx, value: Value, pad, mode, where):
    """``F.pad``: ``(left, right)`` pairs from the last axis backwards.

    Constant (zero) padding: position ``i`` reads ``i - left``, padding reads
    nothing.  Reflect, replicate and circular padding: a padding position
    reads the input position it copies (mirrored, clamped or wrapped), so the
    positions read are per-position intervals
    (:func:`~expressivity.counts.receptive.reads.pad`), exact at the border.
    """
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ReceptiveFieldError(f"{where}: padding mode {mode!r}: no rule")
    pad = list(pad) if isinstance(pad, (tuple, list)) else [pad] * (2 * (value.rank - 2))
    for i in range(len(pad) // 2):
        left, right = int(pad[2 * i]), int(pad[2 * i + 1])
        a = value.rank - 1 - i
        n = lay.extent(value.layout[a])
        if left < 0 or right < 0:
            raise ReceptiveFieldError(f"{where}: negative padding (cropping): no rule")
        if not (left or right):
            continue
        if mode == "constant":
            value = reads.window(value, a, (1, 1, left, 1, None if n is None else n + left + right), ctx, where)
        else:
            value = reads.pad(value, a, left, right, mode, ctx, where)
    return value


def _conv_function(ctx, op, args, kwargs, where):
    weight = arg_at(args, kwargs, 1, "weight")
    if not isinstance(weight, Static) or weight.shape is None:
        raise ReceptiveFieldError(f"{where}: a convolution whose weight depends on the input: no rule")
    k = len(weight.shape) - 2
    return _windows(ctx, tensor_arg(args, where), k, tuple(weight.shape[2:]), arg_at(args, kwargs, 3, "stride", 1),
                    arg_at(args, kwargs, 4, "padding", 0), arg_at(args, kwargs, 5, "dilation", 1), where,
                    channels=weight.shape[0])


def _pool_function(ctx, op, args, kwargs, where):
    k = int(op.split("_with_indices")[0][-2])
    value = tensor_arg(args, where)
    kernel = arg_at(args, kwargs, 1, "kernel_size")
    if op.startswith("lp_pool"):
        kernel = arg_at(args, kwargs, 2, "kernel_size")
        return _windows(ctx, value, k, kernel, arg_at(args, kwargs, 3, "stride"), 0, 1, where,
                        ceil_mode=bool(arg_at(args, kwargs, 4, "ceil_mode", False)))
    stride, padding = arg_at(args, kwargs, 2, "stride"), arg_at(args, kwargs, 3, "padding", 0)
    if op.startswith("max"):
        out = _windows(ctx, value, k, kernel, stride, padding, arg_at(args, kwargs, 4, "dilation", 1), where,
                       ceil_mode=bool(arg_at(args, kwargs, 5, "ceil_mode", False)))
        return (out, out) if op.endswith("with_indices") or arg_at(args, kwargs, 6, "return_indices", False) else out
    ceil_mode = bool(arg_at(args, kwargs, 4, "ceil_mode", False))
    return _windows(ctx, value, k, kernel, stride, padding, 1, where, ceil_mode=ceil_mode)


def _adaptive_function(ctx, op, args, kwargs, where):
    k = int(op.split("_with_indices")[0][-2])
    out = _adaptive(ctx, tensor_arg(args, where), k, arg_at(args, kwargs, 1, "output_size"), where)
    return (out, out) if op.endswith("with_indices") or arg_at(args, kwargs, 2, "return_indices", False) else out


def _pad_function(ctx, op, args, kwargs, where):
    pad, mode = arg_at(args, kwargs, 1, "pad"), arg_at(args, kwargs, 2, "mode", "constant")
    return _pad(ctx, tensor_arg(args, where), pad, mode, where)


FUNCTIONS = rules({
    "conv1d conv2d conv3d": _conv_function,
    "max_pool1d max_pool2d max_pool3d avg_pool1d avg_pool2d avg_pool3d lp_pool1d lp_pool2d "
    "max_pool1d_with_indices max_pool2d_with_indices max_pool3d_with_indices": _pool_function,
    "adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d "
    "adaptive_max_pool3d adaptive_max_pool1d_with_indices adaptive_max_pool2d_with_indices "
    "adaptive_max_pool3d_with_indices": _adaptive_function,
    "pad": _pad_function,
    "interpolate upsample upsample_nearest upsample_bilinear":
        no_rule("upsampling (each input position feeds several outputs)"),
    "conv_transpose1d conv_transpose2d conv_transpose3d": no_rule("transposed convolution"),
})

MODULES = rules({
    "Conv1d Conv2d Conv3d": _conv_module,
    "MaxPool1d MaxPool2d MaxPool3d": _max_pool_module,
    "AvgPool1d AvgPool2d AvgPool3d": _avg_pool_module,
    "LPPool1d LPPool2d LPPool3d": _lp_pool_module,
    "AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d":
        _adaptive_module,
    "ZeroPad1d ZeroPad2d ZeroPad3d ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d ReflectionPad2d "
    "ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d CircularPad1d CircularPad2d CircularPad3d":
        _pad_module,
    "Upsample UpsamplingNearest2d UpsamplingBilinear2d PixelShuffle PixelUnshuffle":
        no_rule("upsampling or pixel shuffling (positions and channels exchanged)"),
    "ConvTranspose1d ConvTranspose2d ConvTranspose3d": no_rule("transposed convolution"),
    "Fold Unfold": no_rule("fold/unfold (patches as channels)"),
})


__all__ = ["FUNCTIONS", "MODULES"]
