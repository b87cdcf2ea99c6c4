"""One records file, one command: every command refuses another command's records file, in one line, exit 2.

Each command writes a real file at tiny sizes (in this process, through the CLI);
then every other command is given it where it reads records (``--records``,
``--resume``, ``--search-records``, ``--below``) and must refuse it before any
work, leaving the file as it was.  A few of the refusals also run as a user runs
them, in a subprocess.  The shipped records (``benchmarks/**/*.jsonl``, written
before the ``written_by`` stamp) are still read, by their fields.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from expressivity.cli import main
from expressivity.results.records import RECORD_KINDS, RecordsError, append_records, read_records, record_kind

ROOT = Path(__file__).resolve().parents[1]
SEARCH = ["--seeds", "2", "--steps", "5", "--device", "cpu", "--no-progress"]

#: How each command writes its records file at tiny sizes, and the kind of file it is.
WRITERS = {
    "search-width": (["search-width", "--bits", "2", "--widths", "2", *SEARCH], "search-width"),
    "depth-width": (["depth-width", "--functions", "parity", "--bits", "2", "--depths", "1", "--max-width", "2",
                     "--block", "2", *SEARCH], "search-width"),
    "prove-width": (["prove-width", "--bits", "2", "--no-progress"], "prove-width"),
    "prove-width --cubes": (["prove-width", "--bits", "2", "--cubes", "--no-progress"], "prove-width --cubes"),
    "tied-width": (["tied-width", "--bits", "3", "--no-progress"], "tied-width"),
    "census": (["census", "--bits", "2", "--no-progress"], "census"),
}

#: Each command as it reads a records file: (arguments before the file, the option that names it, after it).
READERS = {
    "search-width --resume": (["search-width", "--bits", "2", "--widths", "2", *SEARCH, "--records"], ["--resume"],
                              "search-width"),
    "depth-width --resume": (["depth-width", "--functions", "parity", "--bits", "2", "--depths", "1",
                              "--max-width", "2", *SEARCH, "--records"], ["--resume"], "search-width"),
    "prove-width --resume": (["prove-width", "--bits", "2", "--no-progress", "--records"], ["--resume"],
                             "prove-width"),
    "prove-width --records": (["prove-width", "--bits", "2", "--no-progress", "--records"], [], "prove-width"),
    "prove-width --search-records": (["prove-width", "--bits", "2", "--no-progress", "--search-records"], [],
                                     "search-width"),
    "prove-width --cubes --resume": (["prove-width", "--bits", "2", "--cubes", "--no-progress", "--records"],
                                     ["--resume"], "prove-width --cubes"),
    "prove-width --cubes --below": (["prove-width", "--bits", "3", "--cubes", "--no-progress", "--below"], [],
                                    "prove-width --cubes"),
    "tied-width --resume": (["tied-width", "--bits", "3", "--no-progress", "--records"], ["--resume"], "tied-width"),
    "census --resume": (["census", "--bits", "2", "--no-progress", "--records"], ["--resume"], "census"),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A records file written by each command (through the CLI, tiny sizes): name -> path."""
    folder = tmp_path_factory.mktemp("records")
    files = {}
    for name, (args, _) in WRITERS.items():
        path = folder / (name.replace(" --", "-") + ".jsonl")
        result = CliRunner().invoke(main, [*args, "--records", str(path)])
        assert result.exit_code == 0, (name, result.output)
        files[name] = path
    return files


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:") and "Traceback" not in output, output
    return lines[0]


def test_every_file_says_which_command_wrote_it(written):
    for name, (_, kind) in WRITERS.items():
        records = [json.loads(line) for line in written[name].read_text().splitlines()]
        assert records, name
        assert {r["written_by"] for r in records} == {kind}, name
        assert read_records(written[name], kind=kind) == records


PAIRS = [(writer, reader) for writer in WRITERS for reader in READERS if WRITERS[writer][1] != READERS[reader][2]]


