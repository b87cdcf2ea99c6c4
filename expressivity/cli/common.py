"""Shared pieces of the command line: one-line errors, JSON output, ranges, tables."""
from __future__ import annotations

import json
import math
import sys
from typing import Any

import click
from click.core import ParameterSource


class CliError(click.ClickException):
    """Bad input: printed as one line ``Error: ...`` with exit code 2."""

    exit_code = 2


def fail(message: str) -> None:
    """Stop the command with a one-line error and exit code 2."""
    raise CliError(message)


#: Old spellings of renamed options (added by :func:`expressivity.cli.vocabulary.renamed_option`): they still
#: work, but a mistyped option is never told to use one.
OLD_SPELLINGS: set[str] = set()


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
        if not (sys.argv[1:] if args is None else list(args)):
            # A bare ``expressivity`` asks what there is: the help, and success.
            with self.make_context(prog_name or "expressivity", ["--help"], resilient_parsing=True) as ctx:
                click.echo(ctx.get_help())
            sys.exit(0)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as error:
            if isinstance(error, click.NoSuchOption):
                error.possibilities = [name for name in error.possibilities or () if name not in OLD_SPELLINGS]
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


def format_axes(values) -> str:
    """Sizes per spatial axis as ``5`` when all equal, else ``5x3``.

    >>> format_axes([5, 5]), format_axes([5, 3])
    ('5', '5x3')
    """
    values = [str(v) for v in values]
    return values[0] if len(set(values)) == 1 else "x".join(values)


def parse_range(text: str, *, name: str, minimum: int, maximum: int | None = None, why: str = "",
                ranges: bool = True) -> range:
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
        fail(f"{name} must be {'N or A..B with integers' if ranges else 'an integer N'}, got {text!r}")
    if low > high:
        fail(f"{name} range {text!r} is empty (the start is after the end)")
    if low < minimum:
        fail(f"{name} must be at least {minimum}, got {low}")
    if maximum is not None and high > maximum:
        fail(f"{name} goes up to {maximum}{f' ({why})' if why else ''}, got {_short(high)}")
    return range(low, high + 1)


def parse_bits(text: str, *, ranges: bool, minimum: int = 1, maximum: int | None = None, why: str = ""):
    """``--bits`` as every command reads it: ``N``, or also ``A..B`` where ``ranges`` is true.

    Returns an int (one n) or a range.  Sizes beyond ``maximum`` are refused with
    ``why`` (the memory or time estimate behind the limit), before any work.

    >>> parse_bits("16", ranges=False)
    16
    >>> parse_bits("2..4", ranges=True)
    range(2, 5)
    """
    if not ranges and ".." in text:
        fail(f"--bits takes one n here, got {text!r} (ranges A..B are for the width commands)")
    found = parse_range(text, name="--bits", minimum=minimum, maximum=maximum, why=why, ranges=ranges)
    return found if ranges else found[0]


def parse_list(text: str, option: str) -> list[str]:
    """The items of a comma-separated option, stripped; an empty or a repeated item is one line and exit 2.

    >>> parse_list("parity, majority", "--functions")
    ['parity', 'majority']
    >>> parse_list("parity,,", "--functions")
    Traceback (most recent call last):
    ...
    expressivity.cli.common.CliError: --functions 'parity,,': item 2 is empty (two commas in a row, or one at an end)
    """
    items = split_items(text, option)
    refuse_repeats(option, items)
    return items


def split_items(text: str, option: str) -> list[str]:
    """The items of a comma-separated option, stripped; an empty item is one line and exit 2."""
    items = [item.strip() for item in text.split(",")]
    for position, item in enumerate(items, start=1):
        if not item:
            fail(f"{option} {text!r}: item {position} is empty (two commas in a row, or one at an end)")
    return items


def refuse_repeats(option: str, items, show=str) -> None:
    """One line and exit 2 if ``items`` (as parsed, so ``3,3`` and ``3+3`` are one) holds an item twice.

    >>> refuse_repeats("--groups", [(3, 3), (4, 2), (3, 3)], show=lambda g: "+".join(map(str, g)))
    Traceback (most recent call last):
    ...
    expressivity.cli.common.CliError: --groups names 3+3 twice
    """
    seen = set()
    for item in items:
        if item in seen:
            fail(f"{option} names {show(item)} twice")
        seen.add(item)


