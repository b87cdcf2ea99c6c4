"""Receptive fields against an independent ground truth: the support of an input gradient.

The reference never reads a kernel size: it makes a linear copy of the network
(ReLU -> identity, max-pool -> average-pool, every weight positive, float64),
back-propagates from one output position, and reads the field, the stride and
the padding off the rows and columns where the input gradient is nonzero.
Positive weights and linear layers mean no cancellation: the gradient is
nonzero exactly where the output depends on the input.
"""
from __future__ import annotations

import copy
import json
import textwrap
import uuid

import numpy as np
import pytest
import sympy
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from torch import nn

from expressivity.circuits.build import parity_dnf, xor_chain, xor_tree
from expressivity.circuits.metrics import supports
from expressivity.cli import main
from expressivity.counts.receptive import ReceptiveFieldError, module_receptive_fields, unit_supports
from expressivity.counts.spec import parse_spec
from expressivity.networks.compiler import compile_network


# -- the ground truth -------------------------------------------------------------------

def linear_copy(module: nn.Module) -> nn.Module:
    twin = copy.deepcopy(module).double().eval()
    for name, child in list(twin.named_modules()):
        for attribute, sub in list(child.named_children()):
            if isinstance(sub, (nn.ReLU, nn.BatchNorm2d)):
                setattr(child, attribute, nn.Identity())
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
    with pytest.raises(ReceptiveFieldError, match="unequal size"):
        module_receptive_fields(nn.Sequential(nn.Conv2d(1, 1, 3), nn.AdaptiveAvgPool2d(4)), (1, 9, 9))


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


# -- CLI --------------------------------------------------------------------------------

def test_cli_receptive_field(tmp_path, monkeypatch):
    runner = CliRunner()
    result = runner.invoke(main, ["receptive-field", "--spec", "conv 3x3,3x3", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["layers"][-1]["field"] == [5, 5]
    bits = runner.invoke(main, ["receptive-field", "--bits", "16", "--json"])
    payload = json.loads(bits.output)
    assert [layer["max_bits"] for layer in payload["layers"]] == [2, 4, 8, 16, 16]
    monkeypatch.chdir(tmp_path)
    name = f"rf_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent("""
        from torch import nn
        def net():
            return nn.Sequential(nn.Conv2d(3, 4, 7, stride=2, padding=3), nn.MaxPool2d(3, 2, 1),
                                 nn.AdaptiveAvgPool2d(1))
        def upsample():
            return nn.Sequential(nn.Conv2d(3, 4, 3), nn.Upsample(scale_factor=2))
    """))
    module = runner.invoke(main, ["receptive-field", "--module", f"{name}:net", "--input", "3x224x224", "--json"])
    assert module.exit_code == 0, module.output
    layers = json.loads(module.output)["layers"]
    assert [layer["field"] for layer in layers] == [[7, 7], [11, 11], [224, 224]] and layers[-1]["whole_input"]
    for args in (["receptive-field", "--module", f"{name}:upsample", "--input", "3x32x32"],
                 ["receptive-field", "--module", f"{name}:net", "--input", "3by224"],
                 ["receptive-field", "--spec", "mlp 3,4"],
                 ["receptive-field", "--spec", "conv 3x3", "--bits", "4"]):
        bad = runner.invoke(main, args)
        assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1, (args, bad.output)
