"""Lower bounds one bit down: a network for ``f`` is a network for every restriction of ``f`` to a facet.

The lemma
---------
Let ``g(x) = c + sum_j a_j relu(w_j . x + b_j)`` compute ``f`` by sign on the
``n``-cube, and fix ``x_i = v`` (``v`` = 0 or 1).  On that facet every
pre-activation is ``sum_{k != i} w_jk x_k + (b_j + w_ji v)``: the same units,
with biases ``b_j + w_ji v`` and column ``i`` dropped, form a network on the other
``n - 1`` inputs whose output equals ``g``'s at every point of the facet, so it
computes the restriction ``f|x_i=v`` by sign, with the same width.  Hence

    width(f) >= width(f|x_i=v)  for every i and v,

and any lower bound proven for the restriction, by whatever method proved it,
is one for ``f``.  Nothing is computed in the argument, so it loses nothing and
adds no arithmetic to trust: the bound is exactly as good as the cited row's.

Which row is cited
------------------
The restriction's class in the census of ``n - 1`` bits of the same kind: its
NPN canonical form (``"npn"``), or for a symmetric ``f`` with values
``v(0) .. v(n)``, the orbit of ``v(0) .. v(n-1)`` (``x_i = 0``) or of
``v(1) .. v(n)`` (``x_i = 1``) under reversal and complement
(:mod:`expressivity.prove.census.classes`); every member of a class has the
class's minimum width.  Where a restriction's row has a higher lower bound than
``f``'s own, ``f``'s is raised to it; its ``lower_methods`` become the cited row's,
each prefixed by :func:`restriction_method` (so a bound the cited row backs by an
exact method of width ``L - 1`` stays backed by it), and
``evidence["restriction"]`` names the facet and the cited class for the checker
(:mod:`expressivity.prove.check`), which recomputes the restriction itself.
A cited lower bound above ``f``'s certified upper bound is a contradiction:
:class:`~expressivity.prove.census.backing.LowerBoundDisagreement`.

Examples
--------
>>> from expressivity.prove.census.table import census
>>> below = census(3, "symmetric", time_limit=10, pattern_time_limit=0)
>>> facet_bound("6996", 4, "symmetric", {r.hex: r for r in below})   # 4-bit parity: 3-bit parity on a facet
(3, 0, 0, '69')
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np

from expressivity.prove.census.backing import RESTRICTION_METHOD, LowerBoundDisagreement
from expressivity.prove.census.classes import _orbit_key

if TYPE_CHECKING:
    from expressivity.prove.census.table import CensusRow

def restriction_method(n: int, hex_: str, method: str) -> str:
    """The ``lower_methods`` entry for ``method`` of the cited row ``hex_`` of ``n`` bits.

    Its end is the cited method's, so :attr:`CensusRow.one_method_only` reads it alike.

    >>> restriction_method(5, "69969669", "HiGHS (floating point)")
    'restriction to a facet (5 bits, hex:69969669): HiGHS (floating point)'
    """
    return f"{RESTRICTION_METHOD} ({n} bits, hex:{hex_}): {method}"


def restricted_table(table: np.ndarray, n: int, bit: int, value: int) -> np.ndarray:
    """The truth table of ``f|x_bit=value`` on the other ``n - 1`` inputs, in the toolkit's row order.

    >>> restricted_table(np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype=bool), 3, 2, 1).astype(int).tolist()
    [1, 0, 0, 1]
    """
    rows = np.arange(1 << n)
    keep = rows[((rows >> bit) & 1) == value]          # ascending, so the other bits keep their order
    return np.asarray(table, dtype=bool)[keep]


def class_hex(table: np.ndarray, m: int, kind: str) -> str:
    """The representative (hex) of the class of ``table`` (``m`` bits) in the census ``kind``.

    >>> class_hex(np.array([1, 0, 0, 0], dtype=bool), 2, "symmetric"), class_hex(np.array([0, 1, 0, 0], dtype=bool), 2, "npn")
    ('1', '1')
    """
    from expressivity.functions import npn_canonical_values, table_to_hex

    if kind == "symmetric":
        values = "".join("1" if table[(1 << s) - 1] else "0" for s in range(m + 1))
        return _orbit_key(values, m)[0]
    canonical = int(npn_canonical_values(np.asarray(table, dtype=bool)[None, :])[0])
    return table_to_hex(((canonical >> np.arange(1 << m)) & 1).astype(bool))


def facet_bound(hex_: str, n: int, kind: str, below: Mapping[str, "CensusRow"]) -> tuple[int, int, int, str] | None:
    """The best lower bound one bit down: ``(lower, bit, value, cited hex)``, or ``None`` if no facet's class is in ``below``.

    ``below``: the rows of the ``n - 1``-bit census of ``kind``, by representative hex.
    """
    from expressivity.functions import parse_function

    table = parse_function(f"hex:{hex_}", n).table
    best = None
    for bit in range(n):
        for value in (0, 1):
            cited = below.get(class_hex(restricted_table(table, n, bit, value), n - 1, kind))
            if cited is not None and (best is None or cited.lower > best[0]):
                best = (cited.lower, bit, value, cited.hex)
    return best


def with_restriction_bound(row: "CensusRow", below: Mapping[str, "CensusRow"]) -> "CensusRow":
    """``row`` with its lower bound raised to its best facet's, where that is higher (module docstring)."""
    if row.n < 2 or not below:
        return row
    found = facet_bound(row.hex, row.n, row.kind, below)
    if found is None or found[0] <= row.lower:
        return row
    lower, bit, value, cited_hex = found
    cited = below[cited_hex]
    if lower > row.upper:
        raise LowerBoundDisagreement(row.n, row.hex, lower - 1, f"its facet x{bit}={value} is of class "
                                     f"hex:{cited_hex} ({row.n - 1} bits), whose lower bound {lower} is above "
                                     f"the certified width {row.upper}")
    methods = tuple(restriction_method(row.n - 1, cited_hex, m) for m in cited.lower_methods)
    evidence = {k: v for k, v in (row.evidence or {}).items() if k != "cubes"} | {"restriction": {   # one citation
        "bit": bit, "value": value, "n": row.n - 1, "hex": cited_hex, "lower_bound": lower}}
    status = "exact" if lower == row.upper else row.status
    return replace(row, lower=lower, status=status, lower_methods=methods, evidence=evidence)


def rows_by_hex(rows: Iterable["CensusRow"], n: int, kind: str) -> dict[str, "CensusRow"]:
    """The rows of ``n`` bits and ``kind`` by representative hex (a later row wins)."""
    return {row.hex: row for row in rows if row.n == n and row.kind == kind}


__all__ = ["RESTRICTION_METHOD", "restriction_method", "restricted_table", "class_hex", "facet_bound",
           "with_restriction_bound", "rows_by_hex"]
