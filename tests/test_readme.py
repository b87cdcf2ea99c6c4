"""The README's Python example runs and prints what the README says it prints."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_python_blocks_run_and_match_their_comments():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python example"
    for block in blocks:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, "README.md", "exec"), {})
        # a `print(...)   # expected` comment states the line the call prints
        expected = [line.split("#", 1)[1].strip() for line in block.splitlines() if line.startswith("print(") and "#" in line]
        assert printed.getvalue().splitlines() == expected


def test_compile_table_in_readme_matches_the_command():
    from click.testing import CliRunner

    from expressivity.cli import main

    shown = README.read_text().split("$ expressivity compile --bits 16\n", 1)[1].split("```", 1)[0].splitlines()
    actual = CliRunner().invoke(main, ["compile", "--bits", "16"]).output.splitlines()
    # everything but the timings must be what the README shows
    assert [line for line in shown if not line.startswith("time")] == [line for line in actual if not line.startswith("time")]
