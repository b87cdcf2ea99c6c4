"""One vocabulary: an option's name means one thing in every command, and the old spellings still work.

The table of options is read from the commands themselves (every command of
``expressivity.cli.COMMANDS``, every visible option).  An old spelling runs
as its new name does, with one line on stderr saying so, and leaves stdout
alone (``--json`` stays JSON); the list of names is in docs/guide/options.md.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from expressivity.cli import COMMANDS, main

#: (command, old spelling) -> the new name.
RENAMED = {
    ("search-width", "--function"): "--functions",
    ("prove-width", "--function"): "--functions",
    ("search-width", "--depth"): "--depths",
    ("tied-width", "--width"): "--widths",
    ("compile", "--dot"): "--circuit-dot",
    ("shallow", "--dot"): "--network-dot",
}
#: How the help of a shared option begins wherever it appears (the option factories of cli/common.py and
#: cli/vocabulary.py).
STEMS = {
    "--bits": "Input bits n, as N",
    "--functions": "The Boolean function",
    "--widths": "Hidden widths to try, as W or A..B",
    "--depths": "Hidden layers, 1..4",
    "--max-width": "Largest width tried (widths are tried upwards from 1)",
    "--network-dot": "Write the network's units and weights as Graphviz DOT",
    "--records": "JSON-lines file, one record per",
    "--plot": "Save ",
    "--json": "Print one JSON object",
}
#: A singular and a plural name that mean different things, on purpose: --seeds counts the networks trained
#: per cell, --seed fixes their initialisation.
SINGULAR_AND_PLURAL = {"--seed"}


def command(name: str) -> click.Command:
    importlib.import_module(COMMANDS[name])
    return main.commands[name]


def options(name: str, *, hidden: bool = False):
    for param in command(name).params:
        if isinstance(param, click.Option) and param.hidden == hidden:
            yield param


def value_kind(option: click.Option) -> str:
    """What an option takes, as its help shows it: a flag, a choice, or the first form of its metavar."""
    if option.is_flag:
        return "flag"
    if isinstance(option.type, click.Choice):
        return "choice"
    return re.split(r"[|,]", option.metavar)[0] if option.metavar else option.type.name


def option_table() -> dict[str, list[tuple[str, click.Option]]]:
    """Every visible option name -> the (command, option) pairs that have it."""
    table = defaultdict(list)
    for name in COMMANDS:
        for option in options(name):
            for flag in option.opts + option.secondary_opts:
                table[flag].append((name, option))
    return table


# -- (1) the table: one name, one meaning -----------------------------------------------------------------

def test_a_name_takes_one_kind_of_value_in_every_command():
    table = option_table()
    clashes = {flag: sorted({(value_kind(option), option.multiple) for _, option in rows})
               for flag, rows in table.items()}
    assert {flag: kinds for flag, kinds in clashes.items() if len(kinds) > 1} == {}
    assert len(table) > 50  # the table was read from the commands (every command's options)


def test_no_name_is_the_singular_of_another():
    names = set(option_table())
    pairs = sorted(name for name in names if name + "s" in names and name not in SINGULAR_AND_PLURAL)
    assert pairs == [], f"one name for one meaning: {pairs} and their plurals are both options"
    assert not {old for _, old in RENAMED} & names  # the old spellings are hidden everywhere


def test_shared_options_come_from_one_factory():
    table = option_table()
    for flag, stem in STEMS.items():
        assert table[flag], flag
        for name, option in table[flag]:
            assert option.help.startswith(stem), (name, flag, option.help)
    assert {name for name, _ in table["--functions"]} == {"search-width", "prove-width", "depth-width"}
    assert {name for name, _ in table["--widths"]} == {"search-width", "tied-width"}
    assert {name for name, _ in table["--network-dot"]} == {"compile", "shallow"}


def test_the_options_page_names_every_shared_option_and_every_old_spelling():
    page = (Path(__file__).parents[1] / "docs" / "guide" / "options.md").read_text()
    shared = {flag for flag, rows in option_table().items() if len(rows) > 1}
    assert {flag for flag in shared if not re.search(rf"[`/]{re.escape(flag)}(?![\w-])", page)} == set()
    for (name, old), new in RENAMED.items():
        assert re.search(rf"\| `{old} [^|]*` \| `{new}\b[^|]*\|[^|]*\b{name}\b", page), (name, old)


@pytest.mark.parametrize("name, old", sorted(RENAMED))
def test_an_old_spelling_is_hidden_from_the_help(name, old):
    assert len([option for option in options(name, hidden=True) if old in option.opts]) == 1
    help_text = CliRunner().invoke(main, [name, "--help"]).stdout
    assert RENAMED[name, old] in help_text and not re.search(re.escape(old) + r"\b(?!-)", help_text), help_text


def test_a_mistyped_option_is_pointed_at_the_new_name_only():
    result = CliRunner().invoke(main, ["search-width", "--functon", "parity"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "'--functions'" in result.stderr and "'--function'" not in result.stderr, result.stderr


# -- (2) each old spelling works as the new one, with one line on stderr ----------------------------------

def without_times(value):
    """A command's JSON without its clock readings: seconds taken, and the time left to each solver call."""
    if isinstance(value, dict):
        return {key: without_times(item) for key, item in value.items()
                if "second" not in key and key != "time_limit"}
    if isinstance(value, list):
        return [without_times(item) for item in value]
    return value


def notice(old: str, new: str) -> str:
    return f"warning: {old} is deprecated, use {new}\n"


TRAIN = ["--bits", "3", "--widths", "1", "--seeds", "2", "--steps", "5", "--device", "cpu", "--json"]


