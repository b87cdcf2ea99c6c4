"""Build the paper from the records: every table regenerated, then the PDF.

    python paper/build.py            # tables into paper/generated/, then paper/expressivity.pdf
    python paper/build.py --tables   # the tables only (no TeX needed)
    python paper/build.py --check    # compare the committed tables with fresh ones; exit 1 naming the stale

The tables come from ``paper/tables.py`` (records in the repository and commands run in
this process), the figures from ``paper/figures.py`` (the same records); the PDF from ``latexmk`` (or three ``pdflatex`` runs) when TeX is installed:
``apt-get install texlive-latex-recommended texlive-latex-extra latexmk``.  Without TeX the
build writes the tables and says that the PDF was not made (exit 3), so nothing is
silently skipped.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import FIGURES, FIGURES_DIR  # noqa: E402  (this folder is not a package)
from tables import PAPER, TABLES  # noqa: E402

GENERATED = PAPER / "generated"
SOURCE = PAPER / "expressivity.tex"
PDF = PAPER / "expressivity.pdf"


def render_all() -> dict[str, str]:
    """Every generated table's text, freshly made."""
    return {name: make() for name, make in TABLES.items()}


def stale(fresh: dict[str, str], folder: Path = GENERATED) -> list[str]:
    """The tables whose committed file differs, byte for byte, from the fresh text."""
    return [name for name, text in fresh.items()
            if not (folder / name).exists() or (folder / name).read_bytes() != text.encode()]


def write_tables(fresh: dict[str, str], folder: Path = GENERATED) -> None:
    from expressivity.results.atomic import write_atomic

    folder.mkdir(exist_ok=True)
    for name, text in fresh.items():
        write_atomic(folder / name, lambda temp, text=text: Path(temp).write_bytes(text.encode()))


def draw_figures(folder: Path = FIGURES_DIR) -> None:
    """Every figure, drawn from the records (not committed: the build makes them)."""
    folder.mkdir(exist_ok=True)
    for name, draw in FIGURES.items():
        draw(folder / name)


def build_pdf() -> Path | None:
    """``paper/expressivity.pdf`` from its source and freshly drawn figures, or None when no TeX is installed."""
    if shutil.which("latexmk"):
        commands = [["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", SOURCE.name]]
    elif shutil.which("pdflatex"):
        commands = [["pdflatex", "-interaction=nonstopmode", "-halt-on-error", SOURCE.name]] * 3
    else:
        return None
    draw_figures()
    for command in commands:
        done = subprocess.run(command, cwd=PAPER, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join(done.stdout.splitlines()[-20:])
            raise RuntimeError(f"{' '.join(command)} failed:\n{tail}")
    return PDF


def main(argv: list[str]) -> int:
    if argv not in ([], ["--tables"], ["--check"]):
        print("usage: python paper/build.py [--tables | --check]", file=sys.stderr)
        return 2
    fresh = render_all()
    if argv == ["--check"]:
        for name in stale(fresh):
            print(f"stale: paper/generated/{name} (rebuild with: python paper/build.py --tables)")
        return 1 if stale(fresh) else 0
    write_tables(fresh)
    print(f"wrote {len(fresh)} tables in paper/generated/")
    if argv == ["--tables"]:
        return 0
    pdf = build_pdf()
    if pdf is None:
        print("no TeX found (latexmk or pdflatex): the PDF was not made", file=sys.stderr)
        return 3
    print(f"wrote {pdf.relative_to(PAPER.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
