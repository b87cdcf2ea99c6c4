"""The ``expressivity`` command line: a thin layer over the library.

Each command lives in a module of its own and is registered here.
"""
from __future__ import annotations

import click

from expressivity.cli.common import OneLineGroup


@click.group(cls=OneLineGroup)
@click.version_option(package_name="expressivity")
def main() -> None:
    """Circuits, exact ReLU networks, and the depth-versus-width question."""


# Commands register themselves on ``main`` when their module is imported.
# (commands are imported below as they are written)
from expressivity.cli import compile as _compile  # noqa: E402,F401
from expressivity.cli import search_width as _search_width  # noqa: E402,F401