@pytest.mark.parametrize("name, old, value, rest", [
    ("search-width", "--function", "majority", TRAIN),
    ("search-width", "--depth", "2", TRAIN),
    ("tied-width", "--width", "1", ["--bits", "3", "--json", "--no-progress"]),
])
def test_an_old_spelling_gives_the_new_ones_result(name, old, value, rest):
    runner = CliRunner()
    before = runner.invoke(main, [name, old, value, *rest])
    after = runner.invoke(main, [name, RENAMED[name, old], value, *rest])
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    assert before.stderr == notice(old, RENAMED[name, old]) and after.stderr == ""
    assert without_times(json.loads(before.stdout)) == without_times(json.loads(after.stdout))


@pytest.mark.parametrize("name, args", [
    ("shallow", ["shallow", "--bits", "5", "--construction", "skip", "--no-progress"]),
    ("compile", ["compile", "--bits", "5", "--no-progress"]),
])
def test_the_old_dot_writes_what_its_new_name_writes(tmp_path, name, args):
    old, new = tmp_path / "old.dot", tmp_path / "new.dot"
    before = CliRunner().invoke(main, [*args, "--dot", str(old)])
    after = CliRunner().invoke(main, [*args, RENAMED[name, "--dot"], str(new)])
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    assert before.stderr == notice("--dot", RENAMED[name, "--dot"]) and after.stderr == ""
    assert old.read_text() == new.read_text()
    assert old.read_text().startswith("digraph circuit {" if name == "compile" else "digraph network {")


def test_both_spellings_at_once_are_refused_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["compile", "--bits", "4", "--dot", str(tmp_path / "a.dot"),
                                       "--circuit-dot", str(tmp_path / "b.dot")])
    assert result.exit_code == 2 and result.stdout == "", result.output
    assert result.stderr == "Error: --dot is the old spelling of --circuit-dot: give --circuit-dot only\n"
    assert list(tmp_path.iterdir()) == []


# -- (3) as a user runs it: stdout stays JSON with an old spelling -----------------------------------------

def expressivity(*args, cwd):
    return subprocess.run([sys.executable, "-m", "expressivity", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**os.environ, "PYTHONWARNINGS": "error"})


def test_json_stays_json_with_an_old_spelling_as_a_process(tmp_path):
    old = expressivity("prove-width", "--function", "majority", "--bits", "3", "--json", cwd=tmp_path)
    assert old.returncode == 0 and old.stderr == notice("--function", "--functions"), old.stderr
    new = CliRunner().invoke(main, ["prove-width", "--functions", "majority", "--bits", "3", "--json"])
    assert without_times(json.loads(old.stdout)) == without_times(json.loads(new.stdout))
    assert json.loads(old.stdout)["function"] == "majority"

    done = expressivity("compile", "--bits", "4", "--dot", "c.dot", "--json", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == notice("--dot", "--circuit-dot"), done.stderr
    assert json.loads(done.stdout)["files"] == {"circuit_dot": "c.dot"}
    assert (tmp_path / "c.dot").read_text().count('label="XOR"') == 4 - 1  # a tree of 2-input XORs


# -- a list-valued name takes one value too; where a command runs one, it says so -------------------------

@pytest.mark.parametrize("args, words", [
    (["search-width", "--functions", "parity,majority"], "search-width runs one function at a time, got 2"),
    (["prove-width", "--functions", "parity, tribes:2,2"], "prove-width runs one function at a time, got 2"),
    (["search-width", "--depths", "1..2"], "--depths takes one depth here"),
    (["depth-width", "--depths", "0..2"], "--depths must be at least 1"),
    (["search-width", "--functions", "tribes:2,3", "--bits", "4"], "--functions tribes:2,3: tribes:2,3 has n=6"),
])
def test_lists_and_ranges_are_read_the_same_everywhere(args, words):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.stdout == "", result.output
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr


def test_tied_width_widths_range_is_each_width_in_turn():
    def summaries(widths):
        result = CliRunner().invoke(main, ["tied-width", "--bits", "3", "--widths", widths, "--json",
                                           "--no-progress"])
        assert result.exit_code == 0, result.output
        return without_times(json.loads(result.stdout)["summaries"])

    assert summaries("1..2") == summaries("1") + summaries("2")


# -- refusals before torch: the command modules import it only when the work starts -----------------------

def test_refusals_happen_before_torch_is_imported(tmp_path):
    code = (
        "import importlib, sys\n"
        "from expressivity.cli import COMMANDS, main\n"
        "for module in COMMANDS.values(): importlib.import_module(module)\n"
        "for args in (['depth-width', '--functions', 'parity,,', '--bits', '3'],\n"
        "             ['search-width', '--bits', '3', '--widths', '0']):\n"
        "    try:\n"
        "        main.main(args, standalone_mode=False)\n"
        "    except Exception as error:\n"
        "        print(type(error).__name__, error)\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.stdout.splitlines() == [
        "CliError --functions 'parity,,': item 2 is empty (two commas in a row, or one at an end)",
        "CliError --widths must be at least 1, got 0",
        "False",
    ], done.stdout + done.stderr


def test_the_names_written_out_for_the_cli_are_the_engines():
    import expressivity.cli.training as training
    import expressivity.cli.vocabulary as vocabulary
    from expressivity.search import models, width

    assert (training.LOSSES, training.INITS, training.ENCODINGS) == (models.LOSSES, models.INITS, models.ENCODINGS)
    assert training.DTYPES == tuple(models.DTYPES)
    assert training.MAX_SEARCH_BITS == width.MAX_SEARCH_BITS and vocabulary.MAX_DEPTH == models.MAX_DEPTH
