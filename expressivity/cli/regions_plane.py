"""The 2D part of ``expressivity regions`` (``--box``, ``--plane``): exact regions of a polygon of a plane."""
from __future__ import annotations

import time

import click

from expressivity.cli.common import fail, print_json
from expressivity.cli.regions_shared import architecture_bounds, bounds_text, parse_number


def parse_ranges(text: str) -> list[tuple]:
    """``U0:U1,V0:V1[,...]`` as exact ``(low, high)`` pairs; one line and exit 2 otherwise."""
    axes = text.split(",")
    if len(axes) < 2 or len(axes) > 64 or any(len(axis.split(":")) != 2 for axis in axes):
        fail(f"--box takes U0:U1,V0:V1 (or one range per input), got {text[:60]!r}")
    ranges = [tuple(parse_number(x, "--box") for x in axis.split(":")) for axis in axes]
    if any(low >= high for low, high in ranges):
        fail(f"--box {text[:60]}: each range must go from a smaller to a larger number")
    return ranges


def parse_box(text: str):
    """``U0:U1,V0:V1`` as four exact numbers; one line and exit 2 otherwise."""
    ranges = parse_ranges(text)
    if len(ranges) != 2:
        fail(f"--box with --plane takes two ranges U0:U1,V0:V1, got {len(ranges)}")
    (u0, u1), (v0, v1) = ranges
    return u0, u1, v0, v1


def parse_plane(text: str, n_inputs: int):
    points = text.split(":")
    if len(points) != 3:
        fail(f"--plane takes O:A:B (an origin and two directions), got {text[:60]!r}")
    vectors = [[parse_number(x, "--plane") for x in point.split(",")] for point in points]
    if any(len(v) != n_inputs for v in vectors):
        fail(f"--plane: each of O, A, B needs {n_inputs} coordinates (the network's inputs)")
    return vectors[0], vectors[1:]


def run_plane(network, name, box_text, plane_text, max_listed, time_limit, plot, as_json, progress):
    from expressivity.errors import InputError
    from expressivity.regions.planar import box, plane_axes, plane_partition
    from expressivity.regions.segment import RegionsLimit

    ranges = parse_ranges(box_text)
    if len(ranges) > 2 and plane_text is None:
        if plot:
            fail("--plot draws a segment or a 2D box; a traversal in 3 or more dimensions has no picture")
        _traverse(network, name, ranges, time_limit, max_listed, as_json)
        return
    u0, u1, v0, v1 = parse_box(box_text)
    origin = axes = None
    if plane_text is not None:
        origin, axes = parse_plane(plane_text, network.n_inputs)
    elif network.n_inputs != 2:
        fail(f"the network has {network.n_inputs} inputs: give --plane O:A:B for a 2D slice")
    try:
        plane_axes(network, origin, axes)  # parallel axes are bad input: refused before any work
    except InputError as error:
        fail(f"--plane: {error}")
    bar = None
    if progress and not as_json:
        from expressivity.results.progress import progress_bar

        bar = progress_bar(len(network.layers), True, desc="layers", unit="layer", unit_scale=False)

    def report(done, total, faces):
        if bar is not None:
            bar.update(done - bar.n)
            bar.set_postfix(regions=f"{faces:,}")

    began = time.perf_counter()
    try:
        part = plane_partition(network, box(u0, u1, v0, v1), origin=origin, axes=axes, time_limit=time_limit,
                               progress=report)
    except RegionsLimit as error:
        _unknown(name, box_text, str(error), as_json)
        raise SystemExit(1)
    except InputError as error:
        fail(str(error))
    finally:
        if bar is not None:
            bar.close()
    areas = [part.area(f) for f in range(part.regions)]
    pieces = part.pieces
    seconds = time.perf_counter() - began
    total, expected = sum(areas), (u1 - u0) * (v1 - v0)
    written = None
    if plot:
        from expressivity.regions.plots import plot_plane

        written = str(plot_plane(part, plot, title=name))
    if as_json:
        listed = part.regions <= max_listed
        print_json({
            "network": name, "widths": list(network.widths), "box": [str(u0), str(u1), str(v0), str(v1)],
            "plane": None if origin is None else {"origin": [str(v) for v in origin],
                                                  "axes": [[str(v) for v in a] for a in axes]},
            "activation_regions": part.regions, "linear_pieces": pieces,
            "definitions": {
                "activation_regions": "maximal connected open sets with one on/off pattern (on: pre-activation > 0)",
                "linear_pieces": "maximal connected unions of regions with one affine output map"},
            "areas_sum_to_box": total == expected, "euler_characteristic": part.euler_characteristic(),
            "listed": listed,
            "polygons": [[[str(x), str(y)] for x, y in part.polygon(f)] for f in range(part.regions)] if listed else None,
            "areas": [str(a) for a in areas] if listed else None,
            "piece_of_region": part.piece_of() if listed else None,
            "bounds_on_a_plane": [b.to_dict() for b in architecture_bounds(network, 2)],
            "arithmetic": "exact (rational)", "seconds": round(seconds, 4),
            **({"plot": written} if written else {})})
        return
    click.echo(f"network             {name} (widths {', '.join(map(str, network.widths)) or 'none'})")
    click.echo(f"box                 [{u0}, {u1}] x [{v0}, {v1}]" + ("" if origin is None else " on the --plane slice"))
    click.echo(f"activation regions  {part.regions:,}")
    click.echo(f"linear pieces       {pieces:,}")
    click.echo(f"areas               sum {total} = the box's {expected}: {'yes' if total == expected else 'NO'}")
    click.echo(f"V - E + F           {part.euler_characteristic()}")
    click.echo(f"bounds (n0 = 2)     {bounds_text(network, 2)}")
    click.echo(f"arithmetic          exact (rational vertices); {seconds:.3f} s")
    if written:
        click.echo(f"plot                {written}")


