"""Output options never destroy what the user pointed at (issue 21), as a user runs the commands.

A character device stays a device, a FIFO gets the bytes, a symlink chain's
final target is written with its mode and owner kept, a dangling symlink's
target is created (records appended through it keep its mode); an empty path,
a folder, a missing folder and one file named by two options are refused with
one line and exit 2 before any work.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import numpy as np
import onnxruntime
import pytest
from click.testing import CliRunner

from conftest import all_inputs
from expressivity.cli import main

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="mknod and chown to another user need root (CI runs as root)")


def expressivity(*args):
    """The command as a user runs it: a real process."""
    return subprocess.run([sys.executable, "-m", "expressivity", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def one_line_refusal(result, expected):
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr


def parity(n):
    x = all_inputs(n)
    return x, (x.sum(axis=1) % 2)[:, None]


@root_only
def test_a_device_a_symlink_chain_and_a_fifo_in_one_run(tmp_path):
    # --out: a character device made with mknod, /dev/null's numbers
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    before = os.lstat(device).st_rdev
    # --onnx: a chain second -> first -> real/net.onnx, an existing mode-600 file of another owner
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "net.onnx"
    target.write_bytes(b"old")
    os.chown(target, 65534, 65534)
    os.chmod(target, 0o600)
    os.symlink(target, tmp_path / "first")
    os.symlink("first", tmp_path / "second")
    # --circuit-dot: a FIFO, read by a thread that opened it first (a FIFO's writer waits for a reader)
    fifo = tmp_path / "circuit.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()

    result = expressivity("compile", "--bits", 5, "--out", device, "--onnx", tmp_path / "second", "--circuit-dot", fifo,
                          "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["files"] == {"out": str(device), "onnx": str(tmp_path / "second"),
                                                  "circuit_dot": str(fifo)}
    reader.join(30)

    assert stat.S_ISCHR(os.lstat(device).st_mode) and os.lstat(device).st_rdev == before

    assert os.readlink(tmp_path / "second") == "first" and os.readlink(tmp_path / "first") == str(target)
    info = target.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid) == (0o600, 65534, 65534)
    x, expected = parity(5)
    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    assert np.array_equal(session.run(None, {"x": x.astype(np.float64)})[0], expected.astype(np.float64))

    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    # a tree of 2-input XORs over 5 inputs has 5 - 1 gates
    assert received[0].startswith("digraph circuit {") and received[0].count('label="XOR"') == 5 - 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["circuit.fifo", "first", "net.onnx", "null", "real",
                                                           "second"]  # no temporary file left anywhere


def test_an_empty_out_is_refused(tmp_path):
    one_line_refusal(expressivity("compile", "--bits", 4, "--out", ""), "--out: an empty path names no file")


def test_out_and_onnx_naming_one_file_through_a_symlink_are_refused(tmp_path):
    os.symlink("net.pt", tmp_path / "link")
    result = expressivity("compile", "--bits", 4, "--out", tmp_path / "net.pt", "--onnx", tmp_path / "link")
    one_line_refusal(result, "name the same file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link"]  # refused before anything was written


# Every command, every output option, in-process (the subprocess tests above show the real process's behaviour).
COMMANDS = {
    "compile": (["compile", "--bits", "4"], ["--out", "--onnx", "--network-dot", "--circuit-dot"]),
    "shallow": (["shallow", "--bits", "4"], ["--out", "--onnx", "--network-dot"]),
    "census": (["census", "--bits", "2"], ["--records", "--plot"]),
    "search-width": (["search-width", "--bits", "2", "--widths", "2", "--seeds", "1", "--steps", "1"],
                     ["--records", "--plot"]),
    "depth-width": (["depth-width", "--functions", "parity", "--bits", "2", "--max-width", "2", "--seeds", "1",
                     "--steps", "1"], ["--records", "--plot"]),
    "prove-width": (["prove-width", "--bits", "2"], ["--records"]),
    "tied-width": (["tied-width", "--bits", "2"], ["--records"]),
}
BAD = {"empty": ("", "empty path"), "folder": (".", "director"), "missing folder": ("nowhere/f.png", "does not exist")}


def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("command,option", [(c, o) for c, (_, options) in COMMANDS.items() for o in options])
def test_every_output_option_refuses_unwritable_paths(tmp_path, monkeypatch, command, option, bad):
    monkeypatch.chdir(tmp_path)
    path, expected = BAD[bad]
    result = run(*COMMANDS[command][0], option, path)
    assert result.exit_code == 2 and result.output.count("\n") == 1 and expected in result.output, result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [c for c, (_, options) in COMMANDS.items() if len(options) > 1])
def test_two_options_naming_one_file_are_refused(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    os.symlink("out.png", "link")
    first, second = COMMANDS[command][1][:2]
    result = run(*COMMANDS[command][0], first, "out.png", second, "link")
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "name the same file" in result.output, \
        result.output
    assert sorted(os.listdir()) == ["link"]


def test_records_go_through_a_dangling_symlink_then_keep_their_mode(tmp_path):
    os.symlink("proofs.jsonl", tmp_path / "link.jsonl")  # dangling: the first append creates proofs.jsonl
    target = tmp_path / "proofs.jsonl"
    result = run("prove-width", "--bits", "2", "--records", str(tmp_path / "link.jsonl"), "--json")
    assert result.exit_code == 0, result.output
    first = target.read_text()
    os.chmod(target, 0o600)
    result = run("prove-width", "--bits", "3", "--records", str(tmp_path / "link.jsonl"), "--json")
    assert result.exit_code == 0, result.output
    assert os.readlink(tmp_path / "link.jsonl") == "proofs.jsonl" and stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text()
    assert text.startswith(first)  # appended, nothing lost
    records = [json.loads(line) for line in text.splitlines()]
    # XOR of 2 bits is not linearly separable, so one hidden unit cannot compute it: width 1 is infeasible
    assert (records[0]["n"], records[0]["width"], records[0]["status"]) == (2, 1, "proven-infeasible")
    assert {r["n"] for r in records[1:]} == {3} and len(records) > 1
