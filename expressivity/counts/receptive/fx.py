"""Receptive fields of torch modules: a torch.fx trace in eval mode, read with exact rules, never run.

:func:`module_receptive_fields` traces the module with :mod:`torch.fx` (in
eval mode: dropout and stochastic depth are the identity, batch
normalisation uses its running statistics, training-only branches such as
auxiliary heads are not traced; the module's own modes are restored), then
walks the graph once.  Every input-dependent tensor gets a
:class:`~expressivity.counts.receptive.layout.Value` (which tensor axis
carries which input axis, and what each position reads); shape arithmetic
(``x.size()``, ``x.shape[2] // p``) is evaluated on the sizes that the input
shape gives.  Rules:

* convolutions and pooling act on the last ``k`` axes (whatever they carry
  after permutes); a convolution mixes its channel axis;
* a position's field is the hull of the input positions it reads (see
  :mod:`expressivity.counts.fields`), exact at every position, the border
  included: zero padding (a convolution's ``padding``, ``ZeroPad``,
  ``ConstantPad``, ``F.pad(mode="constant")``) is read as nothing, so a
  dilated or strided window at the border reads only the taps that land
  inside; reflect, replicate and circular padding (the ``*Pad*d`` modules,
  ``F.pad`` modes, a convolution's ``padding_mode``) make each border
  position read the input position it copies.  The field keeps the
  literature's affine description (size, stride, padding) and adds
  per-position ``windows`` wherever that description, clipped to the input,
  is not every position's field;
* adaptive pooling uses torch's windows exactly (14 to 4 positions: sizes
  of 4, offsets 0, 3, 7, 10: an *irregular* axis);
* ``Linear`` mixes the last axis only: channels after a permute (nothing
  spatial changes), a spatial axis when applied to an NCHW tensor (whole
  along that axis only);
* reductions, softmax and ``matmul`` contractions mix the axes they name
  (negative axes count from the end); normalisation layers mix the axes
  their statistics cover (batch normalisation in eval mode: none);
* ``permute``, ``transpose``, ``flatten``, ``view``/``reshape`` (channels
  split or merged freely, spatial axes kept or merged, never split),
  ``squeeze``, indexing and slicing, ``cat`` and ``chunk`` move what each
  axis carries; elementwise ops broadcast and take the union;
* attention (``nn.MultiheadAttention``, ``scaled_dot_product_attention``,
  or ``softmax(q @ k.transpose(-2, -1)) @ v``) mixes the token axis: the
  whole input, which is the truth (with a mask or ``is_causal``: no rule);
* a squeeze-and-excite gate (global pooling, 1x1 convolutions, a sigmoid,
  multiplied into the feature map) makes every position read the whole
  input, which is the truth; the *local* field of each node (see
  :class:`~expressivity.counts.fields.LayerField`) is what it reads with
  such globally computed values held constant.

Anything else stops the analysis with a one-line
:class:`~expressivity.counts.fields.ReceptiveFieldError` naming the node and
its op, rather than guessing: upsampling, transposed convolutions,
``einsum``, window partitions that split a spatial axis (Swin, MaxViT),
positions concatenated from several tensors.  Without the input shape,
sizes are unknown: adaptive pooling (but to one position), reshapes and
slicing are refused, and a reduction over a spatial axis is reported as
the whole input along it.
"""
from __future__ import annotations

from typing import Sequence

import expressivity.counts.receptive.layout as lay
import expressivity.counts.receptive.moves as moves
import expressivity.counts.receptive.reads as reads
import expressivity.counts.receptive.rules as compute
import expressivity.counts.receptive.windows as windows
from expressivity.counts.fields import LayerField, ReceptiveFieldError
from expressivity.counts.receptive.layout import Context, Value
from expressivity.counts.receptive.rules import Static, flat, size_list


