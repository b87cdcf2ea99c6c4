"""`expressivity compile --netlist`: tables, JSON, --balance, --sample, and one-line errors for every new option."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import all_inputs, naive_table, one_line_error
from expressivity.circuits import read_netlist
from expressivity.cli import main
from expressivity.networks.export import load_network

ISCAS = Path(__file__).resolve().parent / "data" / "iscas85"  # copies of ../shared/data/iscas85: CI clones lack it

XOR_CHAIN_BENCH = "".join(f"INPUT(x{i})\n" for i in range(8)) + "OUTPUT(p)\nOUTPUT(q)\nc1 = XOR(x0, x1)\n" + \
    "".join(f"c{i} = XOR(c{i - 1}, x{i})\n" for i in range(2, 7)) + "p = XOR(c6, x7)\nq = NAND(x0, x7)\n"


def run(*args):
    return CliRunner().invoke(main, ["compile", *map(str, args)])


@pytest.fixture
def chain_file(tmp_path):
    path = tmp_path / "chain.bench"
    path.write_text(XOR_CHAIN_BENCH)
    return path


def test_c17_prints_the_netlist_and_verifies_every_output(tmp_path):
    out = tmp_path / "c17.pt"
    result = run("--netlist", ISCAS / "c17.bench", "--out", out)
    assert result.exit_code == 0, result.output
    assert "5 inputs, 2 outputs (N22, N23)" in result.output and "NAND 6" in result.output
    assert "verified (exhaustive): all 32 inputs" in result.output
    expected = naive_table(read_netlist(ISCAS / "c17.bench"))
    assert np.array_equal(load_network(out).forward(all_inputs(5)), expected)


def test_c432_json_is_certified_with_a_sampled_cross_check():
    result = run("--netlist", ISCAS / "c432.bench", "--sample", 500, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["verification"]["status"] == "verified" and payload["verification"]["method"] == "compositional"
    assert payload["netlist"]["outputs"] == 7 and payload["network"]["hidden_layers"] == payload["circuit_depth"]
    assert payload["netlist"]["gates"] == {"AND": 4, "NAND": 79, "NOR": 19, "NOT": 40, "XOR": 18}
    assert payload["sampled"] == {**payload["sampled"], "label": "sampled", "samples": 500, "mismatches": 0}


def test_balance_prints_before_and_after_and_verifies_against_the_netlist(chain_file):
    result = run("--netlist", chain_file, "--balance", "--sample", 64)
    assert result.exit_code == 0, result.output
    assert "balance (plain)" in result.output and "circuit depth 7 -> 3" in result.output
    assert "network depth 7 -> 3" in result.output
    assert "(against the original circuit)" in result.output
    assert "sampled (not a proof)" in result.output and "verified (sampled" not in result.output


def test_balance_json_beyond_exhaustive_reach_is_certified(chain_file):
    result = run("--netlist", chain_file, "--balance", "xor-aware", "--max-exhaustive", 4, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    balance = payload["balance"]
    assert (balance["circuit_depth_before"], balance["circuit_depth_after"]) == (7, 3)
    assert balance["network_before"]["hidden_layers"] == 7 and balance["network_after"]["hidden_layers"] == 3
    assert payload["verification"]["method"] == "compositional" and payload["verification"]["status"] == "verified"
    assert "equals the original" in payload["verification"]["reason"]


def test_the_format_option_reads_a_file_without_a_suffix(tmp_path):
    path = tmp_path / "adder"
    path.write_text(".model m\n.inputs a b\n.outputs s\n.names a b s\n10 1\n01 1\n.end\n")
    payload = json.loads(run("--netlist", path, "--format", "blif", "--json").output)
    assert payload["verification"]["status"] == "verified" and payload["netlist"]["format"] == "blif"


def test_aiger_output_names_come_through(tmp_path):
    path = tmp_path / "and.aag"
    path.write_text("aag 3 2 0 1 1\n2\n4\n6\n6 2 4\ni0 left\ni1 right\no0 both\n")
    payload = json.loads(run("--netlist", path, "--json").output)
    assert payload["netlist"]["output_names"] == ["both"] and payload["netlist"]["input_names"] == ["left", "right"]


@pytest.mark.parametrize("args,message", [
    (["--netlist", "{missing}"], "does not exist"),
    (["--netlist", "{chain}", "--format", "vhdl"], "--format"),
    (["--netlist", "{chain}", "--format", "aag"], "not an AIGER header"),
    (["--netlist", "{chain}", "--balance", "greedy"], "--balance"),
    (["--netlist", "{chain}", "--sample", "-1"], "--sample"),
    (["--netlist", "{chain}", "--sample", "0"], "--sample"),
    (["--netlist", "{chain}", "--sample", "many"], "--sample"),
    (["--bits", "8", "--balance"], "--balance applies to --netlist"),
    (["--bits", "8", "--sample", "10"], "--sample applies to --netlist"),
    (["--bits", "8", "--format", "bench"], "--format applies to --netlist"),
    (["--bits", "8", "--netlist", "{chain}"], "give one"),
    ([], "--bits"),
    (["--netlist", "{chain}", "--arity", "3"], "--arity"),
    (["--netlist", "{chain}", "--circuit", "dnf"], "--circuit"),
    (["--netlist", "{chain}", "--basis", "and-or-not"], "--basis"),
    (["--netlist", "{chain}", "--verify", "exhaustive", "--max-exhaustive", "4"], "--max-exhaustive 4"),
    (["--netlist", "{bad}"], "line 2: unknown gate 'MAJ'"),
    (["--netlist", "{unknown_suffix}"], "cannot tell the format"),
    (["--netlist", "{folder}"], "directory"),
])
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, chain_file, args, message):
    (tmp_path / "bad.bench").write_text("INPUT(a)\ny = MAJ(a, a, a)\nOUTPUT(y)\n")
    (tmp_path / "netlist.vhd").write_text("entity e is end;\n")
    paths = {"missing": tmp_path / "none.bench", "chain": chain_file, "bad": tmp_path / "bad.bench",
             "unknown_suffix": tmp_path / "netlist.vhd", "folder": tmp_path}
    line = one_line_error(run(*(arg.format(**paths) for arg in args)))
    assert message in line, line


def test_a_netlist_too_large_to_compile_is_refused_before_compiling(tmp_path, monkeypatch):
    import expressivity.compiling as compiling

    monkeypatch.setattr(compiling, "MAX_NETWORK_NEURONS", 10)
    path = tmp_path / "chain.bench"
    path.write_text(XOR_CHAIN_BENCH)
    line = one_line_error(run("--netlist", path))
    assert "hidden units" in line and "more than the 10 " in line, line


def test_balance_compiles_a_chain_whose_network_as_read_is_too_large(tmp_path, monkeypatch):
    import expressivity.compiling as compiling

    path = tmp_path / "chain.bench"
    path.write_text(XOR_CHAIN_BENCH)
    # as read: 7 XORs of 2 units, the NAND's unit, 21 copies of inputs and 6 of the NAND's value = 42;
    # rebalanced: 7 XORs of 2 units, the NAND's unit and 2 copies of its value = 17
    monkeypatch.setattr(compiling, "MAX_NETWORK_NEURONS", 30)
    assert "more than the 30 " in one_line_error(run("--netlist", path))
    result = run("--netlist", path, "--balance", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["balance"]["network_before"] == {"hidden_layers": 7, "widths": None, "neurons": 42,
                                                    "parameters": None, "nonzero_weights": None}
    assert payload["network"]["neurons"] == 17 and payload["verification"]["status"] == "verified"
