"""Receptive fields through reflect, replicate, circular and zero padding, at every output position.

The reference is torch's autograd: the Jacobian of a linear copy of the
network (every weight random and positive, float64, so nothing cancels) has a
nonzero entry exactly where an output depends on an input.  For every output
position, the first and last input position it depends on along each axis is
compared with what the reported field says that position reads (clipped to the
input; nothing where the position reads only zero padding).  The networks pad
more than the next kernel's half-width, with strides and dilations, in 1-D,
2-D and 3-D, through modules, ``F.pad`` and ``padding_mode``.
"""
from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
import textwrap

import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from torch import nn

from conftest import support_hulls
from expressivity.cli import main
from expressivity.counts.receptive import ReceptiveFieldError, module_receptive_fields


class Pad(nn.Module):
    """``F.pad`` with a mode, as a graph function (not a module)."""

    def __init__(self, pad, mode, value=0.0):
        super().__init__()
        self.pad, self.mode, self.value = pad, mode, value

    def forward(self, x):
        if self.mode == "constant":
            return F.pad(x, self.pad, mode="constant", value=self.value)
        return F.pad(x, self.pad, mode=self.mode)


def positive_copy(module: nn.Module) -> nn.Module:
    """The module in float64 with every parameter in [0.5, 1.5): a linear map where nothing cancels."""
    twin = copy.deepcopy(module).double().eval()  # the networks here are linear already (no ReLU, no max)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for parameter in twin.parameters():
            parameter.copy_(torch.rand(parameter.shape, dtype=torch.float64, generator=generator) + 0.5)
    return twin


def gradient_hulls(module: nn.Module, shape) -> dict:
    """Per output position (a grid index per spatial axis): per axis the (first, last) input position, or None."""
    twin = positive_copy(module)
    x = torch.rand((1,) + tuple(shape), dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(twin, x, vectorize=True)  # output shape + input shape
    out_rank = jacobian.dim() - x.dim()
    dims = len(shape) - 1
    # sum over the output's batch and channels and the input's batch and channels: a grid of grids
    support = jacobian.abs().sum(dim=(0, 1, out_rank, out_rank + 1)) > 0
    return support_hulls(support, dims)


def reported_hull(field, position, extents):
    """What the field says ``position`` reads along each axis, clipped to the input (None: nothing)."""
    hull = []
    for d, (i, n) in enumerate(zip(position, extents)):
        if field.whole_axes[d]:
            low, high = 0, n - 1
        elif field.windows[d] is not None:
            if field.windows[d][i] is None:  # the position reads nothing
                return None
            low, high = field.windows[d][i]
        else:
            low = i * field.stride[d] - field.padding[d]
            high = low + field.size[d] - 1
        low, high = max(low, 0), min(high, n - 1)
        if low > high:
            return None
        hull.append((low, high))
    return tuple(hull)


def check_every_position(module, shape):
    """Every output position's reported field equals its gradient support's hull; returns the last layer."""
    layer = module_receptive_fields(module, shape)[-1]
    truth = gradient_hulls(module, shape)
    assert layer.output_size == tuple(max(i) + 1 for i in zip(*truth))  # the grid torch computes
    wrong = [(p, truth[p], reported_hull(layer.field, p, shape[1:])) for p in truth
             if truth[p] != reported_hull(layer.field, p, shape[1:])]
    assert not wrong, (len(wrong), len(truth), wrong[:3])
    return layer


# -- 2-D: every mode, padding past the next kernel's half-width, strides, dilations ---------------

NETWORKS_2D = {
    "reflect-module-then-1x1": lambda: nn.Sequential(nn.ReflectionPad2d(2), nn.Conv2d(1, 2, 1)),
    "reflect-uneven-strided-dilated": lambda: nn.Sequential(nn.ReflectionPad2d((3, 1, 2, 0)),
                                                            nn.Conv2d(1, 2, 3, stride=2, dilation=2)),
    "replicate-module-stack": lambda: nn.Sequential(nn.ReplicationPad2d(3), nn.Conv2d(1, 2, 3),
                                                    nn.Conv2d(2, 1, 3, padding=1, padding_mode="replicate")),
    "circular-module-strided": lambda: nn.Sequential(nn.CircularPad2d(3), nn.Conv2d(1, 1, 3, stride=2)),
    "reflect-mode-twice": lambda: nn.Sequential(nn.Conv2d(1, 2, 3, padding=2, padding_mode="reflect"),
                                                nn.Conv2d(2, 1, 3, padding=2, stride=2, padding_mode="reflect")),
    "replicate-mode-dilated": lambda: nn.Sequential(nn.Conv2d(1, 1, 5, padding=4, dilation=2, stride=2,
                                                              padding_mode="replicate")),
    "circular-mode": lambda: nn.Sequential(nn.Conv2d(1, 1, 3, padding=(2, 3), padding_mode="circular")),
    "same-even-kernel-reflect": lambda: nn.Sequential(nn.Conv2d(1, 1, 4, padding="same", padding_mode="reflect")),
    "function-reflect-pool": lambda: nn.Sequential(Pad((2, 3, 1, 2), "reflect"), nn.AvgPool2d(2), nn.Conv2d(1, 1, 1)),
    "function-replicate": lambda: nn.Sequential(Pad((4, 0, 0, 4), "replicate"), nn.Conv2d(1, 1, 3, dilation=2)),
    "function-circular": lambda: nn.Sequential(Pad((3, 3, 2, 2), "circular"), nn.Conv2d(1, 1, 2, stride=3)),
    "zero-then-reflect": lambda: nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.ReflectionPad2d(3),
                                               nn.Conv2d(1, 1, 1)),
    "reflect-then-zero": lambda: nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(1, 1, 3, padding=1),
                                               nn.Conv2d(1, 1, 3, stride=2, padding=1)),
    "constant-stays-zero": lambda: nn.Sequential(Pad((2, 2, 3, 1), "constant", 1.5), nn.Conv2d(1, 1, 1)),
    "constant-module-stays-zero": lambda: nn.Sequential(nn.ConstantPad2d(2, 0.5), nn.Conv2d(1, 1, 3)),
}


