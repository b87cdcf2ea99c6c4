"""``expressivity regions``: exact activation regions and linear pieces of a ReLU network.

Two counts, always named: *activation regions* (maximal sets with one on/off
pattern of the units, nonempty interior) and *linear pieces* (maximal sets on
which the output is affine; adjacent regions with the same affine map merge).
Every breakpoint is an exact rational.
"""
from __future__ import annotations

import time

import click

from expressivity.cli import main
from expressivity.cli.common import check_output_paths, fail, json_option, plot_option, print_json, progress_option
from expressivity.cli.regions_shared import architecture_bounds, bounds_text, parse_number

#: The deepest sawtooth: 2^K + 1 points must fit the sweep's limit (2^22 points).
MAX_SAWTOOTH = 21
#: Breakpoints printed in the table; --json lists up to --max-listed.
SHOWN = 8


@main.command("regions")
@click.option("--sawtooth", "sawtooth_k", type=int, default=None, metavar="K",
              help=f"Telgarsky's sawtooth: the tent map composed K times (depth K, width 2; K <= {MAX_SAWTOOTH}).")
@click.option("--module", "module_path", default=None, metavar="PKG.MOD:FACTORY",
              help="A torch nn.Sequential of Linear, ReLU and BatchNorm1d (folded) layers.")
@click.option("--network", "network_path", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="A network saved by expressivity (compile/shallow --out).")
@click.option("--segment", "segment_text", default=None, metavar="A:B",
              help="The segment [A, B] for one input (e.g. 0:1, -1/2:3), or two points of R^d as "
                   "x1,...,xd:y1,...,yd. Default 0:1 for --sawtooth.")
@click.option("--box", "box_text", default=None, metavar="U0:U1,V0:V1",
              help="A 2D partition of the box [U0, U1] x [V0, V1]: of the input plane of a two-input network, "
                   "or of the --plane slice. With one range per input of a network of 3 or more inputs: "
                   "the regions by traversal (one LP per region, each proven by an exact interior point).")
@click.option("--plane", "plane_text", default=None, metavar="O:A:B",
              help="The 2D slice x = O + u A + v B of a network with more inputs (three points of R^d, "
                   "coordinates separated by commas); with --box.")
@click.option("--max-listed", type=click.IntRange(min=0), default=10_000, show_default=True, metavar="N",
              help="--json lists every breakpoint when there are at most N (else says how many there are).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True,
              metavar="SECONDS", help="Stop past this; the counts are then reported as unknown (exit 1).")
@plot_option("the function along the segment, with its kinks")
@json_option()
@progress_option()
def regions_command(sawtooth_k, module_path, network_path, segment_text, box_text, plane_text, max_listed,
                    time_limit, plot, as_json, progress):
    """Count the exact activation regions and linear pieces of a ReLU network on a segment or a box.

    Give exactly one of --sawtooth, --module, --network, and a --segment (1D) or a --box (2D).
    """
    from expressivity.regions.segment import RegionsLimit, segment_partition

    given = [name for name, value in (("--sawtooth", sawtooth_k), ("--module", module_path),
                                      ("--network", network_path)) if value is not None]
    if len(given) != 1:
        fail("give exactly one of --sawtooth, --module, --network" + (f" (got {', '.join(given)})" if given else ""))
    if sawtooth_k is not None and not 1 <= sawtooth_k <= MAX_SAWTOOTH:
        fail(f"--sawtooth K must lie in 1..{MAX_SAWTOOTH} (2^K + 1 points must fit the sweep's 2^22), got {sawtooth_k}")
    if segment_text is not None and box_text is not None:
        fail("--segment and --box exclude each other (a 1D sweep or a 2D partition)")
    if plane_text is not None and box_text is None:
        fail("--plane needs --box (the range of u and v on the slice)")
    if sawtooth_k is not None and box_text is not None:
        fail("--sawtooth has one input: use --segment, not --box")
    if segment_text is None and box_text is None and sawtooth_k is None:
        fail("--segment A:B or --box U0:U1,V0:V1 is needed with --module and --network")
    check_output_paths(plot=plot)
    if plot:
        from expressivity.results.plots import plot_format

        try:
            plot_format(plot)
        except ValueError as error:
            fail(f"--plot {plot}: {error}")
    network, name = _network(sawtooth_k, module_path, network_path)
    if box_text is not None:
        from expressivity.cli.regions_plane import run_plane

        run_plane(network, name, box_text, plane_text, max_listed, time_limit, plot, as_json, progress)
        return
    start, end = _segment(segment_text or "0:1", network.n_inputs)
    bar = None
    if progress and not as_json:
        from expressivity.results.progress import progress_bar

        bar = progress_bar(len(network.layers), True, desc="layers", unit="layer", unit_scale=False)

    def report(done, total, points):
        if bar is not None:
            bar.update(done - bar.n)
            bar.set_postfix(points=f"{points:,}")

    began = time.perf_counter()
    try:
        partition = segment_partition(network, start, end, time_limit=time_limit, progress=report)
    except RegionsLimit as error:
        if bar is not None:
            bar.close()
        _unknown(name, start, end, str(error), as_json)
        raise SystemExit(1)
    except ValueError as error:  # InputError from the library: a segment the network cannot take
        fail(str(error))
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - began
    written = None
    if plot:
        from expressivity.regions.plots import plot_segment

        written = str(plot_segment(partition, plot, title=name))
    _report(partition, network, name, start, end, seconds, max_listed, written, as_json, sawtooth_k)


