"""Receptive fields: of every layer of a convolutional torch module, of a spec, of each unit of a LayeredNet.

Along one spatial axis, a layer's output position ``i`` reads the input
positions ``i * stride - padding .. i * stride - padding + size - 1``: its
*receptive field* ``size``, *effective stride* and *effective padding* (the
notation of Araujo, Norris and Sim, "Computing Receptive Fields of
Convolutional Neural Networks", Distill 2019).  A window op (convolution or
pooling) with kernel ``k``, stride ``s``, padding ``p`` and dilation ``d``
applied after a field ``(r, j, P)`` gives::

    r' = r + d (k - 1) j,    j' = j s,    P' = P + p j

Where branches meet (a residual addition, a concatenation along channels),
the output reads the union of what each branch reads: with equal strides the
union of the intervals, ``P = max P_b`` and ``size = max (size_b - P_b) + P``
("the largest over its paths", and correct even when branches are not
centred alike).  A node after which every output reads every input position
(flatten, linear, global pooling, a mean over space) is *global*.

Torch modules are traced with :mod:`torch.fx` and never run: spatial sizes,
needed only by adaptive pooling and global nodes, are propagated with the
same shape formulas torch uses.  Normalisation layers are treated as
pointwise (their statistics are ignored, as receptive-field tools do).
Anything without a rule stops the analysis with :class:`ReceptiveFieldError`
naming it, rather than guessing.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
import sympy


class ReceptiveFieldError(ValueError):
    """A module or graph node the analysis has no rule for, or cannot trace."""


@dataclass(frozen=True)
class Field:
    """What one output position reads, per spatial axis (see the module docstring).

    ``whole`` marks a value that depends on every input position; its
    ``size`` is then the input's size (when known) and stride/padding are 0.
    Entries are ints, or sympy expressions for specs with symbols.
    """

    size: tuple
    stride: tuple
    padding: tuple
    whole: bool = False

    @classmethod
    def identity(cls, dims: int) -> "Field":
        return cls((1,) * dims, (1,) * dims, (0,) * dims)

    def window(self, kernel, stride, padding, dilation) -> "Field":
        """The field after a window op (all arguments per axis).

        >>> Field.identity(1).window((3,), (1,), (0,), (1,)).window((3,), (1,), (0,), (1,))
        Field(size=(5,), stride=(1,), padding=(0,), whole=False)
        """
        if self.whole:
            return self
        return Field(
            tuple(r + d * (k - 1) * j for r, k, d, j in zip(self.size, kernel, dilation, self.stride)),
            tuple(j * s for j, s in zip(self.stride, stride)),
            tuple(pad + p * j for pad, p, j in zip(self.padding, padding, self.stride)),
        )

    def text(self) -> str:
        """``"5x5"``-style size, or ``"whole input"``."""
        if self.whole:
            return "whole input" + (f" ({'x'.join(map(str, self.size))})" if all(self.size) else "")
        return "x".join(str(v) for v in self.size)


def _max(values):
    values = list(values)
    if all(isinstance(v, (int, np.integer)) for v in values):
        return max(values)
    return sympy.Max(*values)


def union(fields: Sequence[Field], where: str = "") -> Field:
    """The field of a node reading all of ``fields`` (branches meeting).

    >>> union([Field((5,), (1,), (2,)), Field((1,), (1,), (0,))])
    Field(size=(5,), stride=(1,), padding=(2,), whole=False)
    >>> union([Field((3,), (2,), (1,)), Field((1,), (2,), (0,))])
    Field(size=(3,), stride=(2,), padding=(1,), whole=False)
    """
    fields = list(fields)
    if len(fields) == 1:
        return fields[0]
    if any(f.whole for f in fields):
        whole = [f for f in fields if f.whole][0]
        return whole
    dims = len(fields[0].size)
    strides = [f.stride for f in fields]
    if any(s != strides[0] for s in strides):
        raise ReceptiveFieldError(f"branches with different strides {sorted(set(strides))} meet at {where or 'a node'}")
    padding = tuple(_max(f.padding[a] for f in fields) for a in range(dims))
    size = tuple(_max(f.size[a] - f.padding[a] for f in fields) + padding[a] for a in range(dims))
    return Field(size, strides[0], padding)


@dataclass(frozen=True)
class LayerField:
    """One graph node's receptive field, with its spatial output size where known."""

    name: str
    op: str
    field: Field
    output_size: tuple | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "op": self.op,
            "field": [str(v) if isinstance(v, sympy.Basic) else v for v in self.field.size],
            "stride": None if self.field.whole else [str(v) if isinstance(v, sympy.Basic) else v for v in self.field.stride],
            "padding": None if self.field.whole else [str(v) if isinstance(v, sympy.Basic) else v for v in self.field.padding],
            "whole_input": self.field.whole,
            "output_size": None if self.output_size is None else list(self.output_size),
        }


