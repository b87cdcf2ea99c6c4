"""Receptive fields against an independent ground truth: the support of an input gradient.

The reference never reads a kernel size: it makes a linear copy of the network
(ReLU -> identity, max-pool -> average-pool, every weight positive, float64),
back-propagates from one output position, and reads the field, the stride and
the padding off the rows and columns where the input gradient is nonzero.
Positive weights and linear layers mean no cancellation: the gradient is
nonzero exactly where the output depends on the input.  Where a block is not
linear (a gate multiplies two paths, softmax, layer normalisation) the input is
random and the output elements are weighted at random, so a gradient entry
vanishes only where the dependence does.

The constructs of issue 9 (permutes, patch tokens, channel shuffles,
squeeze-and-excite gates, stochastic depth, adaptive pooling whose output does
not divide its input, Linear on an NCHW tensor, reductions over negative axes,
a factory in training mode) are small equivalents of the torchvision models
that use them; each is checked position by position against
:func:`support_hull`.
"""
from __future__ import annotations

import copy
import itertools
import warnings
from collections import namedtuple

import numpy as np
import pytest
import sympy
import torch
import torch.nn.functional as F
from torch import nn

from expressivity.circuits.build import parity_dnf, xor_chain, xor_tree
from expressivity.circuits.metrics import supports
from expressivity.counts.receptive import (
    ReceptiveFieldError, module_receptive_fields, unit_field_summary, unit_supports, xor_tree_unit_fields,
    xor_tree_unit_inputs,
)
from expressivity.counts.spec import parse_spec
from expressivity.networks.compiler import compile_network


# -- the ground truth -------------------------------------------------------------------

def linear_copy(module: nn.Module) -> nn.Module:
    twin = copy.deepcopy(module).double().eval()
    for name, child in list(twin.named_modules()):
        for attribute, sub in list(child.named_children()):
            if isinstance(sub, (nn.ReLU, nn.BatchNorm2d, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.SiLU, nn.GELU)):
                setattr(child, attribute, nn.Identity())  # a saturating activation would hide a dependence
            elif isinstance(sub, nn.MaxPool2d):
                setattr(child, attribute, nn.AvgPool2d(sub.kernel_size, sub.stride, sub.padding, ceil_mode=sub.ceil_mode))
            elif isinstance(sub, nn.AdaptiveMaxPool2d):
                setattr(child, attribute, nn.AdaptiveAvgPool2d(sub.output_size))
    with torch.no_grad():
        for parameter in twin.parameters():
            parameter.copy_(torch.rand_like(parameter) + 0.5)
    return twin


def gradient_support(module, shape, position) -> tuple[list[int], list[int]]:
    """Rows and columns of the input that output position ``(row, column)`` depends on."""
    twin = linear_copy(module)
    x = torch.zeros((1,) + tuple(shape), dtype=torch.float64, requires_grad=True)
    out = twin(x)
    out[0, :, position[0], position[1]].sum().backward()
    nonzero = x.grad[0].abs().sum(dim=0) > 0
    rows = torch.nonzero(nonzero.any(dim=1)).ravel().tolist()
    columns = torch.nonzero(nonzero.any(dim=0)).ravel().tolist()
    return rows, columns


