"""`expressivity compile` through click's CliRunner: tables, JSON, files, bad input."""
from __future__ import annotations

import json

import numpy as np
import onnxruntime
import pytest
import torch
from click.testing import CliRunner

from conftest import all_inputs
from expressivity.cli import main
from expressivity.networks.export import load_network


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_compile_16_bits_prints_the_table():
    result = run("compile", "--bits", "16")
    assert result.exit_code == 0, result.output
    assert "4 hidden layers" in result.output
    assert "verified (exhaustive): all 65536 inputs" in result.output
    assert "16, 8, 4, 2" in result.output


def test_json_has_the_same_facts():
    result = run("compile", "--bits", "9", "--arity", "3", "--json")
    payload = json.loads(result.output)
    assert payload["network"]["hidden_layers"] == payload["circuit_depth"] == 2
    assert payload["verification"]["status"] == "verified"
    assert payload["verification"]["inputs_checked"] == 2**9


def test_large_n_is_certified_not_sampled():
    payload = json.loads(run("compile", "--bits", "5000", "--json").output)
    assert payload["verification"]["method"] == "compositional"
    assert payload["verification"]["status"] == "verified"
    assert payload["network"]["hidden_layers"] == 13


def test_exhaustive_beyond_the_limit_is_refused_up_front():
    result = run("compile", "--bits", "12", "--verify", "exhaustive", "--max-exhaustive", "10", "--json")
    assert result.exit_code == 2 and "--max-exhaustive 10" in result.output
    result = run("compile", "--bits", "64", "--verify", "exhaustive")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "--max-exhaustive 24" in result.output
    # within --max-exhaustive but over the time estimate: refused too, naming --time-limit
    result = run("compile", "--bits", "22", "--verify", "exhaustive", "--time-limit", "0.001")
    assert result.exit_code == 2 and "--time-limit" in result.output


def test_auto_beyond_the_limit_certifies_instead():
    payload = json.loads(run("compile", "--bits", "12", "--max-exhaustive", "10", "--json").output)
    assert payload["verification"]["method"] == "compositional" and payload["verification"]["status"] == "verified"


@pytest.mark.parametrize("circuit,basis", [("xor-chain", "xor"), ("dnf", "xor"), ("xor-tree", "and-or-not")])
def test_other_circuits_and_bases(circuit, basis):
    payload = json.loads(run("compile", "--bits", "6", "--circuit", circuit, "--basis", basis, "--json").output)
    assert payload["verification"]["status"] == "verified"
    assert payload["network"]["hidden_layers"] == payload["circuit_depth"]


def test_files_are_written_and_load_back(tmp_path):
    out, onnx_path, dot = tmp_path / "net.pt", tmp_path / "net.onnx", tmp_path / "c.dot"
    result = run("compile", "--bits", "7", "--out", str(out), "--onnx", str(onnx_path), "--circuit-dot", str(dot))
    assert result.exit_code == 0, result.output
    x = all_inputs(7)
    parity = (x.sum(axis=1) % 2)[:, None]
    assert np.array_equal(load_network(out).forward(x), parity)
    raw = torch.load(out, weights_only=True)
    assert len(raw["layers"]) == 4
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    assert np.array_equal(session.run(None, {"x": x.astype(np.float64)})[0], parity.astype(np.float64))
    assert dot.read_text().startswith("digraph circuit {")
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary files


@pytest.mark.parametrize(
    "args,message",
    [
        (["--bits", "0"], "--bits"),
        (["--bits", "-3"], "--bits"),
        (["--bits", "many"], "--bits"),
        (["--bits", "8", "--arity", "1"], "--arity"),
        (["--bits", "8", "--circuit", "tree"], "--circuit"),
        (["--bits", "8", "--out", "/no/such/folder/net.pt"], "does not exist"),
        (["--bits", "40", "--circuit", "dnf"], "terms"),
        (["--bits", "100000000"], "memory"),
        (["--bits", "4", "--max-exhaustive", "0"], "--max-exhaustive"),
        (["--bits", "4", "--verify", "maybe"], "--verify"),
        (["--bits", "4", "--basis", "nand"], "--basis"),
        (["--bits", "4", "--onnx", "/no/such/folder/net.onnx"], "does not exist"),
        (["--bits", "4", "--circuit-dot", "/no/such/folder/c.dot"], "does not exist"),
        (["--bits", "4", "--network-dot", "/no/such/folder/n.dot"], "does not exist"),
        ([], "--bits"),
        (["--bits", "99999999999999999999999"], "--bits goes up to"),
        (["--bits", "4..6"], "one n"),
        (["--bits", "8", "--circuit", "xor-chain", "--arity", "3"], "--arity"),
        (["--bits", "8", "--circuit", "dnf", "--arity", "3"], "--arity"),
        (["--bits", "8", "--onnx-dtype", "float32"], "--onnx-dtype"),
        (["--bits", "8", "--verify", "none", "--max-exhaustive", "10"], "--max-exhaustive"),
        (["--bits", "8", "--verify", "compositional", "--time-limit", "5"], "--time-limit"),
        (["--bits", "8", "--time-limit", "0"], "--time-limit"),
        (["--bits", "8", "--out", "/proc/version"], "cannot write /proc/version"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args, message):
    result = run("compile", *args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and message in lines[0]


def test_directory_as_out_path_is_refused(tmp_path):
    result = run("compile", "--bits", "4", "--out", str(tmp_path))
    assert result.exit_code == 2 and "Error:" in result.output


def test_onnx_export_of_a_huge_network_is_refused_in_one_line(tmp_path):
    result = run("compile", "--bits", "20000", "--onnx", str(tmp_path / "big.onnx"))
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error: --onnx: ONNX export stores dense matrices")
    assert not (tmp_path / "big.onnx").exists()


def test_float32_onnx_is_exact_where_offered(tmp_path):
    path = tmp_path / "net32.onnx"
    result = run("compile", "--bits", "9", "--arity", "3", "--onnx", str(path), "--onnx-dtype", "float32")
    assert result.exit_code == 0, result.output
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = all_inputs(9)
    y = session.run(None, {"x": x.astype(np.float32)})[0]
    assert y.dtype == np.float32 and np.array_equal(y, (x.sum(axis=1) % 2)[:, None].astype(np.float32))


def test_float32_onnx_is_refused_where_it_would_round(tmp_path):
    from expressivity.networks.export import export_onnx, onnx_problem
    from expressivity.networks.layered import LayeredNet

    big = LayeredNet.from_dense([[[2**24]], [[1]]], [[0], [0]])
    assert "2^24" in onnx_problem(big, "float32") and onnx_problem(big, "float64") is None
    with pytest.raises(ValueError, match="float32 would round"):
        export_onnx(big, tmp_path / "big.onnx", dtype="float32")
    assert not (tmp_path / "big.onnx").exists()


def test_saved_file_loads_back_as_a_torch_module_in_two_lines(tmp_path):
    out = tmp_path / "net.pt"
    assert run("compile", "--bits", "6", "--out", str(out)).exit_code == 0
    from expressivity.networks.export import load_network

    module = load_network(out).to_torch()
    x = all_inputs(6)
    y = module(torch.as_tensor(x, dtype=torch.float64)).detach().numpy()
    assert np.array_equal(y, (x.sum(axis=1) % 2)[:, None])
    raw = torch.load(out, weights_only=True)
    assert raw["inputs"] == "0/1" and set(raw["layers"][0]["weight"]) == {"shape", "row", "col", "value"}


def test_bare_command_prints_help_and_succeeds():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "expressivity"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Usage:" in done.stdout and "Error" not in done.stdout + done.stderr