class Seconds(click.ParamType):
    """A number of seconds: finite, and positive (or, with ``zero=True``, at least 0); nan, inf and less refused.

    >>> Seconds().convert("2.5", None, None), Seconds(zero=True).convert("0", None, None)
    (2.5, 0.0)
    >>> Seconds().convert("nan", None, None)
    Traceback (most recent call last):
    ...
    click.exceptions.BadParameter: 'nan' is not a positive, finite number of seconds.
    """

    name = "seconds"

    def __init__(self, zero: bool = False) -> None:
        self.zero = zero

    def convert(self, value, param, ctx):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not self.zero):
            kind = "a non-negative" if self.zero else "a positive"
            self.fail(f"{value!r} is not {kind}, finite number of seconds.", param, ctx)
        return seconds


def _short(value: int) -> str:
    """A possibly huge integer, short enough for a one-line error."""
    text = str(value)
    return text if len(text) <= 24 else f"{text[:6]}...({len(text)} digits)"


# -- the options every command spells the same way ------------------------------------------

def bits_option(*, ranges: bool, default: str | None = None, extra: str = "", required: bool = True):
    """``--bits``: one n (``N``) or, for the width commands, ``N`` or ``A..B``; parse with :func:`parse_bits`.

    ``required=False`` where ``--bits`` is one of several sources (count, receptive-field).
    """
    text = "Input bits n, as N or A..B (every n in the range)." if ranges else "Input bits n, as N."
    # click 8.3+ takes an explicit default=None as a default, which would silently satisfy required=True
    settings = {"default": default, "show_default": True} if default is not None else {"required": required}
    return click.option("--bits", "bits", metavar="N" + ("|A..B" if ranges else ""), help=f"{text} {extra}".strip(),
                        **settings)


def existing_records(records: str, kind: str | None = None) -> list:
    """The records already in ``records`` (none for a new file), or one line and exit 2 if it cannot be used.

    ``kind``: the command's kind of records file; a file of another kind is refused (never mixed).
    """
    from expressivity.results.atomic import check_writable
    from expressivity.results.records import RecordsError, read_records

    try:
        check_writable(records)
        return read_records(records, kind=kind)
    except (OSError, RecordsError) as error:
        fail(f"cannot use --records {records}: {error}")


def plot_option(what: str):
    """``--plot FILE``: the same option in every command that draws; the suffix picks the format."""
    return click.option("--plot", "plot", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                        help=f"Save {what} here; the suffix picks the format (.png, .pdf, .svg, ...).")


def json_option():
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")


def progress_option():
    return click.option("--progress/--no-progress", default=True, show_default=True,
                        help="Progress bar on stderr (off by itself with --json).")


def backend_options(command):
    """``--backend local|ray``, ``--address ADDR``, ``--workers N``: the same in every command with independent tasks."""
    from expressivity.backends import BACKENDS

    command = click.option(
        "--workers", type=int, default=None, metavar="N",
        help="Ray workers to start when there is no --address (default: one per CPU of this machine); the local "
             "backend runs one task at a time.")(command)
    command = click.option(
        "--address", default=None, metavar="ADDR",
        help="An existing Ray cluster ('auto' or host:port); without it --backend ray starts a local instance "
             "sized to this machine.")(command)
    return click.option(
        "--backend", type=click.Choice(BACKENDS), default="local", show_default=True,
        help='Where the independent tasks run: local (this process, one after another) or ray (pip install '
             '"expressivity[ray]"). Only this process writes records.')(command)


def open_backend(name: str, address: str | None, workers: int | None):
    """The backend the options ask for; a bad choice, or Ray missing, is one line and exit 2 before any work."""
    from expressivity.backends import BackendError, make_backend

    if name != "ray" and (address is not None or workers is not None):
        fail(f"--{'address' if address is not None else 'workers'} needs --backend ray")
    try:
        return make_backend(name, address=address, workers=workers)
    except BackendError as error:
        fail(f"--backend {name}: {error}")


def records_option(what: str):
    return click.option("--records", "records", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                        help=f"JSON-lines file, one record per {what}, appended atomically as each ends.")


def resume_option(what: str):
    return click.option("--resume", is_flag=True, help=f"Reuse the {what} already in --records FILE; do the rest.")


def explicit(ctx: click.Context, name: str) -> bool:
    """Whether the user gave option ``name`` (its parameter name) on the command line."""
    return ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE


#: Default for --max-exhaustive: 2^24 inputs take seconds for every compiled or shallow network
#: that passes the --time-limit estimate.
MAX_EXHAUSTIVE_BITS = 24
#: The most --max-exhaustive can be raised to: 2^40 inputs take days for any network.
MAX_EXHAUSTIVE_OPTION = 40
#: Default for --time-limit of the verifying commands, in seconds.
VERIFY_TIME_LIMIT = 600.0


