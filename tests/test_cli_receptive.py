"""``expressivity receptive-field``: results against the library, and every bad input refused in one line."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from click.testing import CliRunner

from expressivity.circuits.build import xor_tree
from expressivity.cli import main
from expressivity.cli.receptive_field import MAX_BITS, MAX_INPUT_SIZE, MAX_LISTED, MAX_LISTED_BITS
from expressivity.counts.receptive import unit_field_summary, unit_supports, xor_tree_unit_inputs
from expressivity.networks.compiler import compile_network

MODULES = """
    from collections import namedtuple

    import torch
    from torch import nn

    Outputs = namedtuple("Outputs", "logits aux")

    def net():
        return nn.Sequential(nn.Conv2d(3, 4, 7, stride=2, padding=3), nn.MaxPool2d(3, 2, 1), nn.AdaptiveAvgPool2d(1))

    def pool4():
        return nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(4))

    def upsample():
        return nn.Sequential(nn.Conv2d(3, 4, 3), nn.Upsample(scale_factor=2))

    class Inception(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.aux, self.pool = nn.Conv2d(3, 4, 3, stride=2), nn.Conv2d(4, 1, 1), nn.AdaptiveAvgPool2d(4)

        def forward(self, x):
            x = self.stem(x)
            if self.training:
                return Outputs(self.pool(x), self.aux(x))
            return self.pool(x)

    def training():
        return Inception().train()

    class Gate(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.fc = nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 1)

        def forward(self, x):
            x = self.conv(x)
            return x * torch.sigmoid(self.fc(x.mean((2, 3), keepdim=True)))

    def gate():
        return Gate()

    def conv1d():
        return nn.Sequential(nn.Conv1d(3, 4, 3), nn.ReLU())

    def broken():
        raise RuntimeError("no weights here")
"""


@pytest.fixture
def modules(tmp_path, monkeypatch):
    """A module file in the current folder (where load_module looks); its import name."""
    monkeypatch.chdir(tmp_path)
    name = f"rf_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODULES))
    return name


def run(*args):
    return CliRunner().invoke(main, ["receptive-field", *args])


def one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


# -- results -----------------------------------------------------------------------------------

def test_spec_json():
    result = run("--spec", "conv 3x3,3x3", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["layers"][-1]["field"] == [5, 5]


@pytest.mark.parametrize("bits, arity", [(16, 2), (13, 3), (40, 4), (1, 2)])
def test_bits_table_equals_the_compiled_networks_sparsity(bits, arity):
    result = run("--bits", str(bits), "--arity", str(arity), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["layers"] == unit_field_summary(compile_network(xor_tree(bits, arity)))
    assert "units" not in payload  # the listing only with --units


def test_units_listing_equals_the_sparsity_pattern():
    result = run("--bits", "10", "--arity", "3", "--units", "--json")
    assert result.exit_code == 0, result.output
    supports = unit_supports(compile_network(xor_tree(10, 3)))
    expected = [[sorted(support[[u], :].toarray().ravel().nonzero()[0].tolist()) for u in range(support.shape[0])]
                for support in supports]
    assert json.loads(result.output)["units"] == expected
    table = run("--bits", "10", "--arity", "3", "--units")
    assert "layer 2 unit 3: x{9}" in table.output


def test_the_listing_limit_is_stated_exactly():
    sizes = [xor_tree_unit_inputs(n) for n in range(1, MAX_LISTED_BITS + 2)]
    assert sizes == sorted(sizes) and sizes[-2] <= MAX_LISTED < sizes[-1]
    assert run("--bits", str(MAX_LISTED_BITS), "--units").exit_code == 0
    one_line_error(run("--bits", str(MAX_LISTED_BITS + 1), "--units"), f"n <= {MAX_LISTED_BITS:,} at arity 2")


def test_a_million_bits_take_no_time():
    start = time.perf_counter()
    result = run("--bits", "1048576", "--json")
    assert result.exit_code == 0 and time.perf_counter() - start < 2
    layers = json.loads(result.output)["layers"]
    assert len(layers) == 21 and layers[-2] == {"layer": 20, "units": 2, "min_bits": 2**20, "max_bits": 2**20}
    largest = run("--bits", str(MAX_BITS))
    assert largest.exit_code == 0 and str(MAX_BITS) in largest.output


def test_module_fields(modules):
    result = run("--module", f"{modules}:net", "--input", "3x224x224", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["mode"] == "eval"
    layers = payload["layers"]
    assert [layer["field"] for layer in layers] == [[7, 7], [11, 11], [224, 224]] and layers[-1]["whole_input"]
    table = run("--module", f"{modules}:net", "--input", "3x224x224")
    assert "traced with torch.fx in eval mode" in table.output and "whole input (224x224)" in table.output
    unsized = run("--module", f"{modules}:net")  # global pooling reads every position whatever the size
    assert unsized.exit_code == 0 and "input of unknown size" in unsized.output


def test_a_factory_in_training_mode_is_traced_in_eval_mode(modules):
    result = run("--module", f"{modules}:training", "--input", "3x17x17", "--json")
    assert result.exit_code == 0, result.output
    assert [layer["name"] for layer in json.loads(result.output)["layers"]] == ["stem", "pool"]


def test_a_gate_shows_its_local_field(modules):
    result = run("--module", f"{modules}:gate", "--input", "3x12x12")
    assert result.exit_code == 0, result.output
    mul = [line for line in result.output.splitlines() if line.strip().startswith("mul ")][0]
    assert "whole input (12x12)" in mul and mul.split()[-2] == "3x3"
    payload = json.loads(run("--module", f"{modules}:gate", "--input", "3x12x12", "--json").output)
    assert payload["layers"][-1]["local"]["field"] == [3, 3] and payload["layers"][-1]["whole_input"]


# -- bad input: one line on stderr, exit code 2, decided before any work ------------------------

@pytest.mark.parametrize("args, fragments", [
    (["--bits", "100000000000000000000"], ["--bits goes up to", str(MAX_BITS)]),
    (["--bits", str(MAX_BITS + 1)], ["--bits goes up to"]),
    (["--bits", "0"], ["--bits", "at least 1"]),
    (["--bits", "sixteen"], ["--bits", "sixteen"]),
    (["--bits", "2..8"], ["--bits", "2..8"]),
    (["--bits", "5000", "--units"], ["--units would list 133,160 unit inputs", f"{MAX_LISTED:,}"]),
    (["--bits", "100000000000000000", "--units"], ["--units would list"]),
    (["--bits", "8", "--arity", "1"], ["--arity"]),
    (["--spec", "conv 3x3", "--arity", "3"], ["--arity", "applies to --bits only"]),
    (["--spec", "conv 3x3", "--units"], ["--units applies to --bits only"]),
    (["--spec", "conv 3x3", "--input", "3x8x8"], ["--input applies to --module only"]),
    (["--spec", "conv 3x3", "--bits", "4"], ["give exactly one of --spec, --module, --bits", "--spec, --bits"]),
    ([], ["give exactly one of --spec, --module, --bits"]),
    (["--spec", "mlp 3,4"], ["has no spatial layers"]),
    (["--spec", "conv 3y3"], ["bad spec"]),
], ids=["bits-huge", "bits-past-max", "bits-zero", "bits-word", "bits-range", "units-too-many", "units-huge",
        "arity-one", "arity-without-bits", "units-without-bits", "input-without-module", "two-sources", "no-source",
        "mlp-spec", "bad-spec"])
def test_bad_input_without_a_module(args, fragments):
    one_line_error(run(*args), *fragments)


@pytest.mark.parametrize("factory, shape, fragments", [
    ("net", "3x224", ["--input 3x224 gives 1 spatial size, the module's convolutions are 2-D",
                      "give channels and 2 sizes, e.g. 3x224x224"]),
    ("conv1d", "3x32x32", ["--input 3x32x32 gives 2 spatial sizes, the module's convolutions are 1-D", "e.g. 3x32"]),
    ("net", "3by224", ["--input must be sizes joined by x"]),
    ("net", "3", ["--input needs channels and at least one positive spatial size"]),
    ("net", "3x0x4", ["--input needs channels"]),
    ("net", f"3x{MAX_INPUT_SIZE + 1}x4", ["--input sizes go up to"]),
    ("upsample", "3x32x32", ["--module", "Upsample", "no rule"]),
    ("pool4", None, ["--module", "AdaptiveAvgPool2d", "give the input shape"]),
    ("nothing", "3x8x8", ["--module", "has no attribute 'nothing'"]),
    ("broken", "3x8x8", ["--module", "RuntimeError: no weights here"]),
    ("net", "1x224x224", ["--module", "input shape 1x224x224: Sequential cannot take it", "to have 3 channels"]),
    ("conv1d", "3x2", ["--module", "input shape 3x2: Sequential cannot take it", "Kernel size"]),
], ids=["input-1d-for-2d", "input-2d-for-1d", "input-word", "input-no-spatial", "input-zero", "input-huge",
        "no-rule", "needs-shape", "no-factory", "factory-fails", "shape-channels", "shape-too-small"])
def test_bad_module_input(modules, factory, shape, fragments):
    args = ["--module", f"{modules}:{factory}"] + (["--input", shape] if shape else [])
    one_line_error(run(*args), *fragments)


def test_huge_bits_are_refused_by_the_installed_command_within_seconds():
    command = shutil.which("expressivity")
    command = [command] if command else [sys.executable, "-m", "expressivity"]
    start = time.perf_counter()
    done = subprocess.run(command + ["receptive-field", "--bits", "100000000000000000000"],
                          capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - start < 20  # start-up and refusal: seconds, with room for a loaded machine
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("Error: --bits goes up to")