@pytest.mark.parametrize("name", sorted(NETWORKS_2D))
@pytest.mark.parametrize("shape", [(1, 7, 7), (1, 10, 9)], ids=["7x7", "10x9"])
def test_every_position_reads_what_its_field_says_2d(name, shape):
    torch.manual_seed(0)
    check_every_position(NETWORKS_2D[name](), shape)


def test_the_issue_example_mirrors_the_border():
    """ReflectionPad2d(2) then a 1x1 conv on 10x10: 96 of 196 positions read mirrored inputs, none padding."""
    shape = (1, 10, 10)
    module = nn.Sequential(nn.ReflectionPad2d(2), nn.Conv2d(1, 1, 1))
    layer = check_every_position(module, shape)
    truth = gradient_hulls(module, shape)
    as_zero = [p for p in truth if truth[p] != tuple((i - 2, i - 2) for i in p)]  # what zero padding would say
    assert (len(truth), len(as_zero)) == (196, 96)
    assert layer.field.irregular == (True, True) and layer.field.windows[0][:3] == ((2, 2), (1, 1), (0, 0))


@pytest.mark.parametrize("pad", [nn.ReflectionPad2d(3), nn.ReplicationPad2d(3), nn.ZeroPad2d(3)])
def test_padding_within_the_kernels_half_width_reports_the_usual_field(pad):
    """CycleGAN's stem: a 7x7 convolution after padding 3 reads, clipped, what zero padding says: 7x7, padding 3."""
    layer = check_every_position(nn.Sequential(pad, nn.Conv2d(1, 1, 7)), (1, 9, 9))
    assert (layer.field.size, layer.field.stride, layer.field.padding) == ((7, 7), (1, 1), (3, 3))


# -- 1-D and 3-D ------------------------------------------------------------------------------