# -- torch modules ------------------------------------------------------------------

def _tuple(value, dims: int) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) != dims:
            raise ReceptiveFieldError(f"expected {dims} values per axis, got {value}")
        return tuple(int(v) for v in value)
    return (int(value),) * dims


def _window_size(size, kernel, stride, padding, dilation, ceil_mode=False):
    """torch's output size of a window op along each axis."""
    if size is None:
        return None
    out = []
    for n, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        count = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (count - 1) * s >= n + p:  # torch drops a last window that starts in the padding
            count -= 1
        if count < 1:
            raise ReceptiveFieldError(f"window {k} (dilation {d}, padding {p}) is larger than the input size {n}")
        out.append(count)
    return tuple(out)


@dataclass
class _Value:
    field: Field
    size: tuple | None  # spatial size of this tensor, when known


def module_receptive_fields(module, input_shape: Sequence[int] | None = None) -> list[LayerField]:
    """The receptive field, effective stride and padding of every node of ``module``'s graph.

    ``input_shape`` is one input without the batch: ``(C, H, W)`` for 2-D
    convolutions.  Without it, the number of spatial axes comes from the
    first convolution or pooling module, and adaptive pooling (which depends
    on the input size) is an error.  The module is traced, never run.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.Conv2d(1, 1, 3, stride=2), nn.MaxPool2d(2))
    >>> [(f.name, f.field.text(), f.field.stride) for f in module_receptive_fields(net)]
    [('0', '3x3', (1, 1)), ('1', '3x3', (1, 1)), ('2', '5x5', (2, 2)), ('3', '7x7', (4, 4))]
    """
    import torch
    from torch import fx

    try:
        graph_module = fx.symbolic_trace(module)
    except Exception as error:  # the tracer raises many kinds; report the first line
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReceptiveFieldError(f"torch.fx cannot trace {type(module).__name__}: {message}") from None
    modules = dict(graph_module.named_modules())
    dims = len(input_shape) - 1 if input_shape is not None else _spatial_rank(modules.values())
    if dims < 1:
        raise ReceptiveFieldError(f"input shape {tuple(input_shape)} has no spatial axis (give C x H x W)")
    in_size = tuple(int(v) for v in input_shape[1:]) if input_shape is not None else None
    values: dict = {}
    layers: list[LayerField] = []
    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            if values:  # a second input: extra arguments are not spatial inputs
                values[node] = None
                continue
            values[node] = _Value(Field.identity(dims), in_size)
            continue
        if node.op == "get_attr" or node.op == "output":
            values[node] = None
            continue
        inputs = [values[arg] for arg in node.all_input_nodes if values.get(arg) is not None]
        if not inputs:
            values[node] = None
            continue
        if node.op == "call_module":
            target = modules[node.target]
            value = _module_rule(target, inputs, node, dims, in_size)
            op = type(target).__name__
        else:
            value = _function_rule(node, inputs, dims, in_size, graph_module, torch)
            op = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
        values[node] = value
        if value is not None:
            layers.append(LayerField(str(node.target) if node.op == "call_module" else node.name, str(op), value.field, value.size))
    return layers


def _spatial_rank(modules) -> int:
    from torch import nn

    for m in modules:
        for kinds, rank in (
            ((nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d), 1),
            ((nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d), 2),
            ((nn.Conv3d, nn.MaxPool3d, nn.AvgPool3d), 3),
        ):
            if isinstance(m, kinds):
                return rank
    raise ReceptiveFieldError("no convolution or pooling module to infer the spatial axes from (give the input shape)")


def _as_whole(dims: int, in_size) -> _Value:
    """A value that depends on every input position (its field is the input, when its size is known)."""
    size = tuple(in_size) if in_size is not None else (0,) * dims
    return _Value(Field(size, (0,) * dims, (0,) * dims, True), None)


def _single(inputs, node) -> _Value:
    if len(inputs) != 1:
        raise ReceptiveFieldError(f"{node.name} reads {len(inputs)} input-dependent tensors, expected one")
    return inputs[0]


def _window(value: _Value, kernel, stride, padding, dilation, dims, ceil_mode=False, where="") -> _Value:
    kernel, dilation = _tuple(kernel, dims), _tuple(dilation, dims)
    stride = kernel if stride is None or stride == () or stride == [] else _tuple(stride, dims)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * dims
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ReceptiveFieldError(f"{where}: padding='same' needs stride 1")
            padding = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))  # torch pads total//2 on the left
        else:
            raise ReceptiveFieldError(f"{where}: unknown padding {padding!r}")
    padding = _tuple(padding, dims)
    if value.field.whole:
        return value
    size = value.size
    if size is not None:
        if len(size) != dims:
            raise ReceptiveFieldError(f"{where}: {dims}-d window on a {len(size)}-d input")
        size = _window_size(size, kernel, stride, padding, dilation, ceil_mode)
    return _Value(value.field.window(kernel, stride, padding, dilation), size)