def _traverse(network, name, ranges, time_limit, max_listed, as_json):
    from expressivity.regions.traversal import traverse_regions

    if len(ranges) != network.n_inputs:
        fail(f"--box has {len(ranges)} ranges; the network has {network.n_inputs} inputs")
    began = time.perf_counter()
    try:
        found = traverse_regions(network, [low for low, _ in ranges], [high for _, high in ranges],
                                 time_limit=time_limit)
    except ArithmeticError as error:  # a region too thin for the float64 LP: say so, count unknown
        _unknown(name, ",".join(f"{a}:{b}" for a, b in ranges), str(error), as_json)
        raise SystemExit(1)
    seconds = time.perf_counter() - began
    if as_json:
        print_json({"network": name, "widths": list(network.widths), "box": [[str(a), str(b)] for a, b in ranges],
                    "activation_regions": found.regions if found.complete else None,
                    "regions_found": found.regions, "status": "complete" if found.complete else "unknown",
                    "completeness": found.status, "linear_programs": found.linear_programs,
                    "interior_points": ([[str(v) for v in p] for p in found.points]
                                        if found.regions <= max_listed else None),
                    "bounds": [b.to_dict() for b in architecture_bounds(network, len(ranges))],
                    "seconds": round(seconds, 4)})
    else:
        click.echo(f"network             {name} (widths {', '.join(map(str, network.widths)) or 'none'})")
        click.echo(f"box                 " + " x ".join(f"[{a}, {b}]" for a, b in ranges))
        click.echo(f"activation regions  {found.regions:,}" + ("" if found.complete else " at least (time limit)"))
        click.echo(f"how                 traversal, {found.linear_programs:,} LPs (HiGHS); every region proven by an "
                   f"exact interior point; {found.status}")
        click.echo(f"bounds (n0 = {len(ranges)})     {bounds_text(network, len(ranges))}")
        click.echo(f"time                {seconds:.3f} s")
    if not found.complete:
        raise SystemExit(1)


def _unknown(name, box_text, why, as_json):
    if as_json:
        print_json({"network": name, "box": box_text, "activation_regions": None, "linear_pieces": None,
                    "status": "unknown", "why": why})
    else:
        click.echo(f"network             {name}")
        click.echo(f"activation regions  unknown ({why})")
