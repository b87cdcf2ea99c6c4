"""Plots of width-search results, drawn with matplotlib's Agg canvas and saved atomically.

No pyplot and no global backend switch: the figure is built on a
``FigureCanvasAgg`` directly, so importing this module changes nothing else.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from expressivity.errors import InputError, check_items, check_path, shown
from expressivity.results.atomic import write_atomic

#: The longest title drawn (matplotlib takes minutes to lay out a megabyte of text).
MAX_TITLE_CHARACTERS = 1000
#: What :func:`plot_width_search` reads of each row (a :class:`~expressivity.search.summary.WidthRow`).
WIDTH_ROW_FIELDS = ("function", "n", "depth", "min_width_found", "minterm_width", "symmetric_width", "success_rate")


def plot_formats() -> dict[str, str]:
    """The file types matplotlib's Agg canvas can write, by suffix (without the dot).

    Examples
    --------
    >>> {"png", "pdf", "svg"} <= set(plot_formats())
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return dict(FigureCanvasAgg(Figure()).get_supported_filetypes())


def plot_format(path: str | os.PathLike) -> str:
    """The format ``path``'s suffix asks for, once matplotlib has shown it can write it; else ``InputError``.

    The suffix must name a type of :func:`plot_formats`, and a small figure with
    text is drawn in that format first (in memory), so that formats which need
    an outside program (``.pgf`` needs LaTeX) fail here, before any work.

    Examples
    --------
    >>> plot_format("widths.PDF")
    'pdf'
    >>> plot_format("widths.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: matplotlib cannot write '.txt' files; use .png, .pdf or .svg (or another of: ..., eps, ...)
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    check_path(path)
    formats = plot_formats()
    suffix = Path(path).suffix.lower().lstrip(".")
    others = ", ".join(sorted(set(formats) - {"png", "pdf", "svg"}))
    if suffix not in formats:
        what = f"'.{suffix}' files" if suffix else "a file without a suffix"
        raise InputError(f"matplotlib cannot write {what}; use .png, .pdf or .svg (or another of: {others})")
    figure = Figure(figsize=(1, 1))
    FigureCanvasAgg(figure)
    figure.subplots().set_title("n")
    try:
        figure.savefig(io.BytesIO(), format=suffix)
    except Exception as error:  # matplotlib's writers raise many kinds (RuntimeError, OSError, ...)
        raise InputError(f"matplotlib cannot write .{suffix} here ({str(error).splitlines()[0]}); "
                         f"use .png, .pdf or .svg") from None
    return suffix


def plot_width_search(rows: Sequence, path: str | os.PathLike, *, title: str = "") -> Path:
    """Draw the minimum width found against n, and the success rate over (n, width); save the image.

    Parameters
    ----------
    rows : sequence of WidthRow
        From :func:`expressivity.search.summary.summarize` (each with ``function``,
        ``n``, ``depth``, ``min_width_found``, ``minterm_width``, ``symmetric_width``,
        ``success_rate``).
    path : path
        The image; its suffix picks the format (``.png``, ``.pdf``, ``.svg``, any
        of :func:`plot_formats`; :func:`plot_format` checks it before any work).

    Notes
    -----
    Left: per function and depth, the smallest width at which a verified network
    was found (an upper bound on the minimum), beside the one-hidden-layer
    constructions: minterms (one unit per input on the smaller side of ``f``;
    ``2^(n-1)`` for parity), ``n`` units ``relu(s - j)`` on the sum ``s`` for a
    symmetric function, and ``n - 1`` (the zigzag construction, read by its sign)
    for parity; on a log scale.  Right: the fraction of runs that fit, per
    ``(n, width)``, for the first function and depth.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from expressivity.search.records import WidthBatch
    >>> from expressivity.search.summary import summarize
    >>> rows = summarize([WidthBatch(2, (1,), "parity", "6", "c", 0, 4, 0, 0, width=1),
    ...                   WidthBatch(2, (2,), "parity", "6", "c", 0, 4, 3, 3, width=2)])
    >>> out = plot_width_search(rows, pathlib.Path(tempfile.mkdtemp()) / "w.png")
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    rows = check_items(rows, "rows", "a sequence of WidthRow (from summarize)",
                       lambda row: all(hasattr(row, field) for field in WIDTH_ROW_FIELDS))
    if not isinstance(title, str) or len(title) > MAX_TITLE_CHARACTERS:
        raise InputError(f"title must be a string of at most {MAX_TITLE_CHARACTERS} characters, got {shown(title)}")
    plot_format(path)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    rows = sorted(rows, key=lambda row: (row.function, row.depth, row.n))
    figure = Figure(figsize=(11, 4.4), layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault((row.function, row.depth), []).append(row)
    functions = sorted({row.function for row in rows})
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:olive", "tab:cyan"]
    markers = {1: "o-", 2: "s--", 3: "^:", 4: "d-."}
    for function in functions:
        colour = colours[functions.index(function) % len(colours)]
        own = sorted({(row.n, row.minterm_width, row.symmetric_width) for row in rows if row.function == function})
        xs = [n for n, _, _ in own]
        left.plot(xs, [max(m, 1) for _, m, _ in own], linestyle=(0, (1, 3)), color=colour, alpha=0.6,
                  label=f"{function}: minterms (1 layer)")
        sym = [(n, s) for n, _, s in own if s is not None]
        if sym and function == "parity":
            zig = [(n, n - 1) for n, _ in sym if n >= 4]
            if zig:
                left.plot(*zip(*zig), linestyle=(0, (5, 2)), color=colour, alpha=0.6,
                          label=f"{function}: n - 1 (zigzag, 1 layer)")
        elif sym:
            left.plot(*zip(*sym), linestyle=(0, (5, 2)), color=colour, alpha=0.6, label=f"{function}: n (on sum, 1 layer)")
    for (function, depth), group in groups.items():
        colour = colours[functions.index(function) % len(colours)]
        found = [(row.n, row.min_width_found) for row in group if row.min_width_found is not None]
        if found:
            left.plot(*zip(*found), markers.get(depth, "o-"), color=colour,
                      label=f"{function}, depth {depth}: width found")
    ns = np.array(sorted({row.n for row in rows})) if rows else np.array([2])
    left.set_yscale("log", base=2)
    left.set_xlabel("n (input bits)")
    left.set_ylabel("hidden width (per layer)")
    left.set_xticks(ns)
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7, loc="upper left")
    left.set_title("widths found (upper bounds) and constructions")

    first = groups[next(iter(groups))] if groups else []
    labels = sorted({key for row in first for key in row.success_rate}, key=lambda t: [int(v) for v in t.split(",")])
    first_ns = np.array([row.n for row in first]) if first else np.array([2])
    rates = np.full((len(labels), len(first)), np.nan)
    for j, row in enumerate(first):
        for key, rate in row.success_rate.items():
            rates[labels.index(key), j] = rate
    image = right.imshow(
        np.ma.masked_invalid(rates), origin="lower", aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0,
        extent=(first_ns.min() - 0.5, first_ns.max() + 0.5, -0.5, len(labels) - 0.5) if len(first) else None,
    )
    right.set_yticks(range(len(labels)), labels)
    right.set_xticks(first_ns)
    right.set_xlabel("n (input bits)")
    right.set_ylabel("hidden widths")
    right.set_title(f"fraction of runs that fit (verified): {first[0].function}, depth {first[0].depth}" if first else "")
    figure.colorbar(image, ax=right, label="success rate")
    if title:
        figure.suptitle(title, fontsize=9)
    fmt = path.suffix.lower().lstrip(".") or "png"
    return write_atomic(path, lambda temp: figure.savefig(temp, format=fmt, dpi=110))


