"""Plain aligned text tables, as every command prints them."""
from __future__ import annotations

from typing import Any, Iterable, Sequence


def format_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain aligned text table.

    Examples
    --------
    >>> print(format_table(["n", "width"], [[2, 2], [10, 1024]]))
     n  width
     2      2
    10   1024
    """
    cells = [[str(item) for item in header]] + [[str(item) for item in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in cells)


def span_text(values: Sequence[int]) -> str:
    """``"3..6"`` for a run of consecutive integers, else ``"1, 4, 9"``.

    Examples
    --------
    >>> span_text([5, 3, 4, 6]), span_text([1, 4, 9]), span_text([])
    ('3..6', '1, 4, 9', '')
    """
    values = sorted(values)
    if not values:
        return ""
    if len(values) > 1 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}..{values[-1]}"
    return ", ".join(str(v) for v in values)