def verify_limit_options(command):
    """``--max-exhaustive B`` and ``--time-limit SECONDS``, as compile and shallow both read them."""
    command = click.option(
        "--time-limit", type=Seconds(), default=VERIFY_TIME_LIMIT, show_default=True,
        metavar="SECONDS",
        help="Seconds a verification may take: one estimated to take longer is refused up front, one that runs "
             "longer stops and says 'skipped'.")(command)
    return click.option(
        "--max-exhaustive", type=click.IntRange(min=1, max=MAX_EXHAUSTIVE_OPTION), default=MAX_EXHAUSTIVE_BITS,
        show_default=True,
        metavar="B",
        help="Largest n whose 2^n inputs are checked one by one; asking for that beyond B is refused, "
             "--verify auto certifies or says 'skipped' instead.")(command)


def network_file_options(command):
    """``--out``, ``--onnx``, ``--onnx-dtype`` and ``--network-dot``, as every command that builds a network reads them."""
    command = click.option("--network-dot", "network_dot", type=click.Path(dir_okay=False), metavar="FILE",
                           help="Write the network's units and weights as Graphviz DOT (small networks).")(command)
    command = click.option(
        "--onnx-dtype", type=click.Choice(("float64", "float32")), default="float64", show_default=True,
        help="ONNX arithmetic; float32 only where every value is an integer below 2^24 (then exact).")(command)
    command = click.option("--onnx", "onnx_path", type=click.Path(dir_okay=False), metavar="FILE",
                           help="Export the network as ONNX.")(command)
    return click.option(
        "--out", type=click.Path(dir_okay=False), metavar="FILE",
        help="Save the network: torch.save of a dict of COO triplets (row, col, value) per layer; "
             "expressivity.networks.export.load_network(FILE).to_torch() gives the torch module.")(command)


def check_output_paths(**paths) -> None:
    """Refuse, before any work, output paths (``option=path``, None for not given) that cannot all be written.

    Every command calls this for every file it writes.  Refused, with one line
    and exit 2: an empty path, a folder, a path whose folder does not exist, a
    block device, a symlink loop, a file whose owner could not be kept, and one
    file (after symlinks) named by two options.  A character device, FIFO or
    socket is accepted: it is written straight (see
    :mod:`expressivity.results.atomic`).
    """
    from expressivity.results.atomic import check_writable

    seen: dict[str, str] = {}
    for option, path in paths.items():
        if path is None:
            continue
        flag = f"--{option.replace('_', '-')}"
        if not str(path):
            fail(f"{flag}: an empty path names no file")
        try:
            check_writable(path)
        except OSError as error:
            fail(f"cannot use {flag} {path}: cannot write it ({error})")
        for other_flag, other in seen.items():
            if _same_file(path, other):
                fail(f"{other_flag} {other} and {flag} {path} name the same file")
        seen[flag] = path


def _same_file(first: str, second: str) -> bool:
    """Whether two paths name one file: equal after symlinks, or one existing file under two names."""
    import os

    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist yet
        return False


def write_outputs(net, *, out=None, onnx=None, onnx_dtype="float64", network_dot=None, circuit_dot=None,
                  circuit=None) -> dict:
    """Write the files asked for (``circuit_dot``: ``circuit`` drawn as DOT); the paths written, by option."""
    from expressivity.networks.export import export_onnx, save_network, write_network_dot

    written = {}
    try:
        if out:
            save_network(net, out)
            written["out"] = out
        if onnx:
            export_onnx(net, onnx, dtype=onnx_dtype)
            written["onnx"] = onnx
        if network_dot:
            write_network_dot(net, network_dot)
            written["network_dot"] = network_dot
        if circuit_dot:
            from expressivity.circuits.dot import write_dot

            write_dot(circuit, circuit_dot)
            written["circuit_dot"] = circuit_dot
    except (OSError, ValueError) as error:
        fail(str(error))
    return written


def check_exports(net, *, onnx=None, onnx_dtype="float64", network_dot=None) -> None:
    """Refuse, before verification, an export the network cannot have (too large, or float32 that would round)."""
    from expressivity.networks.export import dot_problem, onnx_problem

    if onnx and onnx_problem(net, onnx_dtype):
        fail(f"--onnx: {onnx_problem(net, onnx_dtype)}")
    if network_dot and dot_problem(net):
        fail(f"--network-dot: {dot_problem(net)}")
