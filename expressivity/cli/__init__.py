"""The ``expressivity`` command line: a thin layer over the library.

Each command lives in a module of its own, which registers it on ``main``
when imported; ``COMMANDS`` says which module holds which command, and the
group imports it only when that command runs.
"""
from __future__ import annotations

import click

from expressivity.cli.common import OneLineGroup

COMMANDS = {
    "compile": "expressivity.cli.compile",
    "shallow": "expressivity.cli.shallow",
    "count": "expressivity.cli.count",
    "receptive-field": "expressivity.cli.receptive_field",
    "search-width": "expressivity.cli.search_width",
    "prove-width": "expressivity.cli.prove_width",
    "tied-width": "expressivity.cli.tied_width",
    "depth-width": "expressivity.cli.depth_width",
    "census": "expressivity.cli.census",
    "regions": "expressivity.cli.regions",
}


@click.group(cls=OneLineGroup, lazy=COMMANDS)
@click.version_option(package_name="expressivity")
def main() -> None:
    """Circuits, exact ReLU networks, and the depth-versus-width question."""
