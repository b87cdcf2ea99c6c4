"""Regenerate the paper's generated tables from the toolkit, or check that they are current.

    python paper/regenerate.py           # rewrite every table in TABLES
    python paper/regenerate.py --check   # compare only; exit 1 and name the stale ones

``tests/test_paper.py`` runs :func:`stale` on every test run, so a table that no
longer matches its command fails the suite.  The tables are the commands' stdout,
byte for byte; the commands run in-process (click's runner), as on the command line.
"""
from __future__ import annotations

import sys
from pathlib import Path

PAPER = Path(__file__).resolve().parent

#: Each generated table and the ``expressivity`` arguments whose output it is.
TABLES: dict[str, tuple[str, ...]] = {
    "counts_n16.tex": ("count", "--bits", "16", "--latex"),
}


def command(name: str) -> str:
    """The shell command that makes table ``name`` (as paper/README.md lists it).

    >>> command("counts_n16.tex")
    'expressivity count --bits 16 --latex > paper/counts_n16.tex'
    """
    return " ".join(("expressivity",) + TABLES[name]) + f" > paper/{name}"


def render(name: str) -> str:
    """The text table ``name`` should hold: the output of its command."""
    from click.testing import CliRunner

    from expressivity.cli import main

    result = CliRunner().invoke(main, list(TABLES[name]))
    if result.exit_code != 0:
        raise RuntimeError(f"{command(name)} failed with exit code {result.exit_code}: {result.output.strip()}")
    return result.output


def stale() -> dict[str, str]:
    """Every table whose file differs from its command's output, with the fresh output."""
    fresh = {name: render(name) for name in TABLES}
    return {name: text for name, text in fresh.items()
            if not (PAPER / name).exists() or (PAPER / name).read_bytes() != text.encode()}


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv and not check:
        print("usage: python paper/regenerate.py [--check]", file=sys.stderr)
        return 2
    outdated = stale()
    for name, text in outdated.items():
        if check:
            print(f"stale: paper/{name} (regenerate with: python paper/regenerate.py)")
        else:
            (PAPER / name).write_bytes(text.encode())
            print(f"wrote paper/{name}")
    return 1 if check and outdated else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
