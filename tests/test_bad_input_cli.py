"""Bad input of issue 21 (item 5), as a user gives it: a real subprocess, one line on stderr, exit 2, in seconds.

Netlists whose size would take minutes and gigabytes (a header claiming 10^9 inputs, /dev/zero, files past
the byte or gate limit), parity circuits too large for their basis or with an absurd arity, a Ray address
where something that is not Ray listens, and list or time options that are empty, repeated or not a number.
Each case is refused before any work; the wall time of each run is bounded well below what the work took.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import listening, one_line_error
from expressivity.cli import main

#: Seconds a refusal may take here, interpreter start included, on a loaded machine (the work refused
#: took from 17 s to hours, and gigabytes).
REFUSED_WITHIN = 60


def refused(*args) -> tuple[str, float]:
    """Run ``expressivity ARGS``; assert exit 2, empty stdout, one line on stderr; return it and the seconds."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "expressivity", *map(str, args)], capture_output=True, text=True,
                          timeout=REFUSED_WITHIN, env={**os.environ, "PYTHONWARNINGS": "error"})
    seconds = time.monotonic() - started
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr[-2000:]
    assert done.stdout == ""
    return lines[0], seconds


# -- netlists ------------------------------------------------------------------------------------

def test_an_aiger_header_claiming_a_billion_inputs_is_refused_from_the_header(tmp_path):
    path = tmp_path / "claims.aig"
    path.write_bytes(b"aig 1000000000 1000000000 0 1 0\n2\n")  # 35 bytes; the inputs of binary AIGER take none
    line, _ = refused("compile", "--netlist", path)
    assert "1,000,000,000" in line and "--max-netlist-gates" in line, line
    ascii_path = tmp_path / "claims.aag"
    ascii_path.write_bytes(b"aag 1000000000 1000000000 0 1 0\n2\n")  # ASCII inputs are lines: it ends early
    line, _ = refused("compile", "--netlist", ascii_path, "--max-netlist-gates", 10**10)
    assert "line 3: the file ends where an input literal should be" in line, line


def test_dev_zero_is_read_no_further_than_the_byte_limit():
    line, _ = refused("compile", "--netlist", "/dev/zero", "--format", "aig")
    assert "not a regular file" in line and "--max-netlist-bytes" in line, line


def test_netlists_past_the_byte_or_gate_limit_name_the_option_to_raise(tmp_path):
    path = tmp_path / "chain.bench"
    gates = 50
    path.write_text("INPUT(a)\nINPUT(b)\nOUTPUT(g49)\ng0 = AND(a, b)\n"
                    + "".join(f"g{i} = XOR(g{i - 1}, a)\n" for i in range(1, gates)))
    size = path.stat().st_size
    line, _ = refused("compile", "--netlist", path, "--max-netlist-bytes", size - 1)
    assert f"{size:,} bytes, past the limit max_bytes = {size - 1:,}" in line and "--max-netlist-bytes" in line
    line, _ = refused("compile", "--netlist", path, "--max-netlist-gates", 40)
    # counted as read: two inputs and 38 gates fit, the 39th gate (line 3 + 39 = 42) does not
    assert "line 42: more than 40 inputs plus gates" in line and "--max-netlist-gates" in line, line
    line, _ = refused("compile", "--bits", "8", "--max-netlist-gates", "5")
    assert "--max-netlist-gates applies to --netlist" in line


