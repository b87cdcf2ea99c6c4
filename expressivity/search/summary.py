"""What a width search found, per ``(function, n, depth)``: the smallest width that fit, beside known constructions.

A width at which some network verified is an *upper bound* on the minimum
width at that depth: a network of that width exists.  A width at which no run
fit proves nothing: gradient descent can miss networks that exist.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

from expressivity.errors import check_items
from expressivity.results.tables import format_table, span_text
from expressivity.search.models import shape_text

UPPER_BOUND_NOTE = (
    "Upper bounds only: 'width w' means a network with that many hidden ReLU units per layer that classifies "
    "every n-bit input correctly exists (found by training, re-checked exactly in float64). "
    "A width at which no run fit proves nothing: training can fail where a network exists."
)


def minterm_width(ones: int, n: int) -> int:
    """Units of the one-hidden-layer minterm construction: one per input on the smaller side of ``f``.

    Unit ``relu((2s - 1) . x + 1 - |s|)`` is 1 at ``x = s`` and at most 0 elsewhere
    (0/1 inputs), so ``sum - 1/2`` over the ones of ``f`` (or ``1/2 - sum`` over its
    zeros) is positive exactly where ``f = 1``.  A constant needs none.

    Examples
    --------
    >>> minterm_width(8, 4), minterm_width(1, 3), minterm_width(0, 3)
    (8, 1, 0)
    """
    return min(ones, (1 << n) - ones)


@dataclass(frozen=True)
class WidthRow:
    """One ``(function, n, depth)``: the smallest width found, and the verified fits at every shape tried.

    ``min_width_found`` counts units per hidden layer (all layers equal), or is
    ``None`` when nothing fit or only explicit shapes were tried;
    ``min_parameters_found`` is the parameter count of the smallest verified
    network (by parameters) of this row.  ``minterm_width`` and ``symmetric_width``
    are constructions with one hidden layer (:func:`minterm_width`; ``n`` units
    ``relu(sum(x) - j)`` for a symmetric function, else ``None``).
    """

    function: str
    n: int
    depth: int
    min_width_found: int | None
    min_parameters_found: int | None
    minterm_width: int
    symmetric_width: int | None
    success_rate: dict  # shape text -> verified fits / seeds
    counts: dict  # shape text -> (verified fits, seeds)
    best_margin: float | None
    weights_file: str | None
    npn_hex: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(batches: Iterable) -> list[WidthRow]:
    """One row per ``(function, n, depth)`` from the batches of one configuration.

    A function is its truth table: batches of the same table asked as different
    specs (``majority`` and ``hex:e8``) share a row, named by the first spec seen.

    Examples
    --------
    >>> from expressivity.search.records import WidthBatch
    >>> b = [WidthBatch(2, (1,), "parity", "6", "c", 0, 4, 0, 0, width=1),
    ...      WidthBatch(2, (2,), "parity", "6", "c", 0, 4, 3, 3, width=2, best_margin=0.5)]
    >>> row = summarize(b)[0]
    >>> row.min_width_found, row.minterm_width, row.symmetric_width, row.success_rate
    (2, 2, 2, {'1': 0.0, '2': 0.75})
    """
    from expressivity.functions import function_from_hex
    from expressivity.search.models import parameter_count

    groups: dict[tuple, list] = {}
    labels: dict[str, str] = {}  # one table, one name: the first spec it was asked as
    for batch in batches:
        labels.setdefault(batch.function_hex, batch.function)
        groups.setdefault((labels[batch.function_hex], batch.function_hex, batch.n, batch.depth), []).append(batch)
    rows = []
    for key in sorted(groups, key=lambda k: (k[0], k[2], k[3], k[1])):
        function, _, n, depth = key
        group = sorted(groups[key], key=lambda b: (b.width is None, b.width or 0, b.shape))
        table = function_from_hex(group[0].function_hex, n)
        found = [b for b in group if b.successes > 0]
        uniform = [b for b in found if b.width is not None]
        first = uniform[0] if uniform else None
        smallest = min(found, key=lambda b: (parameter_count(n, b.shape), b.shape)) if found else None
        best = first or smallest
        rows.append(WidthRow(
            function=function, n=n, depth=depth,
            min_width_found=first.width if first else None,
            min_parameters_found=parameter_count(n, smallest.shape) if smallest else None,
            minterm_width=minterm_width(table.count_ones, n),
            symmetric_width=n if table.is_symmetric else None,
            success_rate={shape_text(b.shape): b.success_rate for b in group},
            counts={shape_text(b.shape): (b.successes, b.seeds) for b in group},
            best_margin=best.best_margin if best else None,
            weights_file=best.weights_file if best else None,
            npn_hex=group[0].npn_hex,
        ))
    return rows


def summary_text(rows: Sequence[WidthRow]) -> str:
    """The table and what it means, as printed by ``expressivity search-width``.

    Examples
    --------
    >>> from expressivity.search.records import WidthBatch
    >>> rows = summarize([WidthBatch(2, (1,), "parity", "6", "c", 0, 4, 0, 0, width=1),
    ...                   WidthBatch(2, (2,), "parity", "6", "c", 0, 4, 3, 3, width=2, best_margin=0.5)])
    >>> print(summary_text(rows))
    verified fits / runs at each width (hidden widths per layer)
    function  n  depth  width found  parameters  minterms  on sum(x)  w=1  w=2
      parity  2      1            2           9         2          2  0/4  3/4
    <BLANKLINE>
    parity, n=2, depth 1: a network of width 2 exists (verified exactly); no run fit at width 1, which proves nothing about it.
    <BLANKLINE>
    Upper bounds only: 'width w' means a network with that many hidden ReLU units per layer that classifies every n-bit input correctly exists (found by training, re-checked exactly in float64). A width at which no run fit proves nothing: training can fail where a network exists.
    """
    rows = check_items(rows, "rows", "a sequence of WidthRow (from summarize)", lambda row: isinstance(row, WidthRow))
    shapes = []
    for row in rows:
        for text in row.counts:
            if text not in shapes:
                shapes.append(text)
    uniform = sorted({t for t in shapes if "," not in t}, key=int)
    deep = sorted({t for t in shapes if "," in t and len(set(t.split(","))) == 1}, key=lambda t: int(t.split(",")[0]))
    other = [t for t in shapes if t not in uniform and t not in deep]
    columns = [(t, t.split(",")[0]) for t in uniform + deep]
    labels = sorted({label for _, label in columns}, key=int)
    table, lines = [], []
    for row in rows:
        cells = []
        for label in labels:
            text = ",".join([label] * row.depth)
            cells.append(f"{row.counts[text][0]}/{row.counts[text][1]}" if text in row.counts else "-")
        cells += [f"{row.counts[t][0]}/{row.counts[t][1]}" if t in row.counts else "-" for t in other]
        found = row.min_width_found
        table.append([row.function, row.n, row.depth, found if found is not None else "none",
                      row.min_parameters_found if row.min_parameters_found is not None else "-",
                      row.minterm_width, row.symmetric_width if row.symmetric_width is not None else "-"] + cells)
        tried = sorted(int(t.split(",")[0]) for t in row.counts if len(set(t.split(","))) == 1)
        name = f"{row.function}, n={row.n}, depth {row.depth}"
        if found is None:
            if row.min_parameters_found is not None:
                lines.append(f"{name}: a network with {row.min_parameters_found} parameters exists (verified exactly).")
            else:
                lines.append(f"{name}: no run fit at {'widths ' + span_text(tried) if tried else 'the shapes tried'}; "
                             f"this proves nothing (no upper bound found in this range).")
        else:
            below = [w for w in tried if w < found]
            tail = f"; no run fit at width {span_text(below)}, which proves nothing about it." if below else "."
            lines.append(f"{name}: a network of width {found} exists (verified exactly){tail}")
    header = ["function", "n", "depth", "width found", "parameters", "minterms", "on sum(x)"] + \
        [f"w={label}" for label in labels] + [f"[{t}]" for t in other]
    text = "verified fits / runs at each width (hidden widths per layer)\n" + format_table(header, table)
    return text + "\n\n" + "\n".join(lines) + "\n\n" + UPPER_BOUND_NOTE
