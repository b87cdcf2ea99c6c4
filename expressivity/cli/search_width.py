"""``expressivity search-width``: the smallest one-hidden-layer ReLU width at which training finds parity."""
from __future__ import annotations

import math
from pathlib import Path

import click

from expressivity.cli import main
from expressivity.cli.common import (
    bits_option, fail, json_option, parse_bits, parse_range, print_json, progress_option, records_option,
    resume_option,
)
from expressivity.results.atomic import check_writable
from expressivity.results.records import RecordsError, read_records
from expressivity.search.budget import SearchTooLarge, check_search_size
from expressivity.search.engine import DTYPES, ENCODINGS, INITS, LOSSES, TrainConfig, resolve_device
from expressivity.search.width import MAX_SEARCH_BITS, search_width, summary_text, weights_folder


@main.command("search-width")
@bits_option(ranges=True, default="2..6", extra="n >= 2.")
@click.option("--widths", default="1..8", show_default=True, metavar="W|A..B", help="Hidden widths to try.")
@click.option("--seeds", default=64, show_default=True, type=int, help="Networks trained per (n, width).")
@click.option("--steps", default=2000, show_default=True, type=int,
              help="Adam steps at most per network (a network stops when it classifies every input).")
@click.option("--lr", default=0.01, show_default=True, type=float, help="Adam learning rate.")
@click.option("--beta1", default=0.9, show_default=True, type=float, help="Adam's first-moment decay, in [0, 1).")
@click.option("--beta2", default=0.999, show_default=True, type=float, help="Adam's second-moment decay, in [0, 1).")
@click.option("--eps", default=1e-8, show_default=True, type=float, help="Adam's epsilon (added to the root of the second moment).")
@click.option("--loss", type=click.Choice(LOSSES), default="logistic", show_default=True,
              help="Of the margin z = y * out (y = +-1): log(1 + exp(-z)), max(0, 1 - z), or (1 - z)^2 / 2.")
@click.option("--init", "init", type=click.Choice(INITS), default="uniform", show_default=True,
              help="Initial weights: uniform is nn.Linear's default; kaiming, gaussian and rademacher "
                   "scale by 1/sqrt(fan-in).")
@click.option("--encoding", type=click.Choice(ENCODINGS), default="pm1", show_default=True,
              help="Train on inputs 0/1 or -1/+1 (saved networks read 0/1 either way).")
@click.option("--dtype", type=click.Choice(tuple(DTYPES)), default="float32", show_default=True,
              help="Training arithmetic (fits are re-checked in float64 regardless).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="Where to train: auto takes a CUDA GPU when torch sees one.")
@click.option("--seed", default=0, show_default=True, type=int, help="Fixes every initialisation.")
@records_option("(n, width, configuration)")
@resume_option("(n, width, configuration) batches")
@click.option("--plot", "plot", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Save the widths-found plot and the success heat map here; the suffix picks the format "
                   "(.png, .pdf, .svg, ...).")
@json_option()
@progress_option()
@click.pass_context
def search_width_command(
    ctx, bits, widths, seeds, steps, lr, beta1, beta2, eps, loss, init, encoding, dtype, device, seed,
    records, resume, plot, as_json, progress,
):
    """Train many one-hidden-layer ReLU networks on n-bit parity; report the smallest width that fits.

    Every fit is re-checked exactly (float64, all 2^n inputs).  The widths found
    are upper bounds on the minimum width: a failure to train proves nothing.
    The winning networks go to the --records FILE's .weights folder, as
    networks on 0/1 inputs.  Sizes are checked against this machine's memory
    and a week of training before any work.
    """
    bit_range = parse_bits(bits, ranges=True, minimum=2, maximum=MAX_SEARCH_BITS,
                           why="every fit is re-checked on all 2^n inputs")
    width_range = parse_range(widths, name="--widths", minimum=1)
    if seeds < 1:
        fail(f"--seeds must be at least 1, got {seeds}")
    if steps < 0:
        fail(f"--steps must be at least 0, got {steps}")
    if seed < 0:
        fail(f"--seed must be non-negative, got {seed}")
    for name, value in (("--lr", lr), ("--eps", eps)):
        if not (math.isfinite(value) and value > 0):
            fail(f"{name} must be a positive number, got {value}")
    for name, value in (("--beta1", beta1), ("--beta2", beta2)):
        if not 0 <= value < 1:
            fail(f"{name} must lie in [0, 1), got {value}")
    if resume and records is None:
        fail("--resume needs --records FILE")
    try:
        config = TrainConfig(loss=loss, init=init, encoding=encoding, steps=steps, lr=lr, beta1=beta1,
                             beta2=beta2, eps=eps, dtype=dtype)
        torch_device = resolve_device(device)
    except ValueError as error:
        fail(str(error))
    _check_outputs(records, plot)
    try:
        check_search_size(bit_range, width_range, seeds, config, device=torch_device)
    except SearchTooLarge as error:
        fail(str(error))
    if ctx.get_parameter_source("progress") == click.core.ParameterSource.DEFAULT:
        progress = not as_json

    try:
        result = search_width(
            bit_range, width_range, seeds, config, seed=seed, device=device, records_path=records,
            resume=resume, progress=progress,
        )
    except RecordsError as error:
        fail(str(error))
    rows = result.rows()
    if plot is not None:
        from expressivity.results.plots import plot_width_search

        plot_width_search(rows, plot, title=f"{seeds} seeds per width; {config.key()}")
    if as_json:
        payload = result.to_dict()
        payload["plot"] = plot
        print_json(payload)
        return
    click.echo(summary_text(rows))
    if result.skipped:
        click.echo(f"({len(result.skipped)} (n, width) batches read back from {records}, not trained again)")
    if records is not None:
        click.echo(f"records: {records}")
    if plot is not None:
        click.echo(f"plot: {plot}")


def _check_outputs(records: str | None, plot: str | None) -> None:
    """Every file the run will write, checked before it starts: folders, formats, clashes."""
    try:
        if records is not None:
            check_writable(records)
            read_records(records)
            folder = weights_folder(records)
            if folder.exists() and not folder.is_dir():
                fail(f"--records {records}: the weights go to {folder}, which is a file, not a folder")
    except OSError as error:
        fail(f"--records {records}: {error}")
    except RecordsError as error:
        fail(f"--records: {error}")
    if plot is None:
        return
    try:
        check_writable(plot)
    except OSError as error:
        fail(f"--plot {plot}: {error}")
    if records is not None and Path(plot).resolve() in (Path(records).resolve(), weights_folder(records).resolve()):
        fail(f"--plot {plot} and --records {records} name the same file")
    from expressivity.results.plots import plot_format

    try:
        plot_format(plot)
    except ValueError as error:
        fail(f"--plot {plot}: {error}")