def test_a_deep_chain_netlist_compiles_without_a_warning(tmp_path):
    """A 1,000-deep chain (the issue's had 2,000): its worst-case magnitude bound passes float64's range
    (past about 600 layers) and is inf, a true bound, without a RuntimeWarning."""
    path = tmp_path / "deep.bench"
    depth = 1000
    path.write_text(f"INPUT(a)\nINPUT(b)\nOUTPUT(g{depth - 1})\ng0 = XOR(a, b)\n"
                    + "".join(f"g{i} = XOR(g{i - 1}, {'a' if i % 2 else 'b'})\n" for i in range(1, depth)))
    done = subprocess.run([sys.executable, "-W", "error", "-m", "expressivity", "compile", "--netlist", path,
                           "--json", "--verify", "exhaustive"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    payload = json.loads(done.stdout)
    assert payload["verification"]["status"] == "verified" and payload["circuit_depth"] == depth
    assert payload["verification"]["inputs_checked"] == 4  # every input, each checked against the circuit


# -- generated parity circuits ---------------------------------------------------------------------

@pytest.mark.parametrize("args,needles", [
    (["--bits", "1000000", "--basis", "and-or-not"], ["--bits goes up to 131,072 with --basis and-or-not"]),
    (["--bits", "16", "--arity", "100000000000000000000"], ["--arity 100000000000000000000 is more than --bits 16"]),
    (["--bits", "100000", "--circuit", "xor-chain", "--basis", "and-or-not"], ["--basis and-or-not", "hidden units"]),
])
def test_parity_circuits_too_large_for_their_options_are_refused_before_building(args, needles):
    line, _ = refused("compile", *args)
    assert all(needle in line for needle in needles), line


# -- shared option parsers ---------------------------------------------------------------------------

@pytest.mark.parametrize("args,needle", [
    (["compile", "--bits", "4", "--time-limit", "nan"], "'nan' is not a positive, finite number of seconds"),
    (["shallow", "--bits", "4", "--time-limit", "inf"], "'inf' is not a positive, finite number of seconds"),
    (["compile", "--bits", "4", "--time-limit", "-1"], "'-1' is not a positive"),
    (["depth-width", "--bits", "3", "--time-limit", "nan"], "'nan' is not a non-negative, finite number"),
    (["depth-width", "--bits", "3", "--functions", "parity,,"], "item 2 is empty"),
    (["depth-width", "--bits", "3", "--functions", "parity,majority,parity"], "--functions names parity twice"),
    (["tied-width", "--bits", "6", "--groups", "3,3", "--groups", "3+3"], "--groups names 3+3 twice"),
])
def test_list_and_time_options_refuse_empty_repeated_and_non_finite_values(args, needle):
    """In process (importing torch in a subprocess per case would take most of this file's time)."""
    line = one_line_error(CliRunner().invoke(main, args))
    assert needle in line, line


def test_a_non_finite_time_limit_is_refused_by_the_command_a_user_runs():
    line, _ = refused("compile", "--bits", "4", "--time-limit", "nan")
    assert "'nan' is not a positive, finite number of seconds" in line, line


def test_depth_width_default_functions_leave_out_families_undefined_at_every_n():
    """--bits 3: ip and tribes (even n only) are left out of the default, not named as an error."""
    result = CliRunner().invoke(main, ["depth-width", "--bits", "3", "--depths", "1", "--max-width", "1", "--block",
                                       "1", "--seeds", "1", "--steps", "1", "--json"])
    assert result.exit_code == 0, result.output
    cells = json.loads(result.stdout)["cells"]
    assert sorted({cell["function"] for cell in cells}) == ["majority", "parity"]
    line = one_line_error(CliRunner().invoke(main, ["depth-width", "--bits", "3", "--functions", "ip"]))
    assert "--functions ip: not a family defined at any n in --bits 3" in line  # typed: still an error


def test_shallow_names_an_option_that_exists():
    done = subprocess.run([sys.executable, "-m", "expressivity", "shallow", "--bits", "60", "--construction",
                           "zigzag", "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    reason = json.loads(done.stdout)["verification"]["reason"]
    assert "max_bits" not in reason and "--max-exhaustive goes up to 40" in reason, reason


# -- a Ray address where something else listens ----------------------------------------------------------



@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the ray extra is not installed")
def test_a_ray_address_that_is_not_ray_is_refused_in_seconds():
    """A port that accepts and says nothing (Ray used to hang on it for minutes, printing C++ log lines);
    one that answers garbage is tested in test_backends.py."""
    with listening(b"") as port:
        line, seconds = refused("census", "--bits", "2", "--backend", "ray", "--address", f"127.0.0.1:{port}")
    assert "accepts connections but sends nothing back within 2 s" in line and f"127.0.0.1:{port}" in line, line
    assert seconds < REFUSED_WITHIN
