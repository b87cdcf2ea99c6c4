"""The paper's generated tables are what their commands print now, byte for byte."""
from __future__ import annotations

import importlib.util
from pathlib import Path

PAPER = Path(__file__).resolve().parent.parent / "paper"


def _regenerate():
    spec = importlib.util.spec_from_file_location("paper_regenerate", PAPER / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


regenerate = _regenerate()


def test_every_generated_table_is_current():
    for name in regenerate.TABLES:
        committed = (PAPER / name).read_bytes()
        assert committed == regenerate.render(name).encode(), f"paper/{name} is stale: run python paper/regenerate.py"
    assert regenerate.stale() == {}


def test_the_tables_are_listed_and_used():
    readme = (PAPER / "README.md").read_text()
    note = (PAPER / "depth_vs_width.tex").read_text()
    for name, args in regenerate.TABLES.items():
        assert f"`{regenerate.command(name)}`" in readme, name
        assert rf"\input{{{name}}}" in note, name
        assert " ".join(args) in note  # the caption names the command


def test_check_mode_finds_a_stale_table(tmp_path, monkeypatch, capsys):
    name = next(iter(regenerate.TABLES))
    (tmp_path / name).write_text("an old table\n")
    monkeypatch.setattr(regenerate, "PAPER", tmp_path)
    assert regenerate.main(["--check"]) == 1
    assert f"stale: paper/{name}" in capsys.readouterr().out
    assert regenerate.main([]) == 0 and regenerate.main(["--check"]) == 0
    assert (tmp_path / name).read_bytes() == (PAPER / name).read_bytes()
    assert regenerate.main(["--bogus"]) == 2
