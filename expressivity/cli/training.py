"""The training options shared by ``search-width`` and ``depth-width``: one meaning in every command.

Nothing here imports torch (the search modules do, which takes seconds): bad
input is refused first, and torch is imported when the run is about to start.
"""
from __future__ import annotations

import math
from pathlib import Path

import click

from expressivity.cli.common import check_output_paths, fail, print_json
from expressivity.results.atomic import check_writable
from expressivity.results.records import RecordsError

# The engine's names and limits (expressivity.search.models, expressivity.search.width), written out
# so that the options and the first checks need no torch; tests/test_cli_vocabulary.py checks they agree.
LOSSES = ("logistic", "hinge", "squared")
INITS = ("uniform", "kaiming", "gaussian", "rademacher")
ENCODINGS = ("01", "pm1")
DTYPES = ("float32", "float64")
MAX_SEARCH_BITS = 24

_OPTIONS = [
    click.option("--seeds", default=64, show_default=True, type=int, help="Networks trained per (n, shape)."),
    click.option("--steps", default=2000, show_default=True, type=int,
                 help="Adam steps at most per network (a network stops when it classifies every input)."),
    click.option("--lr", default=0.01, show_default=True, type=float, help="Adam learning rate."),
    click.option("--beta1", default=0.9, show_default=True, type=float, help="Adam's first-moment decay, in [0, 1)."),
    click.option("--beta2", default=0.999, show_default=True, type=float,
                 help="Adam's second-moment decay, in [0, 1)."),
    click.option("--eps", default=1e-8, show_default=True, type=float,
                 help="Adam's epsilon (added to the root of the second moment)."),
    click.option("--loss", type=click.Choice(LOSSES), default="logistic", show_default=True,
                 help="Of the margin z = y * out (y = +1 where f = 1, else -1): log(1 + exp(-z)), max(0, 1 - z), "
                      "or (1 - z)^2 / 2."),
    click.option("--init", "init", type=click.Choice(INITS), default="uniform", show_default=True,
                 help="Initial weights: uniform is nn.Linear's default; kaiming, gaussian and rademacher "
                      "scale by 1/sqrt(fan-in)."),
    click.option("--encoding", type=click.Choice(ENCODINGS), default="pm1", show_default=True,
                 help="Train on inputs 0/1 or -1/+1 (saved networks read 0/1 either way)."),
    click.option("--dtype", type=click.Choice(DTYPES), default="float32", show_default=True,
                 help="Training arithmetic (fits are re-checked in float64 regardless)."),
    click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
                 help="Where to train: auto takes a CUDA GPU when torch sees one."),
    click.option("--seed", default=0, show_default=True, type=int, help="Fixes every initialisation."),
]


def training_options(command):
    """``--seeds --steps --lr --beta1 --beta2 --eps --loss --init --encoding --dtype --device --seed``."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def training_config(*, seeds, steps, lr, beta1, beta2, eps, loss, init, encoding, dtype, device, seed,
                    records=None, resume=False, plot=None):
    """The configuration and device the options name, every output file checked; or one line and exit 2.

    The numbers are checked before torch is imported.
    """
    if resume and records is None:
        fail("--resume needs --records FILE")
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
    check_search_outputs(records, plot)
    from expressivity.search.engine import TrainConfig, resolve_device

    try:
        config = TrainConfig(loss=loss, init=init, encoding=encoding, steps=steps, lr=lr, beta1=beta1,
                             beta2=beta2, eps=eps, dtype=dtype)
        torch_device = resolve_device(device)
    except ValueError as error:
        fail(str(error))
    return config, torch_device


def check_search_outputs(records: str | None, plot: str | None) -> None:
    """Every file the run will write, checked before it starts: folders, formats, clashes."""
    check_output_paths(records=records, plot=plot)
    if records is not None:
        from expressivity.search.records import read_search_records, weights_folder
    try:
        if records is not None:
            check_writable(records)
            if Path(records).exists():
                read_search_records(records)
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


def report_search(payload: dict, text: str, *, as_json: bool, records: str | None, plot: str | None,
                  notes=()) -> None:
    """Print a search's result: one JSON object (with the plot's path), or the text, notes and files."""
    if as_json:
        print_json({**payload, "plot": plot})
        return
    click.echo(text)
    for note in notes:
        click.echo(note)
    if records is not None:
        click.echo(f"records: {records}")
    if plot is not None:
        click.echo(f"plot: {plot}")