@pytest.mark.parametrize("writer, reader", PAIRS)
def test_another_commands_file_is_refused_in_one_line(written, writer, reader):
    before = written[writer].read_text()
    head, tail, wanted = READERS[reader]
    result = CliRunner().invoke(main, [*head, str(written[writer]), *tail])
    assert result.exit_code == 2, (writer, reader, result.output)
    line = one_line(result.output)
    assert RECORD_KINDS[WRITERS[writer][1]] in line and RECORD_KINDS[wanted] in line, line
    assert written[writer].read_text() == before  # nothing appended


def test_search_width_and_depth_width_share_their_batches(written, tmp_path):
    # depth-width runs search-width's batches, keyed by the work: each resumes the other's file
    path = tmp_path / "shared.jsonl"
    path.write_text(written["depth-width"].read_text())
    result = CliRunner().invoke(main, ["search-width", "--bits", "2", "--widths", "2", *SEARCH,
                                       "--records", str(path), "--resume", "--json"])
    assert result.exit_code == 0, result.output
    assert {r["written_by"] for r in read_records(path)} == {"search-width"}


@pytest.mark.parametrize("writer, reader", [
    ("census", "prove-width --search-records"),  # the case: was accepted
    ("prove-width --cubes", "prove-width --resume"),
    ("tied-width", "census --resume"),
])
def test_refused_as_a_user_runs_it(written, writer, reader):
    head, tail, _ = READERS[reader]
    done = subprocess.run([sys.executable, "-m", "expressivity", *head, str(written[writer]), *tail],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == "", done
    line = one_line(done.stderr)
    assert RECORD_KINDS[WRITERS[writer][1]] in line


def test_a_file_of_no_known_kind_is_refused(tmp_path):
    path = tmp_path / "other.jsonl"
    path.write_text(json.dumps({"name": "something else", "value": 3}) + "\n")
    for reader in ("census --resume", "prove-width --resume", "tied-width --resume"):
        head, tail, _ = READERS[reader]
        line = one_line(CliRunner().invoke(main, [*head, str(path), *tail]).output)
        assert "no known kind" in line and "name, value" in line


def test_append_refuses_to_mix_kinds(tmp_path, written):
    path = tmp_path / "census.jsonl"
    path.write_text(written["census"].read_text())
    proof = json.loads(written["prove-width"].read_text().splitlines()[0])
    del proof["written_by"]  # the kind comes from the fields too
    with pytest.raises(RecordsError, match="cannot share one file"):
        append_records(path, [proof])
    assert path.read_text() == written["census"].read_text()
    with pytest.raises(RecordsError, match="cannot share one file"):
        append_records(tmp_path / "new.jsonl", [proof, json.loads(path.read_text().splitlines()[0])])
    assert not (tmp_path / "new.jsonl").exists()


def test_records_without_the_stamp_are_known_by_their_fields(written):
    for name, (_, kind) in WRITERS.items():
        for line in written[name].read_text().splitlines():
            record = json.loads(line)
            del record["written_by"]
            assert record_kind(record) == kind, (name, record.get("kind"))


SHIPPED = sorted(ROOT.glob("benchmarks/**/*.jsonl")) + sorted(ROOT.glob("paper/records/*.jsonl"))


def shipped_kind(path: Path) -> str:
    """What the shipped file is, by its name and folder (not by the fields the test checks)."""
    where = str(path.relative_to(ROOT))
    if "census" in where:
        return "census"
    if "depth_width" in where:
        return "search-width"
    if "cubes" in where or "restrictions" in where:
        return "prove-width --cubes"
    assert path.name == "parity.jsonl", where  # the paper's prove-width records
    return "prove-width"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_records_are_still_read(path):
    kind = shipped_kind(path)
    records = read_records(path, kind=kind)  # read only: a background run may be appending to some of them
    assert records and all(record_kind(r) == kind for r in records)