def measured_field(module, shape, position=None):
    """Field size, stride and padding per axis, read off two neighbouring output positions."""
    with torch.no_grad():
        out_size = linear_copy(module)(torch.zeros((1,) + tuple(shape), dtype=torch.float64)).shape[2:]
    i, j = position if position is not None else (out_size[0] // 2, out_size[1] // 2)
    rows, columns = gradient_support(module, shape, (i, j))
    next_rows, next_columns = gradient_support(module, shape, (i + 1, j + 1))
    result = []
    for low, high, next_low, index, full in ((rows[0], rows[-1], next_rows[0], i, shape[1]),
                                            (columns[0], columns[-1], next_columns[0], j, shape[2])):
        assert 0 < low and high < full - 1, "field clipped by the border: use a larger input"
        stride = next_low - low
        result.append((high - low + 1, stride, index * stride - low))
    return tuple(zip(*result))  # (sizes, strides, paddings)


def computed_field(module, shape):
    layers = module_receptive_fields(module, shape)
    field = layers[-1].field
    return field.size, field.stride, field.padding


# -- networks with branches, strides, dilation -------------------------------------------

class Residual(nn.Module):
    """A ResNet bottleneck-style block: stride-2 main path, stride-2 1x1 shortcut."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(2, 4, 7, stride=2, padding=3), nn.BatchNorm2d(4), nn.ReLU(),
                                  nn.MaxPool2d(3, stride=2, padding=1))
        self.a = nn.Conv2d(4, 4, 1)
        self.b = nn.Conv2d(4, 4, 3, stride=2, padding=1)
        self.c = nn.Conv2d(4, 8, 1)
        self.shortcut = nn.Conv2d(4, 8, 1, stride=2)

    def forward(self, x):
        x = self.stem(x)
        return F.relu(self.c(F.relu(self.b(F.relu(self.a(x))))) + self.shortcut(x))


class Inception(nn.Module):
    """Concatenated branches of different fields, one of them dilated, one pooled."""

    def __init__(self):
        super().__init__()
        self.one = nn.Conv2d(1, 2, 1)
        self.three = nn.Conv2d(1, 2, 3, padding=1)
        self.dilated = nn.Conv2d(1, 2, 3, padding=4, dilation=4)
        self.pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.project = nn.Conv2d(1, 2, 1)
        self.after = nn.Conv2d(8, 1, 3, stride=2)

    def forward(self, x):
        merged = torch.cat([self.one(x), self.three(x), self.dilated(x), self.project(self.pool(x))], dim=1)
        return self.after(merged)


class OffCentre(nn.Module):
    """Two branches that are not centred alike: the union is not the larger field."""

    def __init__(self):
        super().__init__()
        self.left = nn.Conv2d(1, 1, 3, padding=0)
        self.right = nn.Conv2d(1, 1, 3, padding=2)
        self.shrink = nn.Conv2d(1, 1, 5, padding=0)

    def forward(self, x):
        return self.left(x) + self.shrink(self.right(x))


class TwoResiduals(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 3, 3, padding=1)
        self.c2 = nn.Conv2d(3, 3, 3, padding=2, dilation=2)
        self.c3 = nn.Conv2d(3, 3, 5, stride=2, padding=2)
        self.c4 = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        x = self.c1(x)
        x = x + self.c2(torch.relu(x))
        x = self.c3(x)
        return x + self.c4(x)


NETWORKS = {
    "stack": (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 2, 3, stride=2, padding=1),
                                    nn.MaxPool2d(2), nn.Conv2d(2, 1, 3, dilation=2, padding=1)), (1, 64, 64)),
    "avgpool_ceil": (lambda: nn.Sequential(nn.Conv2d(1, 1, 3, stride=2), nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
                                           nn.Conv2d(1, 1, 2)), (1, 63, 63)),
    "residual": (Residual, (2, 96, 96)),
    "inception": (Inception, (1, 40, 40)),
    "off_centre": (OffCentre, (1, 32, 32)),
    "two_residuals": (TwoResiduals, (1, 48, 48)),
    "adaptive_identity": (lambda: nn.Sequential(nn.Conv2d(1, 1, 3, stride=2), nn.AdaptiveAvgPool2d((15, 15)),
                                                nn.Conv2d(1, 1, 3)), (1, 32, 32)),
    "adaptive_divisible": (lambda: nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.AdaptiveMaxPool2d(8),
                                                 nn.Conv2d(1, 1, 3)), (1, 48, 48)),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_field_stride_padding_match_the_gradient_support(name):
    torch.manual_seed(0)
    make, shape = NETWORKS[name]
    module = make()
    assert computed_field(module, shape) == measured_field(module, shape)


def test_every_layer_of_a_stack_matches_its_prefix():
    torch.manual_seed(0)
    layers = [nn.Conv2d(1, 1, 5, stride=2, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2, 1), nn.Conv2d(1, 1, 3, dilation=3),
              nn.AvgPool2d(2), nn.Conv2d(1, 1, 3, padding=1)]
    stack = nn.Sequential(*layers)
    shape = (1, 160, 160)
    computed = module_receptive_fields(stack, shape)
    for depth in (1, 3, 4, 5, 6):
        prefix = nn.Sequential(*layers[:depth])
        field = computed[depth - 1].field
        assert (field.size, field.stride, field.padding) == measured_field(prefix, shape), depth


def test_output_sizes_match_torch():
    for name, (make, shape) in NETWORKS.items():
        module = make()
        with torch.no_grad():
            expected = tuple(module(torch.zeros((1,) + shape)).shape[2:])
        assert module_receptive_fields(module, shape)[-1].output_size == expected, name


def test_global_pooling_sees_the_whole_input():
    module = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3))
    layers = module_receptive_fields(module, (1, 20, 24))
    assert [layer.field.whole for layer in layers] == [False, True, True, True]
    assert layers[1].field.size == (20, 24)
    rows, columns = gradient_support(nn.Sequential(*list(module)[:2]), (1, 20, 24), (0, 0))
    assert (len(rows), len(columns)) == (20, 24)


def test_spec_fields_match_the_gradient_support():
    spec = parse_spec("conv 7x7/s2/p3,maxpool3/s2/p1,3x3/p1,3x3/d2/p2,avgpool2")
    module = nn.Sequential(nn.Conv2d(1, 1, 7, 2, 3), nn.MaxPool2d(3, 2, 1), nn.Conv2d(1, 1, 3, padding=1),
                           nn.Conv2d(1, 1, 3, padding=2, dilation=2), nn.AvgPool2d(2))
    field = spec.field
    assert (field.size, field.stride, field.padding) == measured_field(module, (1, 224, 224))


def test_symbolic_spec_field():
    spec = parse_spec("conv kxk/ss,kxk")
    k, s = (symbol for symbol in spec.symbols)
    assert all(sympy.expand(size - (k + s * (k - 1))) == 0 for size in spec.field.size)
    assert spec.field.stride == (s, s)
    numeric = spec.evaluate({"k": 3, "s": 2}).field
    assert numeric.size == parse_spec("conv 3x3/s2,3x3").field.size == (7, 7)


def test_errors_name_what_failed():
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 3)

        def forward(self, x):
            if x.sum() > 0:  # data-dependent control flow: fx cannot trace it
                return self.conv(x)
            return x

    with pytest.raises(ReceptiveFieldError, match="cannot trace Branchy"):
        module_receptive_fields(Branchy(), (1, 8, 8))
    with pytest.raises(ReceptiveFieldError, match="Upsample"):
        module_receptive_fields(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2)), (1, 8, 8))
    with pytest.raises(ReceptiveFieldError, match="give the input shape"):
        module_receptive_fields(nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveAvgPool2d(2)))


# -- units of a LayeredNet ----------------------------------------------------------------

@pytest.mark.parametrize("circuit", [xor_tree(16), xor_tree(13, 3), xor_chain(7), parity_dnf(4)],
                         ids=["tree16", "tree13k3", "chain7", "dnf4"])
def test_unit_fields_equal_the_circuit_supports(circuit):
    net = compile_network(circuit)
    fields = unit_supports(net)
    gate_supports = supports(circuit)
    for layer, placed in enumerate(net.plan):
        for gadget in placed:
            expected = sorted(gate_supports[gadget.node])
            for unit in range(gadget.start, gadget.stop):
                assert np.flatnonzero(fields[layer][[unit], :].toarray()).tolist() == expected


def test_balanced_tree_units_see_two_to_the_level():
    fields = unit_supports(compile_network(xor_tree(16)))
    for level, support in enumerate(fields[:-1], start=1):
        assert set(np.asarray(support.sum(axis=1)).ravel().tolist()) == {2**level}


def test_xor_tree_closed_form_equals_the_compiled_network():
    for arity in (2, 3, 4):
        for n in range(1, 41):
            net = compile_network(xor_tree(n, arity))
            assert xor_tree_unit_fields(n, arity) == unit_field_summary(net), (n, arity)
            assert xor_tree_unit_inputs(n, arity) == sum(int(s.sum()) for s in unit_supports(net)), (n, arity)


def test_xor_tree_closed_form_is_instant_for_huge_n():
    rows = xor_tree_unit_fields(2**62 + 3, 2)
    assert len(rows) == 64 and rows[-1]["min_bits"] == 2**62 + 3
    assert rows[0] == {"layer": 1, "units": 2**62 + 3, "min_bits": 1, "max_bits": 2}


# -- issue 9: axes through permutes and reshapes, gates, irregular pooling -----------------

def stochastic_depth(input, p: float, mode: str, training: bool = True):
    """torchvision.ops.stochastic_depth: in eval mode (or with p = 0) the identity."""
    if not training or p == 0.0:
        return input
    size = [input.shape[0]] + [1] * (input.ndim - 1) if mode == "row" else [1] * input.ndim
    return input * torch.empty(size, dtype=input.dtype).bernoulli_(1 - p) / (1 - p)


torch.fx.wrap("stochastic_depth")  # as torchvision does: one call_function node in the graph


class StochasticDepth(nn.Module):
    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x):
        return stochastic_depth(x, self.p, "row", self.training)


class GradientTruth:
    """The linear copy of a module on one random input: which input positions chosen outputs depend on."""

    def __init__(self, module, shape, *, detach=None, seed=0):
        twin = linear_copy(module)
        if detach is not None:
            detach(twin)
        self.generator = torch.Generator().manual_seed(seed)
        self.x = torch.randn((1,) + tuple(shape), dtype=torch.float64, generator=self.generator).requires_grad_()
        self.out = twin(self.x)

    def hull(self, pick) -> tuple:
        """Per input spatial axis, the first and last input position that ``pick(output)`` depends on."""
        chosen = pick(self.out)
        weights = torch.rand(chosen.shape, dtype=torch.float64, generator=self.generator) + 0.5
        (grad,) = torch.autograd.grad((chosen * weights).sum(), self.x, retain_graph=True)
        nonzero = grad[0].abs().sum(dim=0) > 0
        hull = []
        for axis in range(nonzero.dim()):
            others = tuple(a for a in range(nonzero.dim()) if a != axis)
            hits = torch.nonzero(nonzero.any(dim=others) if others else nonzero).ravel().tolist()
            hull.append((hits[0], hits[-1]) if hits else None)
        return tuple(hull)


def support_hull(module, shape, pick, *, detach=None) -> tuple:
    return GradientTruth(module, shape, detach=detach).hull(pick)


def predicted_hull(field, position, extents) -> tuple:
    """What ``field`` says output ``position`` (a grid index per input axis) reads, clipped to the input."""
    hull = []
    for d, (i, n) in enumerate(zip(position, extents)):
        if field.whole_axes[d]:
            hull.append((0, n - 1))
            continue
        if field.windows[d] is not None:
            assert field.windows[d][i] is not None, "these networks read something at every position"
            low, high = field.windows[d][i]
        else:
            low = i * field.stride[d] - field.padding[d]
            high = low + field.size[d] - 1
        hull.append((max(low, 0), min(high, n - 1)))
    return tuple(hull)


def edge_positions(n: int) -> list[int]:
    return sorted({0, 1, n // 2, n - 2, n - 1} & set(range(n)))


def check_positions(module, shape, pick, grid, *, local=False, detach=None):
    """Every position of ``grid`` (a range per input axis) reads what the last node's field says."""
    layer = module_receptive_fields(module, shape)[-1]
    field = layer.local if local else layer.field
    assert field is not None
    truth = GradientTruth(module, shape, detach=detach)
    for position in itertools.product(*grid):
        assert truth.hull(lambda out: pick(out, position)) == predicted_hull(field, position, shape[1:]), (position, field)
    return layer


class PatchTokens(nn.Module):
    """ViT's patch embedding: conv with stride = kernel, flatten(2), transpose(1, 2); then channel mixing."""

    def __init__(self, back_to_grid=False):
        super().__init__()
        self.proj = nn.Conv2d(3, 8, 4, stride=4)
        self.norm = nn.LayerNorm(8)
        self.mlp = nn.Linear(8, 8)
        self.back_to_grid = back_to_grid
        self.conv = nn.Conv2d(8, 2, 3, padding=1)

    def forward(self, x):
        n, _, h, w = x.shape
        tokens = self.mlp(self.norm(self.proj(x).flatten(2).transpose(1, 2)))
        if not self.back_to_grid:
            return tokens
        return self.conv(tokens.transpose(1, 2).reshape(n, 8, h // 4, w // 4))


def test_patch_tokens_read_one_patch_each():
    layer = check_positions(PatchTokens(), (3, 16, 16), lambda out, p: out[0, p[0] * 4 + p[1]], [range(4), range(4)])
    assert (layer.field.size, layer.field.stride, layer.field.padding) == ((4, 4), (4, 4), (0, 0))
    assert layer.axes == ("N", "HW", "C") and layer.output_size == (4, 4)


def test_tokens_reshaped_back_to_a_grid():
    layer = check_positions(PatchTokens(back_to_grid=True), (3, 16, 16), lambda out, p: out[0, :, p[0], p[1]],
                            [range(4), range(4)])
    assert (layer.field.size, layer.field.stride, layer.field.padding) == ((12, 12), (4, 4), (4, 4))


class Attention(nn.Module):
    """Patch tokens, a class token, and one encoder block: ``nn.MultiheadAttention`` or softmax(q k^T) v."""

    def __init__(self, use_module: bool, attend: bool = True):
        super().__init__()
        self.proj = nn.Conv2d(3, 8, 4, stride=4)
        self.cls = nn.Parameter(torch.zeros(1, 1, 8))
        self.position = nn.Parameter(torch.zeros(1, 17, 8))
        self.norm = nn.LayerNorm(8)
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)
        self.q, self.k, self.v = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8)
        self.use_module, self.attend = use_module, attend

    def forward(self, x):
        tokens = self.proj(x).flatten(2).transpose(1, 2)
        tokens = torch.cat([self.cls.expand(x.shape[0], -1, -1), tokens], dim=1) + self.position
        y = self.norm(tokens)
        if not self.attend:
            return self.q(y)
        if self.use_module:
            mixed, _ = self.attention(y, y, y, need_weights=False)
        else:
            scores = self.q(y) @ self.k(y).transpose(-2, -1)
            mixed = scores.softmax(dim=-1) @ self.v(y)
        return tokens + mixed


@pytest.mark.parametrize("use_module", [True, False], ids=["MultiheadAttention", "matmul"])
def test_attention_makes_every_token_read_the_whole_input(use_module):
    layer = check_positions(Attention(use_module), (3, 16, 16), lambda out, p: out[0, 0], [range(1), range(1)])
    assert layer.field.whole and layer.field.size == (16, 16)
    check_positions(Attention(use_module), (3, 16, 16), lambda out, p: out[0, 1 + p[0] * 4 + p[1]], [[0, 3], [1, 3]])


def test_tokens_after_a_class_token_still_read_their_patch():
    module = Attention(use_module=False, attend=False)
    layer = check_positions(module, (3, 16, 16), lambda out, p: out[0, 1 + p[0] * 4 + p[1]], [range(4), range(4)])
    assert (layer.field.size, layer.field.stride) == ((4, 4), (4, 4)) and layer.axes == ("N", "*", "C")
    assert support_hull(module, (3, 16, 16), lambda out: out[0, 0]) == (None, None)  # the class token reads nothing
    assert [f.field.whole for f in module_receptive_fields(Attention(use_module=False), (3, 16, 16))].count(True) >= 3


class TokenPick(Attention):
    def __init__(self, index):
        super().__init__(use_module=False, attend=False)
        self.index = index

    def forward(self, x):
        return super().forward(x)[:, self.index]


def test_picking_one_token_after_the_class_token():
    layer = check_positions(TokenPick(1 + 6), (3, 16, 16), lambda out, p: out[0], [range(1), range(1)])
    assert (layer.op, layer.field.size, layer.field.stride, layer.field.padding) == ("getitem", (4, 4), (0, 0), (-4, -8))
    assert module_receptive_fields(TokenPick(0), (3, 16, 16))[-1].op == "Linear"  # the class token reads nothing


def test_attention_scores_are_irregular_and_their_largest_hull_is_exact():
    module = Attention(use_module=False)
    layers = {layer.name: layer for layer in module_receptive_fields(module, (3, 16, 16))}
    scores = layers["matmul"].field
    assert scores.irregular == (True, True) and not scores.whole

    class Scores(Attention):
        def forward(self, x):
            tokens = self.proj(x).flatten(2).transpose(1, 2)
            tokens = torch.cat([self.cls.expand(x.shape[0], -1, -1), tokens], dim=1) + self.position
            y = self.norm(tokens)
            return self.q(y) @ self.k(y).transpose(-2, -1)

    truth = GradientTruth(Scores(use_module=False), (3, 16, 16))
    sizes = [tuple(high - low + 1 for low, high in truth.hull(lambda out: out[0, i, t]))
             for i in (1, 6, 16) for t in (1, 11, 16)]
    assert max(s[0] for s in sizes) == scores.size[0] and max(s[1] for s in sizes) == scores.size[1]


class ConvNeXtBlock(nn.Module):
    """Depthwise 7x7, permute to NHWC, LayerNorm and Linear on channels, layer scale, stochastic depth, residual."""

    def __init__(self, channels=4):
        super().__init__()
        self.dwconv = nn.Conv2d(channels, channels, 7, padding=3, groups=channels)
        self.norm = nn.LayerNorm(channels)
        self.up, self.act, self.down = nn.Linear(channels, 4 * channels), nn.GELU(), nn.Linear(4 * channels, channels)
        self.gamma = nn.Parameter(torch.ones(channels))
        self.drop = StochasticDepth(0.1)

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.gamma * self.down(self.act(self.up(self.norm(y))))
        return x + self.drop(y.permute(0, 3, 1, 2))


def test_convnext_block_linear_on_channels_after_a_permute():
    module = ConvNeXtBlock().train()  # a factory may hand over training mode: the analysis is in eval mode
    layer = check_positions(module, (4, 20, 20), lambda out, p: out[0, :, p[0], p[1]], [edge_positions(20)] * 2)
    assert (layer.field.size, layer.field.stride, layer.field.padding) == ((7, 7), (1, 1), (3, 3))
    layers = module_receptive_fields(module, (4, 20, 20))
    assert "stochastic_depth" in [f.op for f in layers] and ("N", "H", "W", "C") in [f.axes for f in layers]
    assert module.training and module.drop.training  # the module's own mode is restored


def channel_shuffle(x, groups: int):
    """torchvision's ShuffleNetV2 channel shuffle: view, transpose, view."""
    batch, channels, height, width = x.size()
    x = x.view(batch, groups, channels // groups, height, width)
    return torch.transpose(x, 1, 2).contiguous().view(batch, channels, height, width)


class ShuffleUnit(nn.Module):
    """ShuffleNetV2's stride-1 unit: split channels, one branch 1x1 / depthwise 3x3 / 1x1, concatenate, shuffle."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.branch = nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4), nn.ReLU(),
                                    nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.Conv2d(4, 4, 1))
        self.shuffle = nn.ChannelShuffle(2)

    def forward(self, x):
        x = channel_shuffle(self.stem(x), 2)
        left, right = x.chunk(2, dim=1)
        return self.shuffle(torch.cat((left, self.branch(right)), dim=1))


def test_channel_shuffle_keeps_spatial_fields():
    layer = check_positions(ShuffleUnit(), (3, 24, 24), lambda out, p: out[0, :, p[0], p[1]], [edge_positions(12)] * 2)
    assert (layer.field.size, layer.field.stride, layer.field.padding) == ((7, 7), (2, 2), (3, 3))


class SqueezeExcite(nn.Module):
    """MobileNetV3's first block with a squeeze-and-excite gate (``detach`` holds the gate constant)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.Hardswish())
        self.depthwise = nn.Conv2d(4, 4, 3, padding=1, groups=4)
        self.pool, self.fc1, self.fc2 = nn.AdaptiveAvgPool2d(1), nn.Conv2d(4, 2, 1), nn.Conv2d(2, 4, 1)
        self.relu, self.gate = nn.ReLU(), nn.Hardsigmoid()
        self.project = nn.Conv2d(4, 4, 1)
        self.detach = False

    def forward(self, x):
        x = self.stem(x)
        y = self.depthwise(x)
        source = y.detach() if self.detach else y
        scale = self.gate(self.fc2(self.relu(self.fc1(self.pool(source)))))
        return x + self.project(scale * y)


def hold_gate(module):
    module.detach = True


def test_squeeze_excite_truly_reads_the_whole_input_and_locally_its_window():
    module, shape = SqueezeExcite(), (3, 16, 16)
    grid = [edge_positions(8)] * 2
    layer = check_positions(module, shape, lambda out, p: out[0, :, p[0], p[1]], grid)
    assert layer.field.whole and layer.field.size == (16, 16)
    check_positions(module, shape, lambda out, p: out[0, :, p[0], p[1]], grid, local=True, detach=hold_gate)
    assert (layer.local.size, layer.local.stride, layer.local.padding) == ((7, 7), (2, 2), (3, 3))


class MBConv(nn.Module):
    """EfficientNet's block: expand, depthwise, squeeze-and-excite, project, stochastic depth, residual."""

    def __init__(self, squeeze=True):
        super().__init__()
        self.expand, self.act = nn.Conv2d(4, 8, 1), nn.SiLU()
        self.depthwise = nn.Conv2d(8, 8, 5, padding=2, groups=8)
        self.fc1, self.fc2, self.gate = nn.Conv2d(8, 2, 1), nn.Conv2d(2, 8, 1), nn.Sigmoid()
        self.project = nn.Conv2d(8, 4, 1)
        self.squeeze, self.detach = squeeze, False

    def forward(self, x):
        y = self.act(self.depthwise(self.act(self.expand(x))))
        if self.squeeze:
            pooled = F.adaptive_avg_pool2d(y.detach() if self.detach else y, 1)
            y = y * self.gate(self.fc2(self.act(self.fc1(pooled))))
        return stochastic_depth(self.project(y), 0.2, "row", self.training) + x


@pytest.mark.parametrize("squeeze", [False, True], ids=["plain", "squeeze-excite"])
def test_stochastic_depth_is_the_identity_in_eval_mode(squeeze):
    module, shape = MBConv(squeeze).train(), (4, 12, 12)
    grid = [edge_positions(12)] * 2
    layer = check_positions(module, shape, lambda out, p: out[0, :, p[0], p[1]], grid)
    assert layer.field.whole == squeeze
    local = check_positions(module, shape, lambda out, p: out[0, :, p[0], p[1]], grid, local=True, detach=hold_gate).local
    assert (local.size, local.stride, local.padding) == ((5, 5), (1, 1), (2, 2))


@pytest.mark.parametrize("pool", [nn.AdaptiveAvgPool2d(4), nn.AdaptiveMaxPool2d((4, 7))], ids=["avg14to4", "max14to4x7"])
def test_adaptive_pooling_whose_output_does_not_divide_its_input(pool):
    module = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), pool, nn.Conv2d(2, 1, 2))
    prefix = nn.Sequential(*list(module)[:2])
    columns = pool.output_size[1] if isinstance(pool.output_size, tuple) else 4
    pooled = check_positions(prefix, (1, 14, 14), lambda out, p: out[0, :, p[0], p[1]], [range(4), range(columns)])
    assert pooled.field.irregular[0] and pooled.field.windows[0] == ((0, 4), (2, 7), (6, 11), (9, 13))  # the fields, inside the input
    assert pooled.field.size[0] == 6 and pooled.output_size[0] == 4
    if isinstance(pool.output_size, tuple):  # 14 to 7 is regular: stride 2
        assert not pooled.field.irregular[1] and pooled.field.stride[1] == 2
    last = check_positions(module, (1, 14, 14), lambda out, p: out[0, :, p[0], p[1]], [range(3), range(3)])
    # a 2-wide window joins neighbouring pooled fields: (0, 7), (2, 11), (6, 13), which is, clipped, an affine field
    joined = [(a[0], b[1]) for a, b in zip(pooled.field.windows[0], pooled.field.windows[0][1:])]
    assert [predicted_hull(last.field, (i, 0), (14, 14))[0] for i in range(3)] == joined
    assert not last.field.irregular[0] and last.field.windows[0] is None


