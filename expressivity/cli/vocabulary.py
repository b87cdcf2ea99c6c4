"""One vocabulary: the options whose names read the same in every command, and the old spellings.

A plural name takes a list or a range, and one value too: ``--functions``
(specs separated by commas), ``--widths W|A..B``, ``--depths D|A..B``; where a
command runs one at a time it reads the one value and refuses more in one
line.  ``--max-width W`` is where an upward scan of widths stops.  A renamed
option keeps its old spelling for now (:func:`renamed_option`).  The names
and what they mean: docs/guide/options.md; tests/test_cli_vocabulary.py
checks them against every command.
"""
from __future__ import annotations

import functools
import re

import click
from click.core import ParameterSource

from expressivity.cli.common import OLD_SPELLINGS, explicit, fail, parse_range, refuse_repeats, split_items


def renamed_option(old: str, new: str, param: str):
    """Keep ``old``, a renamed option's former spelling, working for now: hidden, with a one-line notice.

    Decorates a command (anywhere among its options).  A value given as ``old``
    becomes parameter ``param`` of option ``new`` (its text as the user typed
    it), as if ``new`` had been given; both at once is refused.  The notice,
    ``warning: OLD is deprecated, use NEW``, is one line on stderr, never on
    stdout, so ``--json`` stays JSON.
    """
    hidden = "renamed_" + old.lstrip("-").replace("-", "_")
    OLD_SPELLINGS.add(old)

    def decorate(command):
        @functools.wraps(command)
        def run(*args, **kwargs):
            ctx = click.get_current_context()
            value = kwargs.pop(hidden)
            ctx.params.pop(hidden, None)
            if value is not None:
                if explicit(ctx, param):
                    fail(f"{old} is the old spelling of {new}: give {new} only")
                click.echo(f"warning: {old} is deprecated, use {new}", err=True)
                kwargs[param] = ctx.params[param] = value
                ctx.set_parameter_source(param, ParameterSource.COMMANDLINE)
            return command(*args, **kwargs)

        return click.option(old, hidden, hidden=True, default=None)(run)

    return decorate


FUNCTION_HELP = (
    "parity, majority, ip, eq, gt, threshold:K, exactly:K, mux:K, tribes:W,S, random:SEED, hex:DIGITS "
    "(ABC/Knuth order), \"expr:x0 & x1 ^ ~x2\"; ~SPEC negates. Row k of a table is the input with x_i = bit i of k."
)


def functions_option(default: str | None = "parity", *, several: bool = False, extra: str = ""):
    """``--functions``: Boolean functions as specs (:func:`expressivity.functions.parse_function`), separated by commas.

    ``several=False`` where the command runs one function (it still reads the
    one spec as ``--functions SPEC``); parse with :func:`parse_functions`.
    """
    help = ("The Boolean functions, specs separated by commas: " if several else
            "The Boolean function, as a spec (one per run here; depth-width compares several): ") + FUNCTION_HELP
    help = f"{help} {extra}".strip()
    settings = {"default": default, "show_default": True} if default is not None else {"required": True}
    return click.option("--functions", "functions", metavar="SPEC,SPEC,..." if several else "SPEC", help=help,
                        **settings)


_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_functions(text: str, *, several: bool, command: str = "this command"):
    """The specs of ``--functions``: a list, or with ``several=False`` the one spec; bad lists are one line, exit 2.

    Commas separate specs, except the one inside ``tribes:W,S``: an item that
    is a bare integer continues the spec before it (no spec is a bare integer).

    >>> parse_functions("parity, tribes:2,3", several=True)
    ['parity', 'tribes:2,3']
    >>> parse_functions("majority", several=False)
    'majority'
    >>> parse_functions("parity,majority", several=False, command="search-width")
    Traceback (most recent call last):
    ...
    expressivity.cli.common.CliError: --functions 'parity,majority': search-width runs one function at a time, got 2 (depth-width compares several)
    """
    specs: list[str] = []
    for item in split_items(text, "--functions"):
        if specs and _INTEGER.fullmatch(item) and ":" in specs[-1]:
            specs[-1] += "," + item
        else:
            specs.append(item)
    refuse_repeats("--functions", specs)
    if several:
        return specs
    if len(specs) > 1:
        fail(f"--functions {text!r}: {command} runs one function at a time, got {len(specs)} "
             "(depth-width compares several)")
    return specs[0]