def _network(sawtooth_k, module_path, network_path):
    from expressivity.regions.networks import NetworkFormError, as_exact_net

    if sawtooth_k is not None:
        from expressivity.regions.sawtooth import sawtooth

        return as_exact_net(sawtooth(sawtooth_k)), f"sawtooth(K={sawtooth_k})"
    if module_path is not None:
        from expressivity.counts.modules import ModuleLoadError, load_module

        try:
            module = load_module(module_path)
        except ModuleLoadError as error:
            fail(f"--module: {error}")
        try:
            return as_exact_net(module), module_path
        except NetworkFormError as error:
            fail(f"--module {module_path}: {error}")
    from expressivity.networks.export import load_network

    try:
        return as_exact_net(load_network(network_path)), network_path
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as error:
        fail(f"--network {network_path}: cannot read it ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})")


def _segment(text: str, n_inputs: int):
    ends = text.split(":")
    if len(ends) != 2:
        fail(f"--segment takes A:B (two ends), got {text[:60]!r}")
    points = [[parse_number(part, "--segment") for part in end.split(",")] for end in ends]
    for point in points:
        if len(point) != n_inputs:
            fail(f"--segment: each end needs {n_inputs} coordinate{'s' * (n_inputs != 1)} (the network's inputs), "
                 f"got {len(point)}")
    if points[0] == points[1]:
        fail("--segment: the two ends are the same point")
    if n_inputs == 1:
        if points[0][0] > points[1][0]:
            fail(f"--segment {text}: the start is after the end")
        return points[0][0], points[1][0]
    return points[0], points[1]


def _text(value) -> str:
    return str(value) if not isinstance(value, list) else "(" + ", ".join(str(v) for v in value) + ")"


def _unknown(name, start, end, why, as_json):
    if as_json:
        print_json({"network": name, "segment": [_text(start), _text(end)], "activation_regions": None,
                    "linear_pieces": None, "status": "unknown", "why": why})
    else:
        click.echo(f"network             {name}")
        click.echo(f"segment             {_text(start)} to {_text(end)}")
        click.echo(f"activation regions  unknown ({why})")


def _report(partition, network, name, start, end, seconds, max_listed, written, as_json, sawtooth_k):
    listed = partition.regions - 1 <= max_listed
    breakpoints = partition.breakpoints(None if listed else SHOWN)
    boundaries = partition.points()[1:-1] if listed else None
    one_input = network.n_inputs == 1
    coordinate = "x" if one_input else "t in [0, 1] on x(t) = start + t (end - start)"
    if as_json:
        payload = {
            "network": name,
            "widths": list(network.widths),
            "segment": [_text(start), _text(end)],
            "coordinate": coordinate,
            "activation_regions": partition.regions,
            "linear_pieces": partition.pieces,
            "definitions": {
                "activation_regions": "maximal intervals with one on/off pattern (on: pre-activation > 0)",
                "linear_pieces": "maximal intervals on which the output is affine (adjacent regions with one "
                                 "affine map merged)",
            },
            "breakpoints": [str(b) for b in breakpoints] if listed else None,
            "region_boundaries": None if boundaries is None else [str(b) for b in boundaries],
            "listed": listed,
            "arithmetic": "exact (rational)",
            "seconds": round(seconds, 4),
        }
        if sawtooth_k is not None:
            payload["expected_pieces"] = 2**sawtooth_k
        payload["bounds_on_a_line"] = [b.to_dict() for b in architecture_bounds(network, 1)]
        if written:
            payload["plot"] = written
        print_json(payload)
        return
    click.echo(f"network             {name} (widths {', '.join(map(str, network.widths)) or 'none'})")
    click.echo(f"segment             {_text(start)} to {_text(end)}" + ("" if one_input else f" (breakpoints as {coordinate})"))
    click.echo(f"activation regions  {partition.regions:,}")
    click.echo(f"linear pieces       {partition.pieces:,}" + (f" (the sawtooth has 2^{sawtooth_k} = {2**sawtooth_k:,})"
                                                              if sawtooth_k is not None else ""))
    shown = ", ".join(str(b) for b in breakpoints[:SHOWN])
    count = partition.pieces - 1
    more = "" if count <= SHOWN else f", ... ({count:,} in all; --json lists " + (
        "them)" if listed else f"them up to --max-listed, now {max_listed:,})")
    click.echo(f"breakpoints         {shown or 'none'}{more}")
    click.echo(f"bounds (n0 = 1)     {bounds_text(network, 1)}")
    click.echo(f"arithmetic          exact (rational); {seconds:.3f} s")
    if written:
        click.echo(f"plot                {written}")