def test_same_padding_with_an_even_kernel_pads_more_on_the_right():
    module = nn.Sequential(nn.Conv2d(1, 1, 4, padding="same"), nn.Conv2d(1, 1, 3, padding="same", dilation=2))
    with warnings.catch_warnings():  # torch warns that it copies the input to pad it unevenly
        warnings.simplefilter("ignore", UserWarning)
        layer = check_positions(module, (1, 9, 10), lambda out, p: out[0, :, p[0], p[1]], [range(9), range(10)])
    assert (layer.field.size, layer.field.padding, layer.output_size) == ((8, 8), (3, 3), (9, 10))


def test_linear_on_an_nchw_tensor_acts_along_the_last_axis_only():
    module = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(10, 5))
    layer = check_positions(module, (1, 12, 12), lambda out, p: out[0, :, p[0], :], [range(10), range(1)])
    assert layer.field.text() == "3x12 (whole along W)" and layer.field.whole_axes == (False, True)
    assert layer.axes == ("N", "C", "H", "C")


class Reductions(nn.Module):
    def __init__(self, reduce):
        super().__init__()
        self.first, self.second = nn.Conv2d(1, 3, 3), nn.Conv2d(1, 1, 3)
        self.reduce = reduce

    def forward(self, x):
        return self.second(self.reduce(self.first(x)))


