"""``expressivity census``: the proven minimum width of every NPN class (n <= 4) or symmetric function (n <= 7)."""
from __future__ import annotations

import math
import time
from pathlib import Path

import click

from expressivity.cli import main
from expressivity.cli.common import check_output_paths
from expressivity.cli.common import (
    backend_options, open_backend, existing_records, plot_option, bits_option, fail, json_option, parse_bits, print_json, progress_option, records_option, resume_option,
)
from expressivity.prove.census.table import (
    CENSUS_KINDS, MAX_CENSUS_BITS, PATTERN_TIME_LIMIT, LowerBoundDisagreement, census, census_table, census_universe, histogram_table,
    reusable_rows, width_histogram,
)
from expressivity.prove.milp.formulation import STRONG
from expressivity.results.atomic import check_writable

#: The largest --below file read (the 4-bit NPN census with every certificate is about 34 MB).
MAX_BELOW_BYTES = 256 * 2**20

_WHY = {"npn": "n = 5 has 2^32 functions in 616,126 NPN classes",
        "symmetric": "the programs grow as 2^n binaries per unit"}


@main.command("census")
@bits_option(ranges=False, extra="1 <= n <= 4 for the NPN census, n <= 7 for the symmetric one.")
@click.option("--kind", type=click.Choice(CENSUS_KINDS), default="npn", show_default=True,
              help="npn: every NPN class of all 2^(2^n) functions; symmetric: every symmetric function, "
                   "grouped by flipping all inputs and negating the output.")
@click.option("--time-limit", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="HiGHS seconds per width of each class (building the programs included); past it the width "
                   "is 'unknown'.")
@click.option("--pattern-time-limit", type=float, default=PATTERN_TIME_LIMIT, show_default=True, metavar="SECONDS",
              help="Seconds per class for the second exact method (activation patterns + exact LP duals, n <= 5, "
                   "widths 1, 2 and 3); 0 turns it off. Past it the method adds nothing and a lower bound backed by "
                   "HiGHS alone is marked '*'.")
@click.option("--below", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Census records of n - 1 bits (the same kind): a class whose restriction to a facet has a higher "
                   "lower bound there gets it, exactly (a network for f, with one input fixed, is one for the "
                   "restriction).")
@click.option("--cube-records", type=click.Path(dir_okay=False), multiple=True, metavar="FILE",
              help="Cube records of n bits (prove-width --cubes, the cube splits of bench_restrictions.py; repeatable): a "
                   "class with a function whose every cube of width w is closed there gets the lower bound w + 1, "
                   "on HiGHS's word per cube.")