def module_receptive_fields(module, input_shape: Sequence[int] | None = None, *,
                            check_shape: bool = True) -> list[LayerField]:
    """The receptive field of every input-dependent node of ``module``'s graph (traced in eval mode).

    ``input_shape`` is one input without the batch: ``(C, H, W)`` for 2-D
    convolutions; a shape the module cannot take is refused first
    (:func:`check_input_shape`: one run on a fake tensor, no data; it costs
    a few times the trace, ``check_shape=False`` skips it).  Without
    it, the number of spatial axes comes from the first convolution or
    pooling module, and rules that need sizes (adaptive pooling, reshapes,
    reflect, replicate and circular padding) are errors.  The module is
    traced, never run on data; its training flags are restored.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.Conv2d(1, 1, 3, stride=2), nn.MaxPool2d(2))
    >>> [(f.name, f.field.text(), f.field.stride) for f in module_receptive_fields(net)]
    [('0', '3x3', (1, 1)), ('1', '3x3', (1, 1)), ('2', '5x5', (2, 2)), ('3', '7x7', (4, 4))]
    >>> head = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(10, 4))   # Linear on the last axis: W
    >>> module_receptive_fields(head, (1, 12, 12))[-1].field.text()
    '3x12 (whole along W)'
    """
    from torch import fx

    modes = {m: m.training for m in module.modules()}
    module.eval()
    try:
        if input_shape is not None and check_shape:
            check_input_shape(module, input_shape)
        try:
            graph_module = fx.symbolic_trace(module)
        except Exception as error:  # the tracer raises many kinds; report the first line
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ReceptiveFieldError(f"torch.fx cannot trace {type(module).__name__}: {message}") from None
    finally:
        for m, mode in modes.items():
            m.training = mode
    modules = dict(graph_module.named_modules())
    if input_shape is not None:
        dims = len(input_shape) - 1
        if dims < 1:
            raise ReceptiveFieldError(f"input shape {tuple(input_shape)} has no spatial axis (give C x H x W)")
        extents = tuple(int(v) for v in input_shape[1:])
        channels = int(input_shape[0])
    else:
        dims = _spatial_rank(modules.values())
        extents, channels = (None,) * dims, None
    ctx = Context(dims, extents)
    env: dict = {}
    layers: list[LayerField] = []
    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            first = not any(isinstance(v, Value) for v in env.values())
            env[node] = lay.start(ctx, channels) if first else Static()
            continue
        if node.op == "output":
            continue
        if node.op == "get_attr":
            env[node] = _attribute(graph_module, node.target)
            continue
        if node.op == "call_module":
            target = modules[node.target]
            op = type(target).__name__
            where = f"{node.target} ({op})"
        else:
            op = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
            where = f"{node.name} ({op})"
        value = _evaluate(node, env, ctx, modules, op, where)
        env[node] = value
        if isinstance(value, Value):
            field, local, output_size, axes, shape = reads.describe(value, ctx)
            name = str(node.target) if node.op == "call_module" else node.name
            layers.append(LayerField(name, str(op), field, output_size, local, axes, shape))
    return layers


def check_input_shape(module, input_shape: Sequence[int]) -> None:
    """Refuse an input shape the module cannot take: run it once on a fake tensor of that shape (no data).

    A run on the meta device, then where that fails, torch's
    ``FakeTensorMode``: both propagate shapes without allocating, so any
    size is checked in bounded memory and time; the module's own complaint
    (a channel count, a Linear's features, a window larger than the input)
    becomes a one-line :class:`~expressivity.counts.fields.ReceptiveFieldError`.
    Ops that fake tensors cannot run (data-dependent shapes, operators
    without a shape rule) leave the decision to the trace.

    Examples
    --------
    >>> from torch import nn
    >>> check_input_shape(nn.Conv2d(3, 4, 3), (1, 8, 8))
    Traceback (most recent call last):
    ...
    expressivity.counts.fields.ReceptiveFieldError: input shape 1x8x8: Conv2d cannot take it: Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 1, 8, 8] to have 3 channels, but got 1 channels instead
    """
    import logging
    import warnings

    import torch
    from torch._subclasses import fake_tensor

    shape = tuple(int(v) for v in input_shape)
    tensors = (*module.parameters(), *module.buffers())  # the input takes the module's float type (double, half)
    dtype = next((t.dtype for t in tensors if t.is_floating_point()), torch.get_default_dtype())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the check's own runs: torch's advice on the forward is not the user's
        if _runs_on_meta(module, shape, dtype):  # the fast path (a fifth of the fake run); only a pass is conclusive
            return
    undecided = (fake_tensor.UnsupportedOperatorException, fake_tensor.DynamicOutputShapeException,
                 fake_tensor.DataDependentOutputException, fake_tensor.UnsupportedFakeTensorException)
    log = logging.getLogger(fake_tensor.__name__)
    disabled, log.disabled = log.disabled, True  # it logs a traceback for every failing op; the message is enough
    try:
        with warnings.catch_warnings(), fake_tensor.FakeTensorMode(allow_non_fake_inputs=True), torch.no_grad():
            warnings.simplefilter("ignore")
            module(torch.zeros((1,) + shape, dtype=dtype))
    except undecided:
        return
    except Exception as error:  # any complaint of the module about this shape
        lines = str(error).strip().splitlines()
        message = lines[0] if lines else type(error).__name__
        raise ReceptiveFieldError(f"input shape {'x'.join(map(str, shape))}: {type(module).__name__} cannot take it: "
                                  f"{message}") from None
    finally:
        log.disabled = disabled