@pytest.mark.parametrize("reduce, size", [
    (lambda x: x.mean(dim=-3, keepdim=True), (5, 5)),                     # channels, counted from the end
    (lambda x: torch.sum(x, -3).unsqueeze(1), (5, 5)),
    (lambda x: x.sum(dim=-1, keepdim=True).expand(-1, -1, -1, 10)[:, :1], (5, 12)),  # along W only
], ids=["mean-3", "sum-3", "sum-1"])
def test_reductions_over_negative_axes(reduce, size):
    layer = check_positions(Reductions(reduce), (1, 12, 12), lambda out, p: out[0, :, p[0], p[1]], [range(8), [0, 7]])
    assert layer.field.size == size


class GroupNormBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.first, self.norm, self.second = nn.Conv2d(1, 4, 3), nn.GroupNorm(2, 4), nn.Conv2d(4, 1, 3)
        self.detach = False

    def forward(self, x):
        y = self.first(x)
        if self.detach:  # the statistics held constant
            groups = y.detach().view(1, 2, -1)
            mean, std = groups.mean(-1), groups.std(-1, unbiased=False)
            y = (y - mean.repeat_interleave(2, 1)[:, :, None, None]) / std.repeat_interleave(2, 1)[:, :, None, None]
        else:
            y = self.norm(y)
        return self.second(y)