NETWORKS_1D = {
    "reflect": lambda: nn.Sequential(nn.ReflectionPad1d((3, 2)), nn.Conv1d(1, 1, 3, stride=2, dilation=2)),
    "replicate": lambda: nn.Sequential(nn.ReplicationPad1d(5), nn.Conv1d(1, 1, 2)),
    "circular": lambda: nn.Sequential(nn.CircularPad1d(4), nn.Conv1d(1, 1, 3, stride=3)),
    "modes": lambda: nn.Sequential(nn.Conv1d(1, 2, 3, padding=2, padding_mode="reflect"),
                                   nn.Conv1d(2, 2, 3, padding=3, padding_mode="replicate", dilation=2),
                                   nn.Conv1d(2, 1, 3, padding=2, padding_mode="circular", stride=2)),
    "function": lambda: nn.Sequential(Pad((0, 4), "reflect"), nn.AvgPool1d(3, stride=2), Pad((3, 0), "replicate")),
}


@pytest.mark.parametrize("name", sorted(NETWORKS_1D))
@pytest.mark.parametrize("length", [6, 13])
def test_every_position_reads_what_its_field_says_1d(name, length):
    check_every_position(NETWORKS_1D[name](), (1, length))


NETWORKS_3D = {
    "reflect": lambda: nn.Sequential(nn.ReflectionPad3d((2, 0, 1, 2, 2, 1)), nn.Conv3d(1, 1, 1)),
    "replicate": lambda: nn.Sequential(nn.ReplicationPad3d(3), nn.Conv3d(1, 1, 2, stride=2)),
    "circular": lambda: nn.Sequential(nn.CircularPad3d(2), nn.Conv3d(1, 1, 3, dilation=2)),
    "mode": lambda: nn.Sequential(nn.Conv3d(1, 1, 3, padding=2, padding_mode="reflect", stride=(1, 2, 1))),
}


@pytest.mark.parametrize("name", sorted(NETWORKS_3D))
def test_every_position_reads_what_its_field_says_3d(name):
    check_every_position(NETWORKS_3D[name](), (1, 5, 4, 6))


def random_copying_stack(rng: random.Random) -> nn.Sequential:
    """One to three 1-D layers: reflect, replicate or circular pads and convolutions, average pooling."""
    layers = []
    for _ in range(rng.randint(1, 3)):
        kind, pad = rng.choice(["pad", "conv", "conv", "pool"]), (rng.randint(0, 4), rng.randint(0, 4))
        if kind == "pad":
            layers.append(rng.choice([nn.ReflectionPad1d, nn.ReplicationPad1d, nn.CircularPad1d])(pad))
        elif kind == "pool":
            layers.append(nn.AvgPool1d(rng.randint(1, 3), rng.randint(1, 3)))
        else:
            layers.append(nn.Conv1d(1, 1, rng.randint(1, 4), stride=rng.randint(1, 3), dilation=rng.randint(1, 3),
                                    padding=rng.randint(0, 4), padding_mode=rng.choice(["reflect", "replicate", "circular"])))
    return nn.Sequential(*layers)


def test_random_stacks_are_exact_at_every_position_or_refused_with_torch():
    """Seeded random stacks on random lengths: torch refuses the shape and so does the analysis, or every position matches."""
    rng, checked, refused = random.Random(21), 0, 0
    for _ in range(60):
        module, shape = random_copying_stack(rng), (1, rng.randint(3, 14))
        try:
            module(torch.zeros((1,) + shape))
        except RuntimeError:  # torch's own refusal (padding past the input, a window larger than it)
            with pytest.raises(ReceptiveFieldError, match=r"cannot take it"):
                module_receptive_fields(module, shape)
            refused += 1
            continue
        check_every_position(module, shape)
        checked += 1
    assert checked >= 40 and refused >= 5  # both branches ran


# -- what is refused, in one line -------------------------------------------------------------

