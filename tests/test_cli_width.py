"""The three width commands: bad input refused in one line before any work, one vocabulary, time limits that hold."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import forbid

import expressivity.prove.milp.width as prove
import expressivity.search.width as width_module
from expressivity.cli import main


def one_line_error(result, option: str) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.output
    assert "Traceback" not in result.output and option in lines[0], lines[0]
    return lines[0]


def no_work(monkeypatch):
    """Training and solving fail the test if they start."""
    forbid(monkeypatch, width_module, "train_models", "bad input must be refused before training")
    forbid(monkeypatch, prove, "build_model", "bad input must be refused before a program is built")


SEARCH = ["search-width", "--bits", "3", "--widths", "2", "--seeds", "2", "--steps", "5", "--device", "cpu"]


@pytest.mark.parametrize("args, option, words", [
    (["--widths", "1000000000"], "--widths", "GB"),
    (["--widths", "1..1000000000"], "--widths", "budget"),
    (["--bits", "24", "--widths", "4096"], "--widths", "n = 24"),
    (["--seeds", "1000000000"], "--seeds", "budget"),
    (["--steps", "10000000000"], "--steps", "days"),
    (["--seeds", "0"], "--seeds", "at least 1"),
    (["--steps", "-1"], "--steps", "at least 0"),
    (["--seed", "-1"], "--seed", "non-negative"),
    (["--lr", "0"], "--lr", "positive"),
    (["--lr", "nan"], "--lr", "positive"),
    (["--eps", "-1"], "--eps", "positive"),
    (["--beta1", "1"], "--beta1", "[0, 1)"),
    (["--beta2", "-0.5"], "--beta2", "[0, 1)"),
    (["--bits", "25"], "--bits", "up to 24"),
    (["--resume"], "--resume", "--records"),
])
def test_search_width_refuses_in_one_line_before_training(monkeypatch, args, option, words):
    no_work(monkeypatch)
    started = time.perf_counter()
    result = CliRunner().invoke(main, SEARCH + args)
    assert words in one_line_error(result, option)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("name, words", [
    ("p.txt", "cannot write '.txt'"),
    ("plot", "without a suffix"),
    ("p.pgf-not", "cannot write"),
    ("missing/p.png", "does not exist"),
])
def test_bad_plot_paths_are_refused_before_training(tmp_path, monkeypatch, name, words):
    no_work(monkeypatch)
    records, plot = tmp_path / "r.jsonl", tmp_path / name
    result = CliRunner().invoke(main, SEARCH + ["--records", str(records), "--plot", str(plot)])
    assert words in one_line_error(result, "--plot")
    assert not plot.exists() and not records.exists() and not width_module.weights_folder(records).exists()


def test_every_format_matplotlib_offers_is_checked_by_writing_it():
    from expressivity.results.plots import plot_format, plot_formats

    for suffix in plot_formats():
        try:
            assert plot_format(f"w.{suffix}") == suffix
        except ValueError as error:  # e.g. pgf without LaTeX: refused up front, saying why
            assert f".{suffix}" in str(error)
    assert plot_format("w.SVG") == "svg"


def test_output_files_that_clash_are_refused(tmp_path, monkeypatch):
    no_work(monkeypatch)
    records = tmp_path / "r.jsonl"
    result = CliRunner().invoke(main, SEARCH + ["--records", str(records), "--plot", str(records)])
    one_line_error(result, "--plot")
    width_module.weights_folder(records).write_text("a file where the weights folder goes")
    result = CliRunner().invoke(main, SEARCH + ["--records", str(records)])
    assert "weights" in one_line_error(result, "--records")
    assert not records.exists()


def test_a_plot_in_another_format_is_written(tmp_path):
    plot = tmp_path / "w.svg"
    result = CliRunner().invoke(main, SEARCH + ["--plot", str(plot), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert plot.read_text().lstrip().startswith("<?xml") and "<svg" in plot.read_text()


def test_json_turns_progress_off_and_stays_json():
    result = CliRunner().invoke(main, SEARCH + ["--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert payload["rows"][0]["n"] == 3 and payload["plot"] is None


@pytest.mark.parametrize("args, option", [
    (["--bits", "5", "--groups", "3,2", "--max-groups", "1"], "--max-groups"),
    (["--bits", "5", "--groups", "3,2", "--max-groups", "3"], "--max-groups"),  # explicit, even if the default
    (["--bits", "5", "--widths", "1000000", "--time-limit", "5"], "--widths"),
    (["--bits", "5", "--groups", "3,2", "--widths", "100000"], "--widths"),
    (["--bits", "12", "--widths", "33"], "--widths"),
    (["--bits", "4", "--resume"], "--resume"),
    (["--bits", "13"], "--bits"),
])
def test_tied_width_refuses_sizes_and_conflicts_up_front(monkeypatch, args, option):
    no_work(monkeypatch)
    started = time.perf_counter()
    line = one_line_error(CliRunner().invoke(main, ["tied-width", *args]), option)
    assert time.perf_counter() - started < 5
    if "--widths" in args and option == "--widths":
        assert "binaries" in line or "pairs" in line  # the estimate behind the refusal


def test_prove_width_checks_its_largest_program(monkeypatch):
    no_work(monkeypatch)
    monkeypatch.setattr(prove, "MAX_BINARIES", 10)  # n = 3, width 2: 16 binaries
    result = CliRunner().invoke(main, ["prove-width", "--bits", "3", "--max-width", "2"])
    assert "16 binaries" in one_line_error(result, "--max-width")


def test_a_program_too_slow_to_build_is_not_built():
    # 4096 units on s = sum(x): 24,576 binaries, about a second to build, more than the whole
    # time limit: no program is built, and the answer comes at once.
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["tied-width", "--bits", "5", "--groups", "5", "--widths", "4096",
                                       "--time-limit", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 5
    proof = json.loads(result.stdout)["proofs"][0]
    assert proof["status"] == "unknown" and "building it would take" in proof["reason"]
    assert all(split["solver_status"].startswith("not run") for split in proof["splits"])


def test_time_limit_holds_with_the_building_counted():
    started = time.perf_counter()
    # n = 7 needs more than 3 units (n = 6 does), so no certificate is made after the limit
    proof = prove.prove_width(7, 3, time_limit=1.0)
    assert proof.status in ("unknown", "proven-infeasible")
    assert time.perf_counter() - started < 1.0 + 3.0  # building and solving, within seconds of the limit


@pytest.mark.parametrize("command", [
    ["search-width", "--bits", "3", "--widths", "1000000000", "--seeds", "1", "--steps", "1", "--no-progress"],
    ["search-width", "--seeds", "1000000000", "--steps", "1", "--no-progress"],
    ["tied-width", "--bits", "5", "--widths", "1000000", "--time-limit", "5"],
])
def test_the_commands_of_the_issue_exit_2_within_seconds(command):
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from expressivity.cli import main; main()", *command],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), done.stderr
    assert time.perf_counter() - started < 20  # seconds, with room for a loaded machine