def parse_function_at(spec: str, n: int):
    """The function ``spec`` on ``n`` bits, or one line naming what is wrong (exit 2)."""
    from expressivity.functions import FunctionError, parse_function

    try:
        return parse_function(spec, n)
    except FunctionError as error:
        fail(f"--functions {spec}: {error}")


#: Hidden layers every training command allows (expressivity.search.models.MAX_DEPTH).
MAX_DEPTH = 4


def depths_option(*, ranges: bool, default: str | None = None, help: str = ""):
    """``--depths``: hidden layers, ``D`` or (where ``ranges``) ``A..B``; parse with :func:`parse_depths`."""
    text = f"Hidden layers, 1..{MAX_DEPTH}" + (", as D or A..B (every depth in the range)." if ranges else
                                             ", one per run here (depth-width scans a range).")
    settings = {"default": default, "show_default": True} if default is not None else {}
    return click.option("--depths", "depths", metavar="D|A..B" if ranges else "D", help=f"{text} {help}".strip(),
                        **settings)


def parse_depths(text: str, *, ranges: bool):
    """``--depths`` as every command reads it: a range, or with ``ranges=False`` one depth.

    >>> parse_depths("1..3", ranges=True), parse_depths("2", ranges=False)
    (range(1, 4), 2)
    >>> parse_depths("1..3", ranges=False)
    Traceback (most recent call last):
    ...
    expressivity.cli.common.CliError: --depths takes one depth here, got '1..3' (ranges A..B are for depth-width)
    """
    if not ranges and ".." in text:
        fail(f"--depths takes one depth here, got {text!r} (ranges A..B are for depth-width)")
    found = parse_range(text, name="--depths", minimum=1, maximum=MAX_DEPTH, why="hidden layers", ranges=ranges)
    return found if ranges else found[0]


def shape_option(command):
    """``--shape W1,W2,...``: explicit hidden widths, one per hidden layer."""
    return click.option("--shape", "shape", default=None, metavar="W1,W2,...",
                        help="Explicit hidden widths, one per hidden layer (instead of --widths; its length is the "
                             "depth).")(command)


def parse_depth_and_shape(depths: str | None, shape: str | None):
    """``(depth, shape tuple or None)`` from ``--depths D`` and ``--shape``; one line and exit 2 if they are bad."""
    depth = None if depths is None else parse_depths(depths, ranges=False)
    if shape is None:
        return depth or 1, None
    try:
        widths = tuple(int(part) for part in shape.split(","))
    except ValueError:
        fail(f"--shape {shape}: expected widths separated by commas, like 8,4")
    if not 1 <= len(widths) <= MAX_DEPTH:
        fail(f"--shape {shape}: 1..{MAX_DEPTH} hidden layers, got {len(widths)}")
    if min(widths) < 1:
        fail(f"--shape {shape}: every width must be at least 1")
    if depth is not None and depth != len(widths):
        fail(f"--shape {shape} has {len(widths)} hidden layers, but --depths is {depth}")
    return len(widths), widths


def widths_option(default: str | None, help: str):
    """``--widths W|A..B``: the hidden widths to try, every one of the range; parse with :func:`parse_widths`."""
    settings = {"default": default, "show_default": True} if default is not None else {}
    return click.option("--widths", "widths", metavar="W|A..B",
                        help=f"Hidden widths to try, as W or A..B (every width in the range). {help}".strip(),
                        **settings)


def parse_widths(text: str) -> range:
    """``--widths`` as every command reads it.

    >>> parse_widths("3"), parse_widths("2..5")
    (range(3, 4), range(2, 6))
    """
    return parse_range(text, name="--widths", minimum=1)


def max_width_option(default: int | None, help: str):
    """``--max-width W``: where widths are tried upwards from 1 until one suffices, the largest tried."""
    settings = {"default": default, "show_default": True} if default is not None else {}
    return click.option("--max-width", "max_width", type=int, metavar="W",
                        help=f"Largest width tried (widths are tried upwards from 1). {help}".strip(), **settings)