def _runs_on_meta(module, shape: tuple, dtype) -> bool:
    """Whether the module runs on a meta tensor of ``shape`` with its parameters and buffers on the meta device.

    A failure is not conclusive (a constant made on the CPU inside
    ``forward`` meets meta tensors), so it sends the check to fake tensors.
    """
    import torch
    from torch.func import functional_call

    state = {name: tensor.to("meta") for name, tensor in (*module.named_parameters(), *module.named_buffers())}
    try:
        with torch.no_grad():
            functional_call(module, state, (torch.zeros((1,) + shape, dtype=dtype, device="meta"),))
    except Exception:  # any failure: decided by the fake run
        return False
    return True


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


def _attribute(graph_module, target: str):
    import torch

    value = graph_module
    for part in target.split("."):
        value = getattr(value, part)
    return Static(tuple(value.shape)) if isinstance(value, torch.Tensor) else value


def _evaluate(node, env, ctx: Context, modules, op: str, where: str):
    try:
        return _apply(node, env, ctx, modules, op, where)
    except ReceptiveFieldError as error:
        if where in str(error):
            raise
        raise ReceptiveFieldError(f"{where}: {error}") from None  # a span's complaint: name the node
    except (TypeError, ValueError, IndexError, KeyError, AttributeError) as error:  # arguments no rule expected
        message = str(error).strip().splitlines()[0] if str(error).strip() else "(no message)"
        raise ReceptiveFieldError(f"{where}: arguments the rule does not handle ({type(error).__name__}: {message}): "
                                  "no rule") from error


def _apply(node, env, ctx: Context, modules, op: str, where: str):
    from torch import fx

    args = fx.node.map_arg(node.args, lambda n: env[n])
    kwargs = fx.node.map_arg(node.kwargs, lambda n: env[n])
    dependent = any(isinstance(v, Value) for v in flat(list(args) + [kwargs]))
    if node.op == "call_module":
        if not dependent:
            return Static()
        rule = MODULE_RULES.get(op)
        if rule is None:
            raise ReceptiveFieldError(f"no receptive-field rule for module {where}")
        return rule(ctx, modules[node.target], args, kwargs, where)
    if not dependent:
        return _constant(node, op, args, kwargs)
    rule = FUNCTION_RULES.get(op)
    if rule is None:
        raise ReceptiveFieldError(f"no receptive-field rule for {where}")
    return rule(ctx, op, args, kwargs, where)


def _constant(node, op, args, kwargs):
    """A node that reads no input: shape arithmetic (evaluated), or a constant tensor."""
    if node.op == "call_function" and node.target is getattr:
        obj, name = args[0], args[1]
        if isinstance(obj, Static):
            return obj.shape if name == "shape" else None
        return getattr(obj, name, None) if obj is not None else None
    if node.op == "call_function" and getattr(node.target, "__module__", None) in ("_operator", "builtins", "math"):
        if any(isinstance(v, Static) for v in flat(list(args))):
            return Static()
        try:
            return node.target(*args, **kwargs)
        except Exception:  # an unknown size (None) in the arithmetic: the result is unknown too
            return None
    if args and isinstance(args[0], Static):
        shape = args[0].shape
        if op in ("size", "dim"):
            if shape is None:
                return None
            return len(shape) if op == "dim" else shape if len(args) < 2 else shape[args[1]]
        if op == "expand" and shape is not None:
            sizes = size_list(args[1:])
            return Static(tuple(n if s == -1 else s for n, s in zip((None,) * (len(sizes) - len(shape)) + shape, sizes)))
    if op == "_assert":
        return None
    return Static()


FUNCTION_RULES = {**compute.FUNCTIONS, **windows.FUNCTIONS, **moves.FUNCTIONS}
MODULE_RULES = {**compute.MODULES, **windows.MODULES, **moves.MODULES}


__all__ = ["FUNCTION_RULES", "MODULE_RULES", "Static", "check_input_shape", "module_receptive_fields"]