def plot_depth_width(table, path: str | os.PathLike, *, title: str = "") -> Path:
    """Draw the depth-width table: width and parameters found against n, one line per depth, beside constructions.

    Parameters
    ----------
    table : DepthTable
        From :func:`expressivity.search.depth_table.depth_width_table`.
    path : path
        The image; its suffix picks the format.

    Notes
    -----
    One row of panels per function: left, the smallest width found per hidden
    layer (upper bounds; solid lines, one per depth) and the constructions
    (dashed); right, the same networks' parameter counts.  Log scale.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from expressivity.search.depth_table import depth_width_table
    >>> table = depth_width_table(["majority"], [3], [1], max_width=1, block=1, seeds=2)
    >>> plot_depth_width(table, pathlib.Path(tempfile.mkdtemp()) / "t.png").read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    functions = list(dict.fromkeys(cell.function for cell in table.cells))
    figure = Figure(figsize=(11, 3.4 * max(1, len(functions))), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(max(1, len(functions)), 2, squeeze=False)
    colours = {1: "tab:blue", 2: "tab:orange", 3: "tab:green", 4: "tab:red"}
    styles = {"minterms": (0, (1, 2)), "on sum(x)": (0, (5, 2)), "zigzag": (0, (3, 1, 1, 1)), "xor tree": (0, (6, 2, 1, 2))}
    for row, function in enumerate(functions):
        width_axis, parameter_axis = axes[row]
        cells = [c for c in table.cells if c.function == function]
        for depth in sorted({c.depth for c in cells}):
            found = sorted((c.n, c.width, c.parameters) for c in cells if c.depth == depth and c.width is not None)
            if found:
                xs = [n for n, _, _ in found]
                width_axis.plot(xs, [w for _, w, _ in found], "o-", color=colours.get(depth, "k"),
                                label=f"depth {depth}: found")
                parameter_axis.plot(xs, [p for _, _, p in found], "o-", color=colours.get(depth, "k"),
                                    label=f"depth {depth}: found")
            missing = [(c.n, max(c.widths_tried)) for c in cells if c.depth == depth and c.spec and c.width is None]
            if missing:
                width_axis.plot(*zip(*missing), "v", color=colours.get(depth, "k"), alpha=0.5,
                                label=f"depth {depth}: none up to")
        for name, style in styles.items():
            made = sorted((c.n, c.width, c.parameters, c.depth) for c in table.constructions
                          if c.function == function and c.name == name)
            if made:
                tag = f"{name} (compiled, depth log2 n)" if made[-1][3] > 1 else f"{name} (1 layer)"
                width_axis.plot([m[0] for m in made], [m[1] for m in made], linestyle=style, color="gray", label=tag)
                parameter_axis.plot([m[0] for m in made], [m[2] for m in made], linestyle=style, color="gray",
                                    label=tag)
        ns = sorted({c.n for c in cells})
        for axis, label in ((width_axis, "hidden width (per layer)"), (parameter_axis, "parameters")):
            axis.set_xticks(ns)
            axis.set_yscale("log", base=2)
            axis.set_xlabel("n (input bits)")
            axis.set_ylabel(label)
            axis.grid(True, which="both", alpha=0.3)
            axis.legend(fontsize=7, loc="upper left")
            axis.set_title(f"{function}: {label.split(' (')[0]} (found: upper bounds)", fontsize=10)
    if title:
        figure.suptitle(title, fontsize=9)
    fmt = path.suffix.lower().lstrip(".") or "png"
    return write_atomic(path, lambda temp: figure.savefig(temp, format=fmt))


def plot_census(bins: Sequence, path: str | os.PathLike, *, title: str = "") -> Path:
    """Draw how many functions (classes weighted by size) and how many classes need each minimum width.

    Parameters
    ----------
    bins : sequence of HistogramBin
        From :func:`expressivity.prove.census.table.width_histogram` (anything with ``label``,
        ``width``, ``functions`` and ``classes``): the plot draws what it is given, so this
        module needs nothing from the proofs.
    path : path
        The image; its suffix picks the format (any of :func:`plot_formats`;
        :func:`plot_format` checks it before any work).

    Notes
    -----
    Left: functions per minimum width, each bar labelled with its count; right:
    classes per minimum width.  Classes not settled (``gap``, ``unknown``) get
    bars of their own, in grey, after the widths.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from expressivity.prove.census.table import census, width_histogram
    >>> out = plot_census(width_histogram(census(2)), pathlib.Path(tempfile.mkdtemp()) / "c.png")
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    labels = [b.label for b in bins]
    colours = ["tab:blue" if b.width is not None else "tab:gray" for b in bins]
    figure = Figure(figsize=(10, 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    positions = np.arange(len(bins))
    for axis, values, what in ((left, [b.functions for b in bins], "functions (classes weighted by size)"),
                               (right, [b.classes for b in bins], "classes")):
        bars = axis.bar(positions, values, color=colours)
        axis.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=8)
        axis.set_xticks(positions, labels, rotation=30 if any(len(label) > 3 for label in labels) else 0)
        axis.set_xlabel("minimum width (one hidden ReLU layer, sign)")
        axis.set_ylabel(what)
        axis.set_title(f"{what.split(' (')[0]} per minimum width: {sum(values):,}", fontsize=10)
        axis.margins(y=0.12)
        axis.grid(True, axis="y", alpha=0.3)
    if title:
        figure.suptitle(title, fontsize=9)
    fmt = path.suffix.lower().lstrip(".") or "png"
    return write_atomic(path, lambda temp: figure.savefig(temp, format=fmt, dpi=110))
