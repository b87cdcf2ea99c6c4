"""``expressivity search-width``: the smallest ReLU width, at a given depth, at which training finds a function."""
from __future__ import annotations

import click

from expressivity.cli import main
from expressivity.cli.common import (
    backend_options, bits_option, explicit, fail, json_option, open_backend, parse_bits, plot_option, progress_option,
    records_option, resume_option,
)
from expressivity.cli.vocabulary import (
    depths_option, functions_option, parse_depth_and_shape, parse_function_at, parse_functions, parse_widths,
    renamed_option, shape_option, widths_option,
)
from expressivity.cli.training import MAX_SEARCH_BITS, report_search, training_config, training_options
from expressivity.results.records import RecordsError


@main.command("search-width")
@functions_option()
@renamed_option("--function", "--functions", "functions")
@bits_option(ranges=True, default="2..6", extra="n >= 2.")
@widths_option("1..8", "Every hidden layer has the width.")
@depths_option(ranges=False, help="Every layer as wide as the width tried [default: 1].")
@renamed_option("--depth", "--depths", "depths")
@shape_option
@training_options
@backend_options
@records_option("(n, function, shape, configuration)")
@resume_option("(n, function, shape, configuration) batches")
@plot_option("the widths-found plot and the success heat map")
@json_option()
@progress_option()
@click.pass_context
def search_width_command(
    ctx, functions, bits, widths, depths, shape, seeds, steps, lr, beta1, beta2, eps, loss, init, encoding, dtype,
    device, seed, backend, address, workers, records, resume, plot, as_json, progress,
):
    """Train many ReLU networks of a given depth on a Boolean function; report the smallest width that fits.

    Every fit is re-checked exactly (float64, all 2^n inputs).  The widths found
    are upper bounds on the minimum width at that depth: a failure to train
    proves nothing.
    The winning networks go to the --records FILE's .weights folder, as
    networks on 0/1 inputs.  Sizes are checked against this machine's memory
    and a week of training before any work.
    """
    function = parse_functions(functions, several=False, command="search-width")
    bit_range = parse_bits(bits, ranges=True, minimum=2, maximum=MAX_SEARCH_BITS,
                           why="every fit is re-checked on all 2^n inputs")
    width_range = parse_widths(widths)
    depth, explicit_shape = parse_depth_and_shape(depths, shape)
    if explicit_shape is not None and explicit(ctx, "widths"):
        fail("give --widths or --shape, not both")
    for n in bit_range:
        parse_function_at(function, n)
    config, torch_device = training_config(  # the first torch import: every check above is done without it
        seeds=seeds, steps=steps, lr=lr, beta1=beta1, beta2=beta2, eps=eps, loss=loss, init=init, encoding=encoding,
        dtype=dtype, device=device, seed=seed, records=records, resume=resume, plot=plot)
    from expressivity.search.budget import SearchTooLarge, check_search_size
    from expressivity.search.summary import summary_text
    from expressivity.search.width import search_width

    try:
        check_search_size(bit_range, None if explicit_shape else width_range, seeds, config, depth=depth,
                          shape=explicit_shape, device=torch_device)
    except SearchTooLarge as error:
        fail(str(error))
    if ctx.get_parameter_source("progress") == click.core.ParameterSource.DEFAULT:
        progress = not as_json

    runner = open_backend(backend, address, workers)
    try:
        with runner:
            result = search_width(
                function, bit_range, None if explicit_shape else width_range, seeds, config, depth=depth,
                shape=explicit_shape, seed=seed, device=device, records_path=records, resume=resume,
                progress=progress, backend=runner,
            )
    except RecordsError as error:
        fail(str(error))
    rows = result.rows()
    if plot is not None:
        from expressivity.results.plots import plot_width_search

        plot_width_search(rows, plot, title=f"{function}, depth {depth}; {seeds} seeds per width; {config.key()}")
    notes = [f"({len(result.skipped)} (n, shape) batches read back from {records}, not trained again)"] \
        if result.skipped else []
    report_search(result.to_dict(), summary_text(rows), as_json=as_json, records=records, plot=plot, notes=notes)