@pytest.mark.parametrize("module, shape, message", [
    (nn.Sequential(nn.ReflectionPad2d(2), nn.Conv2d(1, 1, 1)), None, r"0 \(ReflectionPad2d\): reflect padding copies "
                                                                     r"border positions; give the input shape"),
    (nn.Sequential(nn.ReflectionPad2d(4), nn.Conv2d(1, 1, 1)), (1, 4, 4), r"input shape 1x4x4: Sequential cannot take it"),
], ids=["no-shape", "reflect-past-the-input"])  # copies of zero padding: test_receptive_borders
def test_what_cannot_be_answered_is_refused_in_one_line(module, shape, message):
    with pytest.raises(ReceptiveFieldError, match=message) as error:
        module_receptive_fields(module, shape)
    assert "\n" not in str(error.value)


# -- item 5: an input shape the module cannot take --------------------------------------------

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.fc = nn.Conv2d(3, 4, 3), nn.Linear(4 * 6 * 6, 2)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))


@pytest.mark.parametrize("shape, fragment, said", [
    ((1, 8, 8), "to have 3 channels, but got 1 channels instead", None),
    ((3, 9, 8), "(1x168 and 144x2)", "[1, 168] X [144, 2]"),  # torch's shape rule words it its own way
    ((3, 2, 8), "Kernel size can't be greater than actual input size", None),
], ids=["channels", "linear-features", "too-small"])
def test_an_input_shape_the_module_cannot_take_is_refused(shape, fragment, said):
    module = Head()
    expected = None
    try:  # torch itself, on a real tensor, is the reference: it must refuse too
        module(torch.zeros((1,) + shape))
    except RuntimeError as error:
        expected = str(error).splitlines()[0]
    assert expected is not None and fragment in expected
    with pytest.raises(ReceptiveFieldError) as error:
        module_receptive_fields(module, shape)
    text = str(error.value)
    assert "\n" not in text and text.startswith(f"input shape {'x'.join(map(str, shape))}: Head cannot take it: ")
    assert (said or fragment) in text
    assert module_receptive_fields(module, (3, 8, 8))[-1].field.whole  # the shape it takes still works


class MadeInside(nn.Module):
    """A constant made on the CPU inside forward: the meta device cannot run it, fake tensors can."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)

    def forward(self, x):
        return self.conv(x) + torch.ones(6, 6)


def test_a_constant_made_inside_forward_is_no_reason_to_refuse():
    layer = module_receptive_fields(MadeInside(), (1, 8, 8))[-1]
    assert (layer.field.size, layer.shape) == ((3, 3), (1, 1, 6, 6))
    with pytest.raises(ReceptiveFieldError, match=r"input shape 1x9x8: MadeInside cannot take it: .*broadcast"):
        module_receptive_fields(MadeInside(), (1, 9, 8))


def test_the_cli_refuses_a_shape_the_module_cannot_take(tmp_path, monkeypatch):
    (tmp_path / "rf_heads.py").write_text(textwrap.dedent("""
        from torch import nn

        def head():
            return nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(1), nn.Linear(4 * 6 * 6, 2))

        def mirrored():
            return nn.Sequential(nn.ReflectionPad2d(2), nn.Conv2d(1, 1, 1))
    """))
    bad = subprocess.run([sys.executable, "-m", "expressivity", "receptive-field", "--module", "rf_heads:head",
                          "--input", "3x9x8"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stdout == "", bad.stderr
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "input shape 3x9x8: Sequential cannot take it" in lines[0], bad.stderr
    monkeypatch.chdir(tmp_path)  # where load_module looks
    good = CliRunner().invoke(main, ["receptive-field", "--module", "rf_heads:mirrored", "--input", "1x10x10", "--json"])
    assert good.exit_code == 0, good.output
    last = json.loads(good.output)["layers"][-1]
    truth = gradient_hulls(nn.Sequential(nn.ReflectionPad2d(2), nn.Conv2d(1, 1, 1)), (1, 10, 10))
    assert [tuple(w) for w in last["windows"][0]] == [truth[(i, 0)][0] for i in range(14)]
    assert last["stride"] == [None, None] and last["field"] == [1, 1]
