"""Specs with symbolic sizes, and counts of torch modules against torch's own numel."""
from __future__ import annotations

import json
import textwrap
import uuid

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from expressivity.cli import main
from expressivity.counts.modules import ModuleLoadError, count_module, load_module
from expressivity.counts.spec import SpecError, parse_spec

POSITIVE = {"integer": True, "positive": True}


def torch_numel(module: nn.Module) -> int:
    """torch's own count: ``parameters()`` yields each Parameter object once."""
    return sum(p.numel() for p in module.parameters())


# -- the lecture's numbers ------------------------------------------------------------

def test_lecture_mlp_numbers():
    spec = parse_spec("mlp 3,4,4,1")
    assert [layer.weights for layer in spec.layers][:2] == [12, 16]
    assert spec.parameters == 41
    assert parse_spec("mlp 3,4,2").parameters == 26
    symbolic = parse_spec("mlp n,w,1").parameters
    nn_, w = sympy.symbols("n w", **POSITIVE)
    assert sympy.expand(symbolic - (w * (nn_ + 2) + 1)) == 0
    assert parse_spec("mlp n,w,1").display() == "w*(n + 2) + 1"


def test_lecture_convolution_numbers():
    one, two = parse_spec("conv 5x5"), parse_spec("conv 3x3,3x3")
    assert (one.parameters, two.parameters) == (25, 18)
    assert one.field.size == two.field.size == (5, 5)
    k = sympy.Symbol("k", **POSITIVE)
    stacked = parse_spec("conv kxk,kxk")
    assert stacked.parameters == sympy.expand(2 * k**2) and stacked.field.size == (2 * k - 1, 2 * k - 1)


def _mlp(sizes, bias=True):
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b, bias=bias), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=2, max_size=6), st.booleans())
def test_mlp_spec_equals_torch_numel(sizes, bias):
    text = "mlp " + ",".join(map(str, sizes)) + ("" if bias else " nobias")
    assert parse_spec(text).parameters == torch_numel(_mlp(sizes, bias))


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=4),
       st.lists(st.integers(1, 6), min_size=5, max_size=5), st.booleans())
def test_conv_spec_equals_torch_numel(kernels, channels, bias):
    channels = channels[: len(kernels) + 1]
    text = "conv " + ",".join(f"{h}x{w}" for h, w in kernels) + " channels=" + ",".join(map(str, channels))
    text += " bias" if bias else ""
    module = nn.Sequential(*(nn.Conv2d(a, b, kernel, bias=bias) for a, b, kernel in zip(channels, channels[1:], kernels)))
    assert parse_spec(text).parameters == torch_numel(module)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=3, max_size=5))
def test_symbolic_mlp_evaluates_like_the_numeric_one(sizes):
    names = [f"a{i}" for i in range(len(sizes))]
    symbolic = parse_spec("mlp " + ",".join(names))
    assert symbolic.evaluate(dict(zip(names, sizes))).parameters == parse_spec("mlp " + ",".join(map(str, sizes))).parameters


@pytest.mark.parametrize("text, fragment", [
    ("", "empty spec"),
    ("rnn 3,4", "starts with 'mlp' or 'conv'"),
    ("mlp 3", "at least two sizes"),
    ("mlp 3,0,1", "at least 1"),
    ("mlp 3,4 fast", "unknown mlp option"),
    ("conv", "needs its layers"),
    ("conv 3x3,,3x3", "empty layer"),
    ("conv 3x3/q2", "bad modifier"),
    ("conv 3x3/s2/s3", "bad modifier"),
    ("conv maxpool2/d2", "dilation applies to convolutions only"),
    ("conv 3x3 channels=1,2,3", "needs 2 counts"),
    ("conv 3y3", "kernel of '3y3'"),
    ("conv 3x3 wide", "unknown conv option"),
])
def test_bad_specs_name_what_failed(text, fragment):
    with pytest.raises(SpecError, match=fragment):
        parse_spec(text)


# -- torch modules ---------------------------------------------------------------------