def _adaptive(value: _Value, output_size, dims, in_size, where) -> _Value:
    if value.field.whole:
        return value
    if value.size is None:
        raise ReceptiveFieldError(f"{where}: adaptive pooling depends on the input size; give the input shape")
    target = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * dims
    target = tuple(n if t is None else int(t) for t, n in zip(target, value.size))
    if target == tuple(value.size):
        return value  # keeps the size: one window per position, nothing changes
    kernel = []
    for n, t in zip(value.size, target):
        if n % t:
            raise ReceptiveFieldError(
                f"{where}: adaptive pooling from {n} to {t} positions has windows of unequal size and spacing "
                "(no single receptive field or stride)"
            )
        kernel.append(n // t)
    if all(t == 1 for t in target):
        return _Value(_as_whole(dims, in_size).field, target)  # global pooling: each output reads everything
    return _window(value, tuple(kernel), tuple(kernel), (0,) * dims, (1,) * dims, dims, where=where)


_POINTWISE_MODULES = (
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid",
    "Tanh", "Hardtanh", "Hardswish", "Hardsigmoid", "Hardshrink", "Softshrink", "Softplus", "Softsign",
    "Tanhshrink", "Threshold", "LogSigmoid", "Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
    "AlphaDropout", "FeatureAlphaDropout", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm",
    "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm",
)
_GLOBAL_MODULES = ("Flatten", "Linear", "Bilinear", "LazyLinear")


def _module_rule(target, inputs, node, dims, in_size) -> _Value:
    from torch import nn

    where = f"{node.target} ({type(target).__name__})"
    name = type(target).__name__
    if isinstance(target, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return _window(_single(inputs, node), target.kernel_size, target.stride, target.padding, target.dilation, dims, where=where)
    if isinstance(target, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)):
        return _window(_single(inputs, node), target.kernel_size, target.stride, target.padding, target.dilation, dims,
                       ceil_mode=target.ceil_mode, where=where)
    if isinstance(target, (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)):
        return _window(_single(inputs, node), target.kernel_size, target.stride, target.padding, 1, dims,
                       ceil_mode=target.ceil_mode, where=where)
    if isinstance(target, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
                           nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)):
        return _adaptive(_single(inputs, node), target.output_size, dims, in_size, where)
    if name in _POINTWISE_MODULES:
        return _single(inputs, node)
    if name in _GLOBAL_MODULES:
        return _as_whole(dims, in_size)
    raise ReceptiveFieldError(f"no receptive-field rule for module {where}")


_POINTWISE_FUNCTIONS = {
    "relu", "relu_", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "hardtanh", "hardswish", "hardsigmoid", "softplus", "dropout", "dropout2d", "batch_norm", "group_norm",
    "instance_norm", "contiguous", "clone", "float", "double", "half", "to", "detach", "type_as", "clamp",
    "clamp_min", "clamp_max", "abs", "neg", "exp", "log", "sqrt", "pow", "square", "sigmoid_",
}
_MERGE_FUNCTIONS = {"add", "add_", "iadd", "sub", "isub", "mul", "mul_", "imul", "truediv", "div", "maximum", "minimum", "max", "min"}
_GLOBAL_FUNCTIONS = {"flatten", "view", "reshape", "linear", "mean", "sum", "amax", "softmax", "log_softmax"}


