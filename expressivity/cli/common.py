"""Shared pieces of the command line: one-line errors, JSON output, ranges, tables."""
from __future__ import annotations

import json
import math
import sys
from typing import Any, Iterable, Sequence

import click


class CliError(click.ClickException):
    """Bad input: printed as one line ``Error: ...`` with exit code 2."""

    exit_code = 2


def fail(message: str) -> None:
    """Stop the command with a one-line error and exit code 2."""
    raise CliError(message)


class OneLineGroup(click.Group):
    """A click group whose errors are one line on stderr with exit code 2, never a traceback.

    Commands are imported only when they run (``lazy`` maps a command name to
    its module, which registers it on import), so ``expressivity compile``
    never pays for importing torch or matplotlib.
    """

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx, name):
        if name not in self.commands and name in self.lazy:
            import importlib

            importlib.import_module(self.lazy[name])
        return super().get_command(ctx, name)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(2)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def to_jsonable(value: Any) -> Any:
    """Turn numpy scalars, tuples, sets and infinities into plain JSON values."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(item) for item in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "shape", None) == ():
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def print_json(payload: Any) -> None:
    """Print ``payload`` as one JSON object on stdout."""
    click.echo(json.dumps(to_jsonable(payload), indent=2, sort_keys=False))


def format_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain aligned text table.

    >>> print(format_table(["n", "width"], [[2, 2], [10, 1024]]))
     n  width
     2      2
    10   1024
    """
    cells = [[str(item) for item in header]] + [[str(item) for item in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in cells)


def format_axes(values) -> str:
    """Sizes per spatial axis as ``5`` when all equal, else ``5x3``.

    >>> format_axes([5, 5]), format_axes([5, 3])
    ('5', '5x3')
    """
    values = [str(v) for v in values]
    return values[0] if len(set(values)) == 1 else "x".join(values)


def parse_range(text: str, *, name: str, minimum: int) -> range:
    """Parse ``"N"`` or ``"A..B"`` (inclusive) into a range; bad input is a one-line error.

    >>> parse_range("2..5", name="--bits", minimum=2)
    range(2, 6)
    >>> parse_range("4", name="--bits", minimum=2)
    range(4, 5)
    """
    parts = text.split("..")
    try:
        if len(parts) == 1:
            low = high = int(parts[0])
        elif len(parts) == 2:
            low, high = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        fail(f"{name} must be N or A..B with integers, got {text!r}")
    if low > high:
        fail(f"{name} range {text!r} is empty (the start is after the end)")
    if low < minimum:
        fail(f"{name} must be at least {minimum}, got {low}")
    return range(low, high + 1)