class TiedLanguageModel(nn.Module):
    def __init__(self, vocabulary=50, width=8):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, width)
        self.body = nn.Sequential(nn.Linear(width, width), nn.LayerNorm(width))
        self.head = nn.Linear(width, vocabulary)
        self.head.weight = self.embed.weight  # tied

    def forward(self, tokens):
        return self.head(self.body(self.embed(tokens)))


def test_tied_weights_are_counted_once_like_torch_numel():
    model = TiedLanguageModel()
    count = count_module(model)
    assert count.parameters == torch_numel(model)
    assert count.naive_parameters == torch_numel(model) + 50 * 8  # what a per-layer sum reports
    assert count.tied == 400
    head = [layer for layer in count.layers if layer.name == "head"][0]
    assert head.parameters == 50 and head.shared == ("weight <- embed.weight",)


def test_a_submodule_used_twice_is_counted_once():
    block = nn.Linear(6, 6)
    model = nn.Sequential(block, nn.ReLU(), block)
    count = count_module(model)
    assert count.parameters == torch_numel(model) == 42
    assert count.naive_parameters == 84


def test_trainable_frozen_and_buffers():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2))
    model[0].weight.requires_grad_(False)
    count = count_module(model)
    assert count.parameters == torch_numel(model)
    assert count.trainable == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert count.frozen == model[0].weight.numel()
    assert count.buffers == sum(b.numel() for b in model.buffers())
    assert [layer.name for layer in count.layers] == ["0", "1", "2"]


def _write_module(tmp_path, body: str) -> str:
    name = f"factory_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    return name


def test_load_module_from_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = _write_module(tmp_path, """
        from torch import nn
        def make():
            return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        def broken():
            raise RuntimeError("no weights here")
        def not_a_module():
            return 3
        instance = nn.Linear(2, 2)
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(5, 5)
    """)
    assert torch_numel(load_module(f"{name}:make")) == 21
    assert isinstance(load_module(f"{name}:instance"), nn.Linear)
    assert isinstance(load_module(f"{name}:Net"), nn.Module)
    for path, fragment in [
        ("no_colon", "package.module:factory"),
        ("no_such_package_xyz:make", "cannot import no_such_package_xyz"),
        (f"{name}:missing", "has no attribute"),
        (f"{name}:broken", "RuntimeError: no weights here"),
        (f"{name}:not_a_module", "returned a int"),
    ]:
        with pytest.raises(ModuleLoadError, match=fragment):
            load_module(path)


def test_cli_count_module_and_spec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = _write_module(tmp_path, """
        from torch import nn
        def tied():
            embed = nn.Embedding(10, 4)
            head = nn.Linear(4, 10, bias=False)
            head.weight = embed.weight
            return nn.Sequential(embed, head)
    """)
    runner = CliRunner()
    result = runner.invoke(main, ["count", "--module", f"{name}:tied", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["parameters"] == 40 and payload["naive_parameters"] == 80
    table = runner.invoke(main, ["count", "--module", f"{name}:tied"])
    assert "tied parameters counted once" in table.output
    spec = runner.invoke(main, ["count", "--spec", "mlp n,w,1", "--json"])
    assert json.loads(spec.output)["parameters"] == "n*w + 2*w + 1"
    assert "w*(n + 2) + 1" in runner.invoke(main, ["count", "--spec", "mlp n,w,1"]).output
    latex = runner.invoke(main, ["count", "--spec", "conv 3x3,3x3", "--latex"])
    assert latex.exit_code == 0 and r"\begin{tabular}" in latex.output
    for args in (["count", "--module", f"{name}:nothing"], ["count", "--module", "nopackage_q:make"],
                 ["count", "--spec", "mlp 3"], ["count", "--module", f"{name}:tied", "--latex"]):
        bad = runner.invoke(main, args)
        assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1, (args, bad.output)


def test_count_needs_no_forward_pass():
    # A module whose forward would fail still counts: nothing runs.
    class NoForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            raise AssertionError("forward must not run")

    assert count_module(NoForward()).parameters == 12 == torch_numel(NoForward())