def _function_rule(node, inputs, dims, in_size, graph_module, torch) -> _Value | None:
    import torch.nn.functional as F

    target = node.target
    name = target if isinstance(target, str) else getattr(target, "__name__", str(target))
    where = f"{node.name} ({name})"
    if name in ("size", "dim", "numel") or target is getattr:
        return None
    if target is operator.getitem:
        index = node.args[1]
        index = index if isinstance(index, tuple) else (index,)
        if all(isinstance(i, slice) and i == slice(None) for i in index[2:]) and not any(i is Ellipsis for i in index):
            return _single(inputs, node)
        raise ReceptiveFieldError(f"no receptive-field rule for indexing {where} along a spatial axis")
    if target in (torch.cat, torch.concat, torch.concatenate):
        axis = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
        if axis not in (1, -(dims + 1)):
            raise ReceptiveFieldError(f"{where}: concatenation along axis {axis}, not channels")
        return _merge(inputs, where, dims, in_size)
    if name in ("conv1d", "conv2d", "conv3d"):
        weight = _attribute(node.args[1] if len(node.args) > 1 else node.kwargs["weight"], graph_module)
        args = list(node.args) + [None] * 7
        stride = node.kwargs.get("stride", args[3] if args[3] is not None else 1)
        padding = node.kwargs.get("padding", args[4] if args[4] is not None else 0)
        dilation = node.kwargs.get("dilation", args[5] if args[5] is not None else 1)
        return _window(_single(inputs, node), tuple(weight.shape[2:]), stride, padding, dilation, dims, where=where)
    if name in ("max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
                "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices"):
        args = list(node.args) + [None] * 6
        kernel = node.kwargs.get("kernel_size", args[1])
        stride = node.kwargs.get("stride", args[2])
        padding = node.kwargs.get("padding", args[3] if args[3] is not None else 0)
        is_max = name.startswith("max")
        dilation = node.kwargs.get("dilation", args[4] if is_max and args[4] is not None else 1)
        ceil_mode = node.kwargs.get("ceil_mode", (args[5] if is_max else args[4]) or False)
        return _window(_single(inputs, node), kernel, stride, padding, dilation, dims, ceil_mode=bool(ceil_mode), where=where)
    if name.startswith("adaptive_") and "pool" in name:
        output_size = node.kwargs.get("output_size", node.args[1] if len(node.args) > 1 else None)
        return _adaptive(_single(inputs, node), output_size, dims, in_size, where)
    if name in _MERGE_FUNCTIONS or target in (torch.add, torch.mul, torch.sub, operator.add, operator.mul, operator.sub):
        return _merge(inputs, where, dims, in_size)
    if name in _POINTWISE_FUNCTIONS or target in (F.relu, torch.relu, F.dropout, F.batch_norm):
        return _single(inputs, node)
    if name in _GLOBAL_FUNCTIONS:
        if name in ("mean", "sum", "amax") and not _reduces_space(node, dims):
            return _single(inputs, node)
        return _as_whole(dims, in_size)
    raise ReceptiveFieldError(f"no receptive-field rule for {where}")


def _reduces_space(node, dims) -> bool:
    axes = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
    if axes is None:
        return True
    axes = axes if isinstance(axes, (tuple, list)) else (axes,)
    return any(a >= 2 or a < 0 for a in axes)


def _merge(inputs, where, dims, in_size) -> _Value:
    if any(v.field.whole for v in inputs):
        return _as_whole(dims, in_size)
    sizes = {v.size for v in inputs if v.size is not None}
    if len(sizes) > 1:
        raise ReceptiveFieldError(f"{where}: branches of spatial sizes {sorted(sizes)} meet")
    return _Value(union([v.field for v in inputs], where), next(iter(sizes)) if sizes else None)


def _attribute(node, graph_module):
    target = node.target
    value = graph_module
    for part in target.split("."):
        value = getattr(value, part)
    return value


# -- LayeredNet units ------------------------------------------------------------------

def unit_supports(net) -> list[sp.csr_array]:
    """For each hidden layer and the output, which input bits each unit depends on.

    Returns boolean ``(width, n_inputs)`` matrices: row ``u`` of entry ``l`` is
    the receptive field of unit ``u`` of hidden layer ``l + 1`` (the last entry
    is the output), read off the weights' sparsity pattern (a direct link
    adds its inputs to the output's field).

    >>> from expressivity.circuits.build import xor_tree
    >>> from expressivity.networks.compiler import compile_network
    >>> [sorted(set(m.sum(axis=1).tolist())) for m in unit_supports(compile_network(xor_tree(16)))]
    [[2], [4], [8], [16], [16]]
    """
    support = sp.identity(net.n_inputs, dtype=np.int64, format="csr")
    layers = []
    for weight in net.weights:
        pattern = sp.csr_array(weight != 0).astype(np.int64)
        support = sp.csr_array(pattern @ support)
        support.data[:] = 1
        layers.append(support.astype(bool))
    if net.skip is not None:
        direct = sp.csr_array(net.skip != 0)
        layers[-1] = sp.csr_array((layers[-1].astype(np.int64) + direct.astype(np.int64)) > 0)
    return layers


def unit_field_summary(net) -> list[dict[str, Any]]:
    """Per layer: units, and the smallest and largest number of input bits a unit depends on.

    >>> from expressivity.networks.shallow import minterm
    >>> unit_field_summary(minterm(3))
    [{'layer': 1, 'units': 4, 'min_bits': 3, 'max_bits': 3}, {'layer': 'output', 'units': 1, 'min_bits': 3, 'max_bits': 3}]
    """
    summary = []
    supports = unit_supports(net)
    for index, support in enumerate(supports):
        sizes = np.asarray(support.sum(axis=1)).ravel()
        summary.append({
            "layer": "output" if index == len(supports) - 1 else index + 1,
            "units": int(support.shape[0]),
            "min_bits": int(sizes.min()) if sizes.size else 0,
            "max_bits": int(sizes.max()) if sizes.size else 0,
        })
    return summary


__all__ = [
    "Field", "LayerField", "ReceptiveFieldError", "module_receptive_fields", "union", "unit_supports",
    "unit_field_summary",
]
