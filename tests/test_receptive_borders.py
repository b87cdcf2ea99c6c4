"""Receptive fields at every output position, the border included: zero padding, dilation, strides, pooling.

The field of a position (see :mod:`expressivity.counts.fields`) is the hull of
the input positions it reads.  The reference is torch itself: a copy of the
network in float64 with every weight random and positive and every bias zero,
run on one impulse per input position.  Every value is then non-negative, and
output ``o`` is positive on the impulse at ``m`` exactly when ``o`` reads ``m``
(a convolution or an average of non-negative values is positive when one of
them is; so is a maximum, whose padding never wins).  For a network without
max pooling the response is column ``m`` of the Jacobian, and the tests check
that it has the support of the input gradient too.
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
from torch import nn

from conftest import support_hulls
from expressivity.counts.receptive import ReceptiveFieldError, module_receptive_fields


def positive_twin(module: nn.Module) -> nn.Module:
    """The module in float64, weights in [0.5, 1.5), biases 0: non-negative inputs give non-negative values."""
    twin = copy.deepcopy(module).double().eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in twin.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
            else:
                parameter.copy_(torch.rand(parameter.shape, dtype=torch.float64, generator=generator) + 0.5)
    return twin


def impulse_support(module: nn.Module, shape) -> torch.Tensor:
    """Boolean ``out grid x input grid``: which input positions each output position reads."""
    twin, grid = positive_twin(module), tuple(shape[1:])
    count = 1
    for n in grid:
        count *= n
    impulses = torch.eye(count, dtype=torch.float64).reshape((count, 1) + grid).expand((count,) + tuple(shape))
    with torch.no_grad():
        out = twin(impulses.contiguous())
    reads = out.sum(dim=1) > 0  # (input position, *output grid)
    return reads.reshape(grid + tuple(reads.shape[1:])).permute(
        *range(len(grid), 2 * len(grid)), *range(len(grid)))


def gradient_support(module: nn.Module, shape) -> torch.Tensor:
    """The same relation from the input gradient (the Jacobian) of the positive twin, at a random input."""
    twin = positive_twin(module)
    x = torch.rand((1,) + tuple(shape), dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(twin, x, vectorize=True)
    out_rank = jacobian.dim() - x.dim()
    return jacobian.abs().sum(dim=(0, 1, out_rank, out_rank + 1)) > 0


hulls = support_hulls  # conftest: per axis the (first, last) input position read, or None


def reported(field, position, extents):
    """What the field says ``position`` reads along each axis (None: nothing), as the module docstring defines it."""
    hull = []
    for d, (i, n) in enumerate(zip(position, extents)):
        if field.whole_axes[d]:
            hull.append((0, n - 1))
            continue
        if field.windows[d] is not None:
            window = field.windows[d][i]
            if window is None:
                return None
            low, high = window
            assert 0 <= low <= high < n, "windows are fields: inside the input"
        else:
            low = i * field.stride[d] - field.padding[d]
            low, high = max(low, 0), min(low + field.size[d] - 1, n - 1)
            if low > high:
                return None
        hull.append((low, high))
    return tuple(hull)


def wrong_positions(module, shape) -> list:
    layer = module_receptive_fields(module, shape)[-1]
    truth = hulls(impulse_support(module, shape), len(shape) - 1)
    assert layer.output_size == tuple(max(i) + 1 for i in zip(*truth))  # the grid torch computes
    return [(p, truth[p], reported(layer.field, p, shape[1:])) for p in truth
            if truth[p] != reported(layer.field, p, shape[1:])]


# -- the reported case, and the two mechanisms behind it -----------------------------------------

def test_a_dilated_window_at_the_border_reads_only_its_taps():
    """``Conv1d(k=3, dilation=2, padding=2)`` on 14: position 1 reads inputs {1, 3}: field (1, 3), not (0, 3)."""
    module, shape = nn.Conv1d(1, 1, 3, dilation=2, padding=2, bias=False), (1, 14)
    support = impulse_support(module, shape)
    assert torch.nonzero(support[1]).ravel().tolist() == [1, 3]
    assert torch.equal(support, gradient_support(module, shape))
    assert not wrong_positions(module, shape)
    field = module_receptive_fields(module, shape)[-1].field
    assert (field.size, field.stride, field.padding) == ((5,), (1,), (2,))  # the literature's description stays
    assert field.windows[0][1] == (1, 3)


@pytest.mark.parametrize("after", [nn.ReflectionPad1d(3), nn.ReplicationPad1d(2), nn.CircularPad1d(3)],
                         ids=["reflect", "replicate", "circular"])
def test_a_copying_pad_after_a_dilated_border_inherits_the_exact_fields(after):
    module = nn.Sequential(nn.Conv1d(1, 1, 3, dilation=2, padding=2, bias=False), after, nn.Conv1d(1, 1, 2))
    assert not wrong_positions(module, (1, 14))


def test_zero_padding_of_a_strided_axis_reads_nothing():
    """After stride 2, a zero-padded position reads nothing, and the next window skips it."""
    module = nn.Sequential(nn.Conv1d(1, 1, 3, stride=2, bias=False), nn.ZeroPad1d(2), nn.Conv1d(1, 1, 1, bias=False))
    layer = module_receptive_fields(module, (1, 11))[-1]
    assert layer.field.windows[0][:3] == (None, None, (0, 2))
    assert not wrong_positions(module, (1, 11))
    assert not wrong_positions(nn.Sequential(*module, nn.Conv1d(1, 1, 3, dilation=2, stride=2)), (1, 11))


def test_a_mirrored_position_that_reads_only_padding_reads_nothing():
    module = nn.Sequential(nn.ConstantPad1d(2, 0.0), nn.ReflectionPad1d(1), nn.Conv1d(1, 1, 1, bias=False))
    layer = module_receptive_fields(module, (1, 6))[-1]
    assert layer.field.windows[0][:4] == (None, None, None, (0, 0))
    assert not wrong_positions(module, (1, 6))


def test_a_value_that_reads_no_input_is_refused_in_one_line():
    """Dilated taps that all land in the padding: the output is a constant, and pooling over it has no field."""
    prefix = nn.Conv2d(1, 1, (2, 1), stride=(3, 2), padding=(1, 4), dilation=(3, 1), bias=False)
    assert not impulse_support(prefix, (1, 2, 5)).any()  # torch: no output reads any input
    assert module_receptive_fields(prefix, (1, 2, 5))[-1].field.windows[0] == (None,)
    with pytest.raises(ReceptiveFieldError, match=r"^1 \(MaxPool2d\): every position mixed reads only zero padding"):
        module_receptive_fields(nn.Sequential(prefix, nn.MaxPool2d(3, 1, 1)), (1, 2, 5))


# -- seeded random stacks, 1-D and 2-D, every position ------------------------------------------

def _pair(rng: random.Random, low: int, high: int, dims: int):
    values = tuple(rng.randint(low, high) for _ in range(dims))
    return values[0] if dims == 1 or rng.random() < 0.5 else values


def random_layer(rng: random.Random, dims: int) -> nn.Module:
    kind = rng.choice(["conv", "conv", "conv", "max", "avg", "pad"])
    conv, max_pool, avg_pool = ((nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d) if dims == 1
                                else (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d))
    if kind == "conv":
        mode = rng.choice(["zeros", "zeros", "zeros", "reflect", "replicate", "circular"])
        return conv(1, 1, _pair(rng, 1, 4, dims), stride=_pair(rng, 1, 3, dims), dilation=_pair(rng, 1, 3, dims),
                    padding=_pair(rng, 0, 4, dims), padding_mode=mode, bias=False)
    if kind in ("max", "avg"):
        k = rng.randint(1, 4)
        options = dict(stride=rng.randint(1, 3), padding=rng.randint(0, k // 2), ceil_mode=rng.random() < 0.5)
        if kind == "max":
            return max_pool(k, dilation=rng.randint(1, 3), **options)
        return avg_pool(k, count_include_pad=rng.random() < 0.5, **options)
    pads = [rng.randint(0, 3) for _ in range(2 * dims)]
    names = ["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"]
    name = rng.choice(names)
    make = getattr(nn, f"{name}{dims}d")
    return make(tuple(pads), 0.0) if name == "ConstantPad" else make(tuple(pads))


def run_random_stacks(dims: int, seed: int, count: int, sizes: tuple[int, int]):
    rng = random.Random(seed)
    checked, refused, wrong = 0, 0, []
    for _ in range(count):
        module = nn.Sequential(*(random_layer(rng, dims) for _ in range(rng.randint(1, 4))))
        shape = (1,) + tuple(rng.randint(*sizes) for _ in range(dims))
        try:
            module(torch.zeros((1,) + shape))
        except RuntimeError:  # torch refuses the shape (a window past the input, padding past it): so must the analysis
            with pytest.raises(ReceptiveFieldError, match=r"cannot take it"):
                module_receptive_fields(module, shape)
            refused += 1
            continue
        if not any(isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)) for m in module):
            assert torch.equal(impulse_support(module, shape), gradient_support(module, shape)), module
        found = wrong_positions(module, shape)
        if found:
            wrong.append((module, shape, len(found), found[:2]))
        checked += 1
    assert not wrong, (len(wrong), checked, wrong[:3])
    return checked, refused


def test_random_1d_stacks_are_exact_at_every_position():
    checked, refused = run_random_stacks(1, seed=7, count=120, sizes=(3, 16))
    assert checked >= 70 and refused >= 10  # both branches ran


def test_random_2d_stacks_are_exact_at_every_position():
    checked, refused = run_random_stacks(2, seed=11, count=60, sizes=(3, 10))
    assert checked >= 30 and refused >= 5


# -- as a user sees it: the CLI's JSON ------------------------------------------------------------

def test_the_cli_reports_every_border_field(tmp_path):
    (tmp_path / "rf_dilated.py").write_text(textwrap.dedent("""
        from torch import nn

        def dilated():
            return nn.Sequential(nn.Conv1d(1, 1, 3, stride=2, bias=False), nn.ZeroPad1d(2),
                                 nn.Conv1d(1, 1, 3, dilation=2, padding=2, bias=False))
    """))
    run = subprocess.run([sys.executable, "-m", "expressivity", "receptive-field", "--module", "rf_dilated:dilated",
                          "--input", "1x15", "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    last = json.loads(run.stdout)["layers"][-1]
    module = nn.Sequential(nn.Conv1d(1, 1, 3, stride=2, bias=False), nn.ZeroPad1d(2),
                           nn.Conv1d(1, 1, 3, dilation=2, padding=2, bias=False))
    truth = hulls(impulse_support(module, (1, 15)), 1)
    assert [None if w is None else tuple(w) for w in last["windows"][0]] == [
        None if truth[(i,)] is None else truth[(i,)][0] for i in range(len(truth))]
    assert last["stride"] == [2] and last["field"] == [11]  # the literature's 3 + 2 * 2 * 2, stride 2