@backend_options
@records_option("class (n, kind, representative table), with its width proofs and certificates")
@resume_option("classes")
@plot_option("a bar chart of the functions and classes needing each width")
@json_option()
@progress_option()
@click.pass_context
def census_command(ctx, bits, kind, time_limit, pattern_time_limit, below, cube_records, backend, address, workers, records, resume,
                   plot, as_json, progress):
    """Prove the minimum width of one hidden ReLU layer (sign variant) for every class of n-bit functions.

    The minimum width is an NPN invariant (negating an input changes the first
    layer exactly, permuting inputs permutes its columns, negating the output
    negates the output layer), so one representative per class is proven and
    counted with the class's size.  Lower bounds: widths HiGHS proves infeasible
    (floating point), backed where they can be by two exact methods that share
    no code with it (width 1: convex-hull certificates; widths 1, 2 and 3 for
    n <= 5: activation patterns with Farkas certificates checked in integers);
    upper bounds: certified integer networks or checked constructions.
    """
    from click.core import ParameterSource

    n = parse_bits(bits, ranges=False, minimum=1, maximum=MAX_CENSUS_BITS[kind],
                   why=f"{kind} census; {_WHY[kind]}")
    if not (math.isfinite(time_limit) and time_limit > 0):
        fail(f"--time-limit must be a positive number of seconds, got {time_limit}")
    if not (math.isfinite(pattern_time_limit) and pattern_time_limit >= 0):
        fail(f"--pattern-time-limit must be 0 (off) or a positive number of seconds, got {pattern_time_limit}")
    check_output_paths(records=records, plot=plot)
    below_rows = _below_rows(below, n, kind)
    closed = _cube_bounds(cube_records, n, kind)
    if resume and not records:
        fail("--resume needs --records FILE")
    if plot is not None:
        from expressivity.results.plots import plot_format

        try:
            plot_format(plot)
            check_writable(plot)
        except (ValueError, OSError) as error:
            fail(f"--plot {plot}: {error}")
    if records:
        if plot is not None and Path(plot).resolve() == Path(records).resolve():
            fail(f"--plot {plot} and --records {records} name the same file")
        previous = existing_records(records, "census")
        if resume:
            try:
                reusable_rows(previous, n, kind, STRONG.name)
            except ValueError as error:
                fail(f"--records: {error}")
    if ctx.get_parameter_source("progress") == ParameterSource.DEFAULT:
        progress = not as_json

    runner = open_backend(backend, address, workers)
    started = time.perf_counter()
    try:
        with runner:
            rows = census(n, kind, time_limit=time_limit, formulation=STRONG, records_path=records, resume=resume,
                          progress=progress, pattern_time_limit=pattern_time_limit, backend=runner, below=below_rows,
                          cube_bounds=closed)
    except LowerBoundDisagreement as error:
        fail(f"the census disagrees with itself: {error}")
    seconds = time.perf_counter() - started
    title = (f"{len(rows)} {'NPN classes' if kind == 'npn' else 'classes of symmetric functions'} of "
             f"{n} bits ({census_universe(n, kind):,} functions); sign variant, time limit {time_limit:g} s per width")
    if plot is not None:
        from expressivity.results.plots import plot_census

        plot_census(width_histogram(rows), plot, title=title)
    resumed = sum(row.resumed for row in rows)
    if as_json:
        print_json({
            "n": n, "kind": kind, "variant": "sign", "formulation": STRONG.name, "time_limit": time_limit,
            "pattern_time_limit": pattern_time_limit, **runner.describe(),
            "classes": len(rows), "functions": census_universe(n, kind),
            "rows": [row.to_dict() | {"resumed": row.resumed} for row in rows],
            "histogram": [b.to_dict() for b in width_histogram(rows)],
            "seconds": seconds, "records": records, "plot": plot,
        })
        return
    click.echo(census_table(rows))
    click.echo("")
    click.echo(histogram_table(rows))
    click.echo(f"\n{title}; {seconds:.1f} s")
    if resumed:
        click.echo(f"({resumed} classes read back from {records}, not proven again)")
    click.echo("widths: - proven infeasible (HiGHS, floating point, not exact arithmetic), + certified (an integer "
               "network checked on every input), ? unknown; size: functions of the census in the class.")
    click.echo("lower from: HiGHS (the solver's word), hull (width 1: a point in both convex hulls, checked in "
               "Fractions), patterns W (width W: every activation-pattern combination infeasible by a Farkas "
               "certificate checked in integers), trivial, facet: the bound of a restriction to a facet (--below) "
               "and its method; cubes: every cube of the width below closed (--cube-records, HiGHS's word per cube); "
               "* a lower bound resting on HiGHS alone.")
    if plot is not None:
        click.echo(f"plot: {plot}")


def _check_file(option: str, path: str, why: str) -> None:
    """A records file an option reads: present, a regular file, at most MAX_BELOW_BYTES; one line and exit 2 if not."""
    if not Path(path).is_file():
        fail(f"{option} {path}: no such file" if not Path(path).exists() else f"{option} {path}: not a file")
    if Path(path).stat().st_size > MAX_BELOW_BYTES:
        fail(f"{option} {path}: larger than {MAX_BELOW_BYTES:,} bytes; {why}")


def _below_rows(below: str | None, n: int, kind: str) -> list:
    """The census rows of ``n - 1`` bits and ``kind`` in ``--below`` (none without it); one line and exit 2 if unusable."""
    from expressivity.results.records import RecordsError, read_records

    if below is None:
        return []
    if n < 2:
        fail("--below: a census of 1 bit has no facets to restrict to")
    _check_file("--below", below, "census records of n - 1 bits are far smaller")
    try:
        rows = reusable_rows(read_records(below, kind="census"), n - 1, kind, STRONG.name)
    except (OSError, RecordsError, ValueError) as error:
        fail(f"cannot use --below {below}: {error}")
    if not rows:
        fail(f"--below {below}: no {kind} census rows of {n - 1} bits in it")
    return list(rows.values())


def _cube_bounds(paths, n: int, kind: str) -> dict:
    """The closed cube splits of ``--cube-records`` by class (none without it); one line and exit 2 if unusable."""
    from expressivity.prove.census.by_cubes import cube_bounds
    from expressivity.results.records import RecordsError, read_records

    records = []
    for path in paths:
        _check_file("--cube-records", path, "the n = 6 cube records are about 1 MB")
        try:
            found = [r for r in read_records(path) if "cube" in r]
        except (OSError, RecordsError) as error:
            fail(f"cannot use --cube-records {path}: {error}")
        if not any(r.get("n") == n for r in found):
            fail(f"--cube-records {path}: no cube records of {n} bits in it")
        records += found
    try:
        return cube_bounds(records, n, kind) if records else {}
    except (KeyError, TypeError, ValueError) as error:
        fail(f"cannot use --cube-records: a malformed cube record or an unusable function ({error})")
