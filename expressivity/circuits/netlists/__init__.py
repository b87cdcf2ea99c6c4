"""Netlist readers: BENCH, AIGER (ASCII and binary) and BLIF files as circuits of the toolkit's schema.

Every reader gives a networkx circuit (:mod:`expressivity.circuits.schema`)
whose nodes carry the netlist's signal names, with one output per netlist
output in the netlist's order.  A malformed or sequential file raises
:class:`NetlistError` (a ``ValueError``) with a one-line message naming the
file, the line and the problem.

Examples
--------
>>> import pathlib, tempfile
>>> from expressivity.circuits.evaluate import truth_table
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = folder / "half_adder.bench"
>>> _ = path.write_text("INPUT(a)\\nINPUT(b)\\nOUTPUT(s)\\nOUTPUT(c)\\ns = XOR(a, b)\\nc = AND(a, b)\\n")
>>> truth_table(read_netlist(path)).tolist()   # rows (s, c) for ab = 00, 10, 01, 11
[[0, 0], [1, 0], [1, 0], [0, 1]]
>>> _ = (folder / "bad.bench").write_text("INPUT(a)\\nOUTPUT(y)\\ny = AND(a, b)\\n")
>>> read_netlist(folder / "bad.bench")
Traceback (most recent call last):
...
expressivity.circuits.netlists.common.NetlistError: .../bad.bench: line 3: 'b' is used but never defined
"""
from __future__ import annotations

import os
import stat

import networkx as nx

from expressivity.circuits.netlists.aiger import parse_aiger
from expressivity.circuits.netlists.bench import parse_bench
from expressivity.circuits.netlists.blif import parse_blif
from expressivity.circuits.netlists.common import MAX_NETLIST_BYTES, MAX_NETLIST_GATES, NetlistError, NetlistLimitError

#: Formats by name; each file suffix names its format.
FORMATS = ("bench", "aag", "aig", "blif")

__all__ = [
    "FORMATS", "MAX_NETLIST_BYTES", "MAX_NETLIST_GATES", "NetlistError", "NetlistLimitError", "netlist_format",
    "parse_netlist", "read_netlist",
]


def netlist_format(path: str | os.PathLike, format: str | None = None) -> str:
    """``format`` if given, else the one the file's suffix names; a ``NetlistError`` if neither says.

    Examples
    --------
    >>> netlist_format("c17.bench"), netlist_format("adder.AIG"), netlist_format("x.txt", "blif")
    ('bench', 'aig', 'blif')
    """
    if format is not None:
        if format not in FORMATS:
            raise NetlistError(path, None, f"unknown format {format!r}; formats are {', '.join(FORMATS)}")
        return format
    suffix = os.path.splitext(str(path))[1].lower().lstrip(".")
    if suffix not in FORMATS:
        raise NetlistError(path, None, f"cannot tell the format from the suffix {('.' + suffix) if suffix else '(none)'}; "
                           f"give it: {', '.join(FORMATS)}")
    return suffix


def parse_netlist(data: bytes, format: str, path: str = "<netlist>", max_gates: int = MAX_NETLIST_GATES) -> nx.DiGraph:
    """The circuit of a netlist's bytes in ``format`` (``path`` names it in errors).

    More than ``max_gates`` inputs plus gates raise :class:`NetlistLimitError`.
    """
    if format in ("aag", "aig"):
        return parse_aiger(data, path, expect=format, max_gates=max_gates)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise NetlistError(path, line, f"not a text file (byte {error.start} is not UTF-8)") from None
    if format == "bench":
        return parse_bench(text, path, max_gates)
    if format == "blif":
        return parse_blif(text, path, max_gates)
    raise NetlistError(path, None, f"unknown format {format!r}; formats are {', '.join(FORMATS)}")


def read_netlist(path: str | os.PathLike, format: str | None = None, *, max_bytes: int = MAX_NETLIST_BYTES,
                 max_gates: int = MAX_NETLIST_GATES) -> nx.DiGraph:
    """The circuit of the netlist file ``path``; ``format`` (one of :data:`FORMATS`) overrides the suffix.

    Raises :class:`NetlistError` for a malformed, sequential or unknown-format
    file, :class:`NetlistLimitError` for one of more than ``max_bytes`` bytes
    (refused from its size before reading; a device or a pipe is read no further
    than ``max_bytes + 1``) or ``max_gates`` inputs plus gates, and ``OSError``
    for one that cannot be read.

    Examples
    --------
    >>> read_netlist("/dev/zero", "aig", max_bytes=1000)
    Traceback (most recent call last):
    ...
    expressivity.circuits.netlists.common.NetlistLimitError: /dev/zero: more than 1,000 bytes (not a regular file: read no further), past the limit max_bytes = 1,000
    """
    format = netlist_format(path, format)
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            raise _too_many_bytes(path, f"{info.st_size:,} bytes", max_bytes)
        data = handle.read(max_bytes + 1)  # never the whole of a stream that may not end
    if len(data) > max_bytes:
        kind = "" if stat.S_ISREG(info.st_mode) else " (not a regular file: read no further)"
        raise _too_many_bytes(path, f"more than {max_bytes:,} bytes{kind}", max_bytes)
    return parse_netlist(data, format, str(path), max_gates)


def _too_many_bytes(path, size: str, max_bytes: int) -> NetlistLimitError:
    return NetlistLimitError(path, None, f"{size}, past the limit max_bytes = {max_bytes:,}", "max_bytes")
