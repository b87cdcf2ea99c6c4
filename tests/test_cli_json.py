"""``--json`` is JSON on stdout and nothing else, for every command, run as a real process.

A solver or a library that writes to file descriptor 1 from C++ (HiGHS 1.16's banner,
Ray's workers) is invisible to click's CliRunner, which only swaps ``sys.stdout``; so
each command runs here as a user runs it, and its whole stdout must parse.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from expressivity.cli import COMMANDS

# The smallest run of each command; every command must have one (see the test below).
TINY = {
    "compile": ["--bits", "4"],
    "shallow": ["--bits", "3"],
    "count": ["--bits", "4"],
    "receptive-field": ["--spec", "conv 3x3,3x3"],
    "search-width": ["--bits", "2", "--widths", "2", "--seeds", "4", "--steps", "200"],
    "prove-width": ["--bits", "3"],
    "tied-width": ["--bits", "3"],
    "depth-width": ["--functions", "parity", "--bits", "2", "--depths", "1", "--max-width", "2",
                    "--seeds", "4", "--steps", "200"],
    "census": ["--bits", "2"],
    "regions": ["--sawtooth", "3"],
}
QUIET = {"count", "receptive-field", "regions"}  # commands without a progress bar


def run_json(args: list[str], cwd) -> dict:
    done = subprocess.run([sys.executable, "-m", "expressivity", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**os.environ, "PYTHONWARNINGS": "error"})
    assert done.returncode == 0, done.stderr
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as error:
        raise AssertionError(f"stdout of {args} is not JSON ({error}); it starts {done.stdout[:120]!r}") from None


def test_every_command_has_a_tiny_run():
    assert set(COMMANDS) <= set(TINY), f"add a tiny --json run for {sorted(set(COMMANDS) - set(TINY))}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_json_is_json_as_a_process(command, tmp_path):
    args = [command, *TINY[command], "--json"] + ([] if command in QUIET else ["--no-progress"])
    payload = run_json(args, tmp_path)
    assert isinstance(payload, dict) and payload


def test_prove_width_json_first_solver_of_the_process(tmp_path):
    """The HiGHS banner comes with a process's first solver object: a fresh process, a proof that needs one."""
    payload = run_json(["prove-width", "--bits", "4", "--max-width", "3", "--json", "--no-progress"], tmp_path)
    assert [row["lower_bound"] for row in payload["summaries"]] == [3]
