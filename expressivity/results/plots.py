"""Plots of width-search results, drawn with matplotlib's Agg canvas and saved atomically.

No pyplot and no global backend switch: the figure is built on a
``FigureCanvasAgg`` directly, so importing this module changes nothing else.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from expressivity.results.atomic import write_atomic


def plot_formats() -> dict[str, str]:
    """The file types matplotlib's Agg canvas can write, by suffix (without the dot).

    >>> {"png", "pdf", "svg"} <= set(plot_formats())
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return dict(FigureCanvasAgg(Figure()).get_supported_filetypes())


def plot_format(path: str | os.PathLike) -> str:
    """The format ``path``'s suffix asks for, once matplotlib has shown it can write it; else ``ValueError``.

    The suffix must name a type of :func:`plot_formats`, and a small figure with
    text is drawn in that format first (in memory), so that formats which need
    an outside program (``.pgf`` needs LaTeX) fail here, before any work.

    >>> plot_format("widths.PDF")
    'pdf'
    >>> plot_format("widths.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: matplotlib cannot write '.txt' files; use .png, .pdf or .svg (or another of: ..., eps, ...)
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    formats = plot_formats()
    suffix = Path(path).suffix.lower().lstrip(".")
    others = ", ".join(sorted(set(formats) - {"png", "pdf", "svg"}))
    if suffix not in formats:
        what = f"'.{suffix}' files" if suffix else "a file without a suffix"
        raise ValueError(f"matplotlib cannot write {what}; use .png, .pdf or .svg (or another of: {others})")
    figure = Figure(figsize=(1, 1))
    FigureCanvasAgg(figure)
    figure.subplots().set_title("n")
    try:
        figure.savefig(io.BytesIO(), format=suffix)
    except Exception as error:  # matplotlib's writers raise many kinds (RuntimeError, OSError, ...)
        raise ValueError(f"matplotlib cannot write .{suffix} here ({str(error).splitlines()[0]}); "
                         f"use .png, .pdf or .svg") from None
    return suffix


def plot_width_search(rows: Sequence, path: str | os.PathLike, *, title: str = "") -> Path:
    """Draw the minimum width found against n, and the success rate over (n, width); save the image.

    Parameters
    ----------
    rows : sequence of WidthRow
        From :func:`expressivity.search.width.summarize` (each with ``n``,
        ``min_width_found``, ``success_rate``).
    path : path
        The image; its suffix picks the format (``.png``, ``.pdf``, ``.svg``, any
        of :func:`plot_formats`; :func:`plot_format` checks it before any work).

    Left: the smallest width at which a verified network was found (an upper
    bound on the minimum), beside ``2^(n-1)`` (one unit per odd input pattern,
    the lecture's construction), ``n`` (units ``relu(s - j)`` on the sum
    ``s``) and ``n - 1`` (the zigzag construction, read by its sign), on a log scale.  Right: the fraction of runs that fit, per ``(n, width)``.

    >>> import tempfile, pathlib
    >>> from expressivity.search.width import WidthBatch, summarize
    >>> rows = summarize([WidthBatch(2, 1, "c", 0, 4, 0, 0), WidthBatch(2, 2, "c", 0, 4, 3, 3)])
    >>> out = plot_width_search(rows, pathlib.Path(tempfile.mkdtemp()) / "w.png")
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    rows = sorted(rows, key=lambda row: row.n)
    ns = np.array([row.n for row in rows])
    figure = Figure(figsize=(11, 4.4), layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)

    found = [(row.n, row.min_width_found) for row in rows if row.min_width_found is not None]
    grid = np.arange(ns.min(), ns.max() + 1) if len(ns) else np.array([2])
    left.plot(grid, 2.0 ** (grid - 1), "--", color="tab:red", label="2^(n-1) (one unit per odd pattern)")
    left.plot(grid, grid, ":", color="tab:green", label="n (relu(s - j) units)")
    zigzag = grid[grid >= 4]
    if len(zigzag):
        left.plot(zigzag, zigzag - 1, "-.", color="tab:purple", label="n - 1 (zigzag, thresholded, n >= 4)")
    if found:
        fx, fy = zip(*found)
        left.plot(fx, fy, "o-", color="tab:blue", label="smallest width found (upper bound)")
    missing = [row.n for row in rows if row.min_width_found is None]
    if missing:
        top = [max(row.success_rate) for row in rows if row.min_width_found is None]
        left.plot(missing, top, "v", color="gray", label="none found up to this width")
    left.set_yscale("log", base=2)
    left.set_xlabel("n (input bits)")
    left.set_ylabel("hidden width")
    left.set_xticks(grid)
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8, loc="upper left")
    left.set_title("one hidden ReLU layer, thresholded output: widths found")

    widths = sorted({w for row in rows for w in row.success_rate})
    rates = np.full((len(widths), len(rows)), np.nan)
    for j, row in enumerate(rows):
        for w, rate in row.success_rate.items():
            rates[widths.index(w), j] = rate
    image = right.imshow(
        np.ma.masked_invalid(rates), origin="lower", aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0,
        extent=(ns.min() - 0.5, ns.max() + 0.5, -0.5, len(widths) - 0.5) if len(ns) else None,
    )
    right.set_yticks(range(len(widths)), [str(w) for w in widths])
    right.set_xticks(ns)
    right.set_xlabel("n (input bits)")
    right.set_ylabel("hidden width")
    right.set_title("fraction of runs that fit (verified)")
    figure.colorbar(image, ax=right, label="success rate")
    if title:
        figure.suptitle(title, fontsize=9)
    fmt = path.suffix.lower().lstrip(".") or "png"
    return write_atomic(path, lambda temp: figure.savefig(temp, format=fmt, dpi=110))