def test_normalisation_statistics_read_the_whole_input():
    module, grid = GroupNormBlock(), [[0, 4, 7], [0, 7]]
    layer = check_positions(module, (1, 12, 12), lambda out, p: out[0, :, p[0], p[1]], grid)
    assert layer.field.whole
    check_positions(module, (1, 12, 12), lambda out, p: out[0, :, p[0], p[1]], grid, local=True, detach=hold_gate)
    assert layer.local.size == (5, 5)


Outputs = namedtuple("Outputs", "logits aux")


class InceptionLike(nn.Module):
    """Returns a namedtuple with an auxiliary head in training mode (as Inception v3 and GoogLeNet do)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.BatchNorm2d(4), nn.ReLU())
        self.aux = nn.Conv2d(4, 1, 5)
        self.mixed = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        x = self.stem(x)
        if self.training:
            return Outputs(self.mixed(x), self.aux(x))
        return self.mixed(x)


def test_a_module_in_training_mode_is_traced_in_eval_mode():
    module = InceptionLike().train()
    layers = module_receptive_fields(module, (3, 23, 23))
    assert "aux" not in [layer.name for layer in layers] and module.training and module.stem[1].training
    layer = check_positions(module, (3, 23, 23), lambda out, p: out[0, :, p[0], p[1]], [edge_positions(11)] * 2)
    assert (layer.field.size, layer.field.stride) == ((7, 7), (2, 2))


@pytest.mark.parametrize("make, shape", [
    (PatchTokens, (3, 16, 16)), (lambda: PatchTokens(True), (3, 16, 16)), (ConvNeXtBlock, (4, 20, 20)),
    (ShuffleUnit, (3, 24, 24)), (SqueezeExcite, (3, 16, 16)), (MBConv, (4, 12, 12)), (InceptionLike, (3, 23, 23)),
    (lambda: Attention(True), (3, 16, 16)),
], ids=["tokens", "grid", "convnext", "shuffle", "se", "mbconv", "inception", "vit"])
def test_shapes_match_torch(make, shape):
    module = make().eval()
    with torch.no_grad():
        expected = tuple(module(torch.zeros((1,) + shape)).shape)
    assert module_receptive_fields(module, shape)[-1].shape == expected


class Partition(nn.Module):
    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, c, 2, h // 2, w)  # Swin-style window partition: H split across two axes


class TwoTokenSets(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(1, 2, 2, stride=2), nn.Conv2d(1, 2, 4, stride=4)

    def forward(self, x):
        return torch.cat([self.a(x).flatten(2), self.b(x).flatten(2)], dim=2)


class Einsum(nn.Module):
    def forward(self, x):
        return torch.einsum("nchw->nhwc", x)


@pytest.mark.parametrize("module, message", [
    (Partition(), r"view \(view\): reshape to \(1, 1, 2, 4, 8\) splits H \(8 positions\) across axes"),
    (TwoTokenSets(), r"cat \(cat\): concatenating along tensor axis 2, which holds HW, from several inputs"),
    (Einsum(), r"einsum \(einsum\): einsum"),
    (nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(2), nn.Conv1d(1, 1, 3)), r"2 \(Conv1d\): a window along tensor axis 2"),
], ids=["partition", "cat-tokens", "einsum", "conv-on-tokens"])
def test_what_is_still_not_handled_says_why_in_one_line(module, message):
    with pytest.raises(ReceptiveFieldError, match=message) as error:
        module_receptive_fields(module, (1, 8, 8))
    assert "\n" not in str(error.value)
