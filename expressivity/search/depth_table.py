"""The depth-width table: for several functions, n and depths, the smallest width training found.

For every ``(function, depth, n)`` the widths are tried upwards in blocks
(``block`` widths at a time, by :func:`~expressivity.search.width.search_width`,
so every fit is re-checked exactly and every block is a record); the scan stops
after the first block in which some network verified, or at ``max_width``.  The
smallest verified width is an *upper bound* on the minimum width at that depth;
widths below it where nothing fit prove nothing.

Beside the search, the known constructions at one hidden layer (minterms: one
unit per input on the smaller side of ``f``, ``2^(n-1)`` for parity; ``n`` units
on ``sum(x)`` for symmetric functions; ``n - 1`` zigzag units for parity) and,
for parity, the compiled XOR tree (:func:`~expressivity.networks.compiler.compile_network`
of a balanced tree), each with its parameter count.

A family that is not defined at some ``n`` (``ip`` and ``eq`` need even ``n``;
``tribes`` is taken as ``tribes:2,n/2`` for even ``n >= 4``) is listed as such,
not searched.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Sequence

from expressivity.errors import InputError, echo
from expressivity.functions import FunctionError, parse_function
from expressivity.search.models import TrainConfig, parameter_count
from expressivity.search.records import batch_key, read_search_records
from expressivity.search.summary import minterm_width
from expressivity.search.width import search_width

TABLE_NOTE = (
    "Widths found are upper bounds on the minimum width at each depth (a verified network exists); "
    "'none' means no run fit up to the largest width tried, which proves nothing; 'stopped' and "
    "'not reached' mean the time limit passed first."
)


def function_spec(name: str, n: int) -> str | None:
    """The spec searched for family ``name`` at ``n`` bits, or ``None`` where it is not defined.

    Examples
    --------
    >>> function_spec("tribes", 6), function_spec("tribes", 5), function_spec("ip", 3), function_spec("parity", 3)
    ('tribes:2,3', None, None, 'parity')
    """
    if name == "tribes":
        return f"tribes:2,{n // 2}" if n >= 4 and n % 2 == 0 else None
    try:
        parse_function(name, n)
    except FunctionError:
        return None
    return name


@dataclass(frozen=True)
class TableCell:
    """One ``(function, depth, n)``: the smallest width found and how often it fit."""

    function: str
    spec: str | None
    n: int
    depth: int
    width: int | None  # smallest verified width (upper bound), or None
    parameters: int | None
    success_rate: float | None  # at that width
    widths_tried: tuple = ()
    seconds: float = 0.0
    stopped: bool = False  # the time limit passed before this cell was finished: nothing is claimed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Construction:
    """A known network for ``(function, n)``: its name, depth, width (widest layer) and parameters."""

    function: str
    n: int
    name: str
    depth: int
    width: int
    parameters: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DepthTable:
    cells: tuple
    constructions: tuple
    config: TrainConfig
    seeds: int
    records_path: str | None = None
    note: str = field(default=TABLE_NOTE)

    def to_dict(self) -> dict[str, Any]:
        return {"note": self.note, "config": self.config.to_dict(), "seeds": self.seeds,
                "records": self.records_path, "cells": [c.to_dict() for c in self.cells],
                "constructions": [c.to_dict() for c in self.constructions]}


def constructions(name: str, n: int) -> list[Construction]:
    """The known constructions of family ``name`` at ``n`` bits (see the module docstring).

    Examples
    --------
    >>> [(c.name, c.depth, c.width, c.parameters) for c in constructions("parity", 4)]
    [('minterms', 1, 8, 49), ('on sum(x)', 1, 4, 25), ('zigzag', 1, 3, 19), ('xor tree', 2, 4, 33)]
    """
    spec = function_spec(name, n)
    if spec is None:
        return []
    f = parse_function(spec, n)
    found = []
    units = minterm_width(f.count_ones, n)
    if units:
        found.append(Construction(name, n, "minterms", 1, units, parameter_count(n, units)))
    if f.is_symmetric:
        found.append(Construction(name, n, "on sum(x)", 1, n, parameter_count(n, n)))
    if name == "parity":
        if n >= 4:  # n - 1 units read by their sign; below 4 the proven minima are 2 and 3 (= n)
            found.append(Construction(name, n, "zigzag", 1, n - 1, parameter_count(n, n - 1)))
        from expressivity.circuits.build import xor_tree
        from expressivity.networks.compiler import compile_network

        net = compile_network(xor_tree(n))
        found.append(Construction(name, n, "xor tree", net.depth, max(net.widths), net.parameters))
    return found


def depth_width_table(
    functions: Sequence[str],
    bits: Iterable[int],
    depths: Iterable[int],
    *,
    max_width: int = 16,
    block: int = 4,
    seeds: int = 32,
    config: TrainConfig = TrainConfig(),
    seed: int = 0,
    device: str = "cpu",
    records_path: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = False,
    time_limit: float | None = None,
    on_cell: Callable[[TableCell], None] | None = None,
) -> DepthTable:
    """Scan widths upwards for every ``(function, depth, n)``; see the module docstring.

    The cells are visited n by n (every function and depth at one n before the
    next n), so a run cut short by ``time_limit`` (seconds of training) has
    finished the small n.  Once the limit has passed no new block starts: blocks
    already in ``records_path`` (with ``resume``) are still read back, and every
    cell not finished is marked ``stopped`` (nothing is claimed for it).

    Raises :class:`~expressivity.errors.InputError` before any work for an
    empty or repeated function name, or a time limit that is not a finite
    number of seconds at least 0.

    Examples
    --------
    >>> table = depth_width_table(["majority"], [3], [1, 2], max_width=2, block=2, seeds=4)
    >>> [(c.depth, c.width) for c in table.cells]
    [(1, 1), (2, 1)]
    >>> depth_width_table(["parity", "parity"], [3], [1])
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: functions names 'parity' twice
    """
    _check_table_input(functions, time_limit)
    bits, depths = sorted(set(bits)), sorted(set(depths))
    # Read once: blocks this run writes are never looked up again (the scan only moves on).
    recorded = set()
    if resume and records_path is not None and os.path.exists(records_path):
        recorded = {batch.key for batch in read_search_records(records_path)}
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit
    cells, built = [], []
    for name in functions:
        for n in bits:
            built.extend(constructions(name, n))
    for n in bits:
        for name in functions:
            spec = function_spec(name, n)
            for depth in depths:
                begun = time.perf_counter()
                if spec is None:
                    cell = TableCell(name, None, n, depth, None, None, None)
                else:
                    cell = _scan(spec, name, n, depth, max_width, block, seeds, config, seed, device,
                                 records_path, resume, progress, deadline, recorded)
                cell = TableCell(**{**cell.to_dict(), "seconds": round(time.perf_counter() - begun, 3)})
                cells.append(cell)
                if on_cell is not None:
                    on_cell(cell)
    order = {name: i for i, name in enumerate(functions)}
    cells.sort(key=lambda c: (order[c.function], c.depth, c.n))
    return DepthTable(tuple(cells), tuple(built), config, seeds,
                      None if records_path is None else str(records_path))


def _check_table_input(functions: Sequence[str], time_limit: float | None) -> None:
    seen = set()
    for name in functions:
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"functions holds an empty name: {echo(list(functions))}")
        if name in seen:
            raise InputError(f"functions names {echo(name)} twice")
        seen.add(name)
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit >= 0):
        raise InputError(f"time_limit must be a finite number of seconds, at least 0, got {time_limit!r}")


def _scan(spec, name, n, depth, max_width, block, seeds, config, seed, device, records_path, resume, progress,
          deadline, recorded):


    f = parse_function(spec, n)
    tried: list[int] = []
    low = 1
    while low <= max_width:
        widths = range(low, min(max_width, low + block - 1) + 1)
        keys = {batch_key(n, f.hex, (w,) * depth, config.key(), seed, seeds) for w in widths}
        if deadline is not None and time.perf_counter() > deadline and not keys <= recorded:
            return TableCell(name, spec, n, depth, None, None, None, tuple(tried), stopped=True)
        result = search_width(spec, [n], widths, seeds, config, depth=depth, seed=seed, device=device,
                              records_path=records_path, resume=resume, progress=progress)
        tried.extend(widths)
        fits = [b for b in result.batches if b.successes > 0]
        if fits:
            best = min(fits, key=lambda b: b.width)
            return TableCell(name, spec, n, depth, best.width, parameter_count(n, best.shape), best.success_rate,
                             tuple(tried))
        low += block
    return TableCell(name, spec, n, depth, None, None, None, tuple(tried))


def table_text(table: DepthTable) -> str:
    """The table as markdown: one row per ``(function, n)``, widths and parameters per depth, constructions."""
    depths = sorted({c.depth for c in table.cells})
    header = ["function", "n"] + [f"depth {d}: width (params, fit rate)" for d in depths] + ["constructions (width, params)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    keys = []
    for cell in table.cells:
        if (cell.function, cell.n) not in keys:
            keys.append((cell.function, cell.n))
    for function, n in keys:
        row = [function if function != "tribes" else f"tribes (2,{n // 2})" if n % 2 == 0 and n >= 4 else "tribes", str(n)]
        for depth in depths:
            cell = next((c for c in table.cells if (c.function, c.n, c.depth) == (function, n, depth)), None)
            if cell is None or cell.spec is None:
                row.append("not defined")
            elif cell.stopped:
                row.append(f"stopped (none <= {max(cell.widths_tried)})" if cell.widths_tried else "not reached")
            elif cell.width is None:
                row.append(f"none <= {max(cell.widths_tried)}")
            else:
                row.append(f"{cell.width} ({cell.parameters}, {cell.success_rate:.2f})")
        made = [c for c in table.constructions if (c.function, c.n) == (function, n)]
        row.append("; ".join(f"{c.name}: {c.width} ({c.parameters})" + (f", depth {c.depth}" if c.depth > 1 else "")
                             for c in made) or "-")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n\n" + table.note
