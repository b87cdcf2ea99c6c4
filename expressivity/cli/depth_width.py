"""``expressivity depth-width``: the depth-width table for several functions, with records, resume and a plot."""
from __future__ import annotations

import click

from expressivity.cli import main
from expressivity.cli.common import (
    Seconds, bits_option, explicit, fail, json_option, parse_bits, plot_option, progress_option, records_option,
    resume_option,
)
from expressivity.cli.vocabulary import depths_option, functions_option, max_width_option, parse_depths, parse_functions
from expressivity.cli.training import MAX_SEARCH_BITS, report_search, training_config, training_options
from expressivity.results.records import RecordsError

KNOWN = ("parity", "majority", "ip", "eq", "gt", "tribes")
DEFAULT_FUNCTIONS = "parity,majority,ip,tribes"


@main.command("depth-width")
@functions_option(DEFAULT_FUNCTIONS, several=True,
                  extra="Here tribes alone is tribes:2,n/2 at even n; of the default, the families defined at no n "
                        "of --bits (ip and tribes need even n) are left out.")
@bits_option(ranges=True, default="2..10", extra="n >= 2.")
@depths_option(ranges=True, default="1..3")
@max_width_option(16, "Every hidden layer has the width.")
@click.option("--block", default=4, show_default=True, type=int,
              help="Widths trained together; the scan stops after the first block with a verified fit.")
@click.option("--time-limit", "time_limit", default=None, type=Seconds(zero=True), metavar="SECONDS",
              help="Start no new block after this many seconds; the cells left say 'stopped' or 'not reached' "
                   "(blocks already in --records are still read back with --resume).")
@training_options
@records_option("(n, function, shape, configuration)")
@resume_option("(n, function, shape, configuration) batches")
@plot_option("the width and parameter plot")
@json_option()
@progress_option()
@click.pass_context
def depth_width_command(ctx, functions, bits, depths, max_width, block, time_limit, seeds, steps, lr, beta1, beta2, eps, loss,
                        init, encoding, dtype, device, seed, records, resume, plot, as_json, progress):
    """The smallest width training finds at each depth, for several functions and n, beside known constructions.

    Widths are tried upwards in blocks; every fit is re-checked exactly.  The
    widths found are upper bounds on the minimum width at that depth; where no
    run fit, nothing is proven.
    """
    bit_range = parse_bits(bits, ranges=True, minimum=2, maximum=MAX_SEARCH_BITS,
                           why="every fit is re-checked on all 2^n inputs")
    depth_range = parse_depths(depths, ranges=True)
    names = parse_functions(functions, several=True)
    if max_width < 1 or block < 1:
        fail("--max-width and --block must be at least 1")
    config, torch_device = training_config(  # the first torch import: every check above is done without it
        seeds=seeds, steps=steps, lr=lr, beta1=beta1, beta2=beta2, eps=eps, loss=loss, init=init, encoding=encoding,
        dtype=dtype, device=device, seed=seed, records=records, resume=resume, plot=plot)
    from expressivity.search.budget import SearchTooLarge, check_search_size
    from expressivity.search.depth_table import depth_width_table, function_spec, table_text

    defined = [name for name in names if any(function_spec(name, n) for n in bit_range)]
    if explicit(ctx, "functions"):
        for name in names:
            if name not in defined:
                fail(f"--functions {name}: not a family defined at any n in --bits {bits} "
                     f"(known: {', '.join(KNOWN)}, or a spec that needs only n)")
    names = defined  # the default's families that --bits leaves undefined are left out (see --help)
    try:
        for depth in depth_range:
            check_search_size(bit_range, range(1, max_width + 1), seeds, config, depth=depth, device=torch_device)
    except SearchTooLarge as error:  # the search's own words name --widths: here that is --max-width
        widths = f"--widths 1..{max_width}" if max_width > 1 else "--widths 1"
        fail(str(error).replace(widths, f"--max-width {max_width}"))
    if ctx.get_parameter_source("progress") == click.core.ParameterSource.DEFAULT:
        progress = not as_json

    def report(cell) -> None:
        if progress:
            if cell.spec is None:
                found = "not defined at this n"
            else:
                found = "stopped (time limit)" if cell.stopped else "none" if cell.width is None else cell.width
                found = f"width {found}"
            click.echo(f"{cell.function} n={cell.n} depth {cell.depth}: {found} ({cell.seconds:.1f} s)", err=True)

    try:
        table = depth_width_table(names, bit_range, depth_range, max_width=max_width, block=block, seeds=seeds,
                                  config=config, seed=seed, device=device, records_path=records, resume=resume,
                                  progress=False, time_limit=time_limit, on_cell=report)
    except RecordsError as error:
        fail(str(error))
    if plot is not None:
        from expressivity.results.plots import plot_depth_width

        plot_depth_width(table, plot, title=f"{seeds} seeds per width; {config.key()}")
    report_search(table.to_dict(), table_text(table), as_json=as_json, records=records, plot=plot)
