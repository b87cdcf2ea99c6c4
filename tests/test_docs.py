"""The documentation site cannot fall behind the code: every option, page, link and example is checked.

`mkdocs build --strict` (run by CI) checks the links between pages and the API reference; these
tests check what it cannot: that the guide pages name every option the commands have, that every
page is reachable from the nav, and that the README's links and the pages' Python examples work.
"""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import click
import pytest

import expressivity
from expressivity.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
MKDOCS = ROOT / "mkdocs.yml"
# The subject packages that get an API page (expressivity/<name>/ with an __init__.py).
PACKAGES = sorted(p.parent.name for p in (ROOT / "expressivity").glob("*/__init__.py") if p.parent.name != "cli")


def nav_pages() -> list[str]:
    """The .md files mkdocs.yml's nav names, in order (read as text: the nav is one entry per line)."""
    text = MKDOCS.read_text()
    nav = text[text.index("\nnav:\n"):]
    return re.findall(r"^\s+-\s+(?:[^:\n]+:\s+)?(\S+\.md)\s*$", nav, flags=re.M)


def options(name: str) -> list[str]:
    """The options `expressivity NAME --help` shows (a hidden one is an old name kept for old scripts)."""
    command = main.get_command(click.Context(main), name)
    return [opt for param in command.params if isinstance(param, click.Option) and not param.hidden
            for opt in param.opts + param.secondary_opts]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_of_every_command_is_in_its_guide_page(name):
    page = DOCS / "guide" / f"{name}.md"
    assert page.is_file(), f"no guide page for `expressivity {name}`"
    text = page.read_text()
    found = options(name)
    assert found, name
    # the option as a whole word: --plot must not be found inside --plot-dir
    missing = [opt for opt in found if not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text)]
    assert not missing, f"docs/guide/{name}.md does not mention {missing}"


def test_every_option_the_guide_names_exists():
    # an option renamed (its old name hidden) or removed must not live on in the guide, nor in the
    # README's tour (the scripts' --smoke aside)
    known = {opt for name in COMMANDS for opt in options(name)} | {"--help", "--version", "--smoke", "--index-url"}
    pages = [page for page in (DOCS / "guide").glob("*.md") if page.name != "options.md"]  # it lists the old names
    stale = {(page.name, opt) for page in [*pages, README]
             for opt in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9](?![\w-])", page.read_text()) if opt not in known}
    assert not stale, sorted(stale)


def test_every_page_is_in_the_nav_and_every_nav_entry_exists():
    nav = nav_pages()
    assert len(nav) == len(set(nav)), "a page is in the nav twice"
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(nav) == pages


def test_every_command_and_subject_package_has_its_page_in_the_nav():
    nav = set(nav_pages())
    assert {f"guide/{name}.md" for name in COMMANDS} <= nav
    assert {f"api/{name}.md" for name in PACKAGES} <= nav
    for name in PACKAGES:
        assert f"::: expressivity.{name}" in (DOCS / "api" / f"{name}.md").read_text(), name


def test_the_api_page_lists_every_name_imported_on_first_use():
    # the names imported with the package are rendered by `::: expressivity` itself; the lazy ones
    # are invisible to it and must be linked one by one (to their subject page: mkdocs --strict
    # checks that the link resolves)
    text = (DOCS / "api" / "index.md").read_text()
    assert "::: expressivity\n" in text
    missing = [name for name, module in expressivity._LAZY.items() if f"[`{name}`][{module}.{name}]" not in text]
    assert not missing, missing


def links(path: Path) -> list[str]:
    """Relative link targets of a markdown file (no web addresses, no anchors alone)."""
    targets = re.findall(r"\]\(([^)\s]+)\)", path.read_text())
    return [t.split("#", 1)[0] for t in targets if not re.match(r"[a-z]+://|#|mailto:", t)]


def test_the_readme_links_to_pages_that_exist():
    found = links(README)
    assert any(t.startswith("docs/") for t in found), "the README links to no documentation page"
    missing = [t for t in found if not (ROOT / t).exists()]
    assert not missing, missing


def test_links_between_pages_resolve():
    missing = [(str(page.relative_to(ROOT)), t) for page in DOCS.rglob("*.md") for t in links(page)
               if not (page.parent / t).resolve().exists()]
    assert not missing, missing


def test_readme_is_at_most_150_lines():
    assert len(README.read_text().splitlines()) <= 150


def test_the_depth_width_plot_in_the_docs_is_the_benchmarks_one():
    shown = DOCS / "images" / "depth_width.png"
    assert shown.read_bytes() == (ROOT / "benchmarks" / "depth_width" / "depth_width.png").read_bytes(), \
        "copy benchmarks/depth_width/depth_width.png to docs/images/"


def test_the_compile_example_of_the_guide_is_the_readmes():
    # test_readme.py compares the README's block with the command itself
    def block(text):
        return [line for line in text.split("$ expressivity compile --bits 16\n", 1)[1].split("```", 1)[0].splitlines()
                if not line.startswith("time")]

    assert block((DOCS / "guide" / "compile.md").read_text()) == block(README.read_text())


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_python_examples_of_the_pages_run_and_print_what_they_say():
    in_readme = set(python_blocks(README.read_text()))  # those run in test_readme.py
    blocks = [(page, block) for page in sorted(DOCS.rglob("*.md")) for block in python_blocks(page.read_text())]
    assert blocks, "the pages have no Python example"
    for page, block in blocks:
        if block in in_readme:
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, str(page), "exec"), {})
        expected = [line.split("#", 1)[1].strip() for line in block.splitlines() if line.startswith("print(") and "#" in line]
        assert printed.getvalue().splitlines() == expected, page
