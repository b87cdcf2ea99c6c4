"""Pictures of exact partitions: a network's function along a segment, the regions of a 2D domain.

Drawn on matplotlib's Agg canvas (no pyplot) and saved atomically, as the
toolkit's other plots.  Positions are rounded to float64 for drawing only.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from expressivity.results.atomic import write_atomic

#: Knots drawn at most; beyond this the graph is drawn through evenly spaced knots (said in the title).
MAX_DRAWN = 200_000


def plot_segment(partition, path: str | os.PathLike, *, title: str = "") -> Path:
    """The network's first output along the segment, with the region boundaries and the kinks marked.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from expressivity.regions.sawtooth import sawtooth
    >>> from expressivity.regions.segment import segment_partition
    >>> out = plot_segment(segment_partition(sawtooth(3), 0, 1), pathlib.Path(tempfile.mkdtemp()) / "s.png")
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    count = len(partition.numerators)
    step = max(1, count // MAX_DRAWN)
    index = np.unique(np.r_[np.arange(0, count, step), count - 1])
    ts = np.array([int(partition.numerators[i]) / int(partition.denominators[i]) for i in index])
    ys = np.array([int(partition.outputs[i, 0]) / int(partition.denominators[i]) for i in index])
    figure = Figure(figsize=(8, 3.4), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    ax.plot(ts, ys, lw=0.8, color="tab:blue")
    if count <= 2000:
        kinks = partition.kinks[index]
        ax.plot(ts[kinks], ys[kinks], "o", ms=3, color="tab:red", label=f"kinks ({partition.pieces:,} pieces)")
        ax.plot(ts[~kinks][1:-1], ys[~kinks][1:-1], "x", ms=4, color="tab:gray",
                label="region boundaries without a kink")
        ax.legend(loc="best", fontsize=8)
    ax.set_xlabel("t (the input)" if len(partition.origin) == 1 else "t along the segment")
    ax.set_ylabel("output")
    drawn = "" if step == 1 else f" (drawn through every {step}th point)"
    ax.set_title((title + "\n" if title else "") +
                 f"{partition.regions:,} activation regions, {partition.pieces:,} linear pieces{drawn}", fontsize=9)
    fmt = path.suffix.lower().lstrip(".") or "png"
    return write_atomic(path, lambda temp: figure.savefig(temp, format=fmt, dpi=110))


def plot_plane(partition, path: str | os.PathLike, *, title: str = "") -> Path:
    """The regions of a 2D partition, coloured by linear piece, with their edges.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from expressivity.regions.networks import ExactNet
    >>> from expressivity.regions.planar import box, plane_partition
    >>> net = ExactNet.from_floats([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> out = plot_plane(plane_partition(net, box(-1, 1, -1, 1)), pathlib.Path(tempfile.mkdtemp()) / "p.png")
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    path = Path(path)
    polygons = [[(p / q, r / q) for p, r, q in ((partition.pu[v], partition.pv[v], partition.q[v]) for v in face)]
                for face in partition.faces]
    pieces = partition.piece_of()
    rng = np.random.default_rng(0)
    palette = rng.uniform(0.25, 0.95, size=(max(pieces, default=0) + 1, 3))
    figure = Figure(figsize=(6, 6), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    ax.add_collection(PolyCollection(polygons, facecolors=palette[pieces], edgecolors="k", linewidths=0.2))
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_xlabel("u")
    ax.set_ylabel("v")
    ax.set_title((title + "\n" if title else "") +
                 f"{partition.regions:,} activation regions, {partition.pieces:,} linear pieces (colours)", fontsize=9)
    fmt = path.suffix.lower().lstrip(".") or "png"
    return write_atomic(path, lambda temp: figure.savefig(temp, format=fmt, dpi=110))
