"""``expressivity search-width``: the smallest one-hidden-layer ReLU width at which training finds parity."""
from __future__ import annotations

import click

from expressivity.cli import main
from expressivity.cli.common import fail, parse_range, print_json
from expressivity.results.atomic import check_writable
from expressivity.results.records import RecordsError, read_records
from expressivity.search.engine import DTYPES, ENCODINGS, INITS, LOSSES, TrainConfig, resolve_device
from expressivity.search.width import MAX_SEARCH_BITS, search_width, summary_text


@main.command("search-width")
@click.option("--bits", default="2..6", show_default=True, help="Input sizes n, as N or A..B (n >= 2).")
@click.option("--widths", default="1..8", show_default=True, help="Hidden widths to try, as W or A..B.")
@click.option("--seeds", default=64, show_default=True, type=int, help="Networks trained per (n, width).")
@click.option("--steps", default=2000, show_default=True, type=int, help="Adam steps at most per network.")
@click.option("--lr", default=0.01, show_default=True, type=float, help="Adam learning rate.")
@click.option("--beta1", default=0.9, show_default=True, type=float)
@click.option("--beta2", default=0.999, show_default=True, type=float)
@click.option("--eps", default=1e-8, show_default=True, type=float)
@click.option("--loss", type=click.Choice(LOSSES), default="logistic", show_default=True)
@click.option("--init", "init", type=click.Choice(INITS), default="uniform", show_default=True)
@click.option("--encoding", type=click.Choice(ENCODINGS), default="pm1", show_default=True,
              help="Inputs as 0/1 or as -1/+1.")
@click.option("--dtype", type=click.Choice(tuple(DTYPES)), default="float32", show_default=True,
              help="Training arithmetic (fits are re-checked in float64 regardless).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--seed", default=0, show_default=True, type=int, help="Fixes every initialisation.")
@click.option("--records", "records", type=click.Path(dir_okay=True), default=None,
              help="JSON-lines file: one record per (n, width, configuration); winning weights beside it.")
@click.option("--resume", is_flag=True, help="Skip (n, width, configuration) already in --records.")
@click.option("--plot", "plot", type=click.Path(dir_okay=True), default=None,
              help="Save the widths-found plot and the success heat map here (.png).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
def search_width_command(
    bits, widths, seeds, steps, lr, beta1, beta2, eps, loss, init, encoding, dtype, device, seed,
    records, resume, plot, as_json, progress,
):
    """Train many one-hidden-layer ReLU networks on n-bit parity; report the smallest width that fits.

    Every fit is re-checked exactly (float64, all 2^n inputs).  The widths found
    are upper bounds on the minimum width: a failure to train proves nothing.
    """
    bit_range = parse_range(bits, name="--bits", minimum=2)
    if bit_range[-1] > MAX_SEARCH_BITS:
        fail(f"--bits goes up to {MAX_SEARCH_BITS} (every fit is re-checked on all 2^n inputs), got {bit_range[-1]}")
    width_range = parse_range(widths, name="--widths", minimum=1)
    if seeds < 1:
        fail(f"--seeds must be at least 1, got {seeds}")
    if seed < 0:
        fail(f"--seed must be non-negative, got {seed}")
    try:
        config = TrainConfig(loss=loss, init=init, encoding=encoding, steps=steps, lr=lr, beta1=beta1,
                             beta2=beta2, eps=eps, dtype=dtype)
        resolve_device(device)
    except ValueError as error:
        fail(str(error))
    if resume and records is None:
        fail("--resume needs --records FILE")
    try:
        if records is not None:
            check_writable(records)
            read_records(records)
        if plot is not None:
            check_writable(plot)
    except (OSError, RecordsError) as error:
        fail(str(error))

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
