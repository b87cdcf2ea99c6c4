"""The type: :class:`BooleanFunction`, a dense truth table with the spec it came from.

Row ``k`` of a table is the input whose bit ``i`` is ``x_i = (k >> i) & 1``
(``x_0`` least significant).  Hex strings follow ABC and Knuth: the table read
as a binary number whose bit ``k`` is ``f(row k)``, written in hex most
significant digit first, so the string's last digit holds rows 0..3.

Examples
--------
>>> f = BooleanFunction([0, 1, 1, 0])
>>> f.n, f.hex, f.spec, f.count_ones
(2, '6', 'hex:6', 2)
>>> f.evaluate([[0, 0], [1, 0], [1, 1]]).tolist()
[False, True, False]
>>> f.is_symmetric, f.values_by_weight()
(True, (0, 1, 0))
>>> f.negate().hex, f.negate().spec
('9', '~hex:6')
"""
from __future__ import annotations

from expressivity.errors import InputError, echo, number_text

import math
import re
from dataclasses import dataclass, field

import numpy as np

#: The largest number of bits a dense table is built for: 2^26 bytes = 64 MiB.
MAX_BITS = 26
_NOT_HEX = re.compile(r"[^0-9a-fA-F]")


class FunctionError(InputError):
    """Bad input to an operation on Boolean functions; the message is one line naming the problem."""


class FunctionSpecError(FunctionError):
    """A function description (spec, parameters, hex, expression, n) that does not define a function."""


def check_bits(n, what: str = "n") -> int:
    """Return ``n`` if it is an int with ``0 <= n <= MAX_BITS``; else raise :class:`FunctionSpecError`.

    Examples
    --------
    >>> check_bits(4)
    4
    >>> check_bits(30)
    Traceback (most recent call last):
    ...
    expressivity.functions.table.FunctionSpecError: a dense truth table of n=30 bits needs 2^30 = 1,073,741,824 bytes; the limit is n <= 26 (67,108,864 bytes)
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, (bool, np.bool_)):
        raise FunctionSpecError(f"{what} must be an integer, got {echo(n) if isinstance(n, str) else repr(n)[:60]}")
    n = int(n)
    if n < 0:
        raise FunctionSpecError(f"{what} must be >= 0, got {number_text(n)}")
    if n > MAX_BITS:  # 2^n is written out only while it is short: n may be 10**20
        size = f"2^{n} = {1 << n:,}" if n <= 64 else f"2^{number_text(n)}"
        raise FunctionSpecError(
            f"a dense truth table of {what}={number_text(n)} bits needs {size} bytes; "
            f"the limit is n <= {MAX_BITS} ({1 << MAX_BITS:,} bytes)"
        )
    return n


def input_column(n: int, i: int) -> np.ndarray:
    """The values of ``x_i`` on all ``2^n`` rows, as a bool array (no int64 temporaries).

    Examples
    --------
    >>> input_column(3, 1).astype(int).tolist()
    [0, 0, 1, 1, 0, 0, 1, 1]
    """
    return np.tile(np.repeat(np.array([False, True]), 1 << i), 1 << (n - 1 - i))


def row_weights(n: int) -> np.ndarray:
    """The number of ones of every row ``k < 2^n`` (``popcount(k)``), as uint8.

    Examples
    --------
    >>> row_weights(3).tolist()
    [0, 1, 1, 2, 1, 2, 2, 3]
    """
    weights = np.zeros(1, dtype=np.uint8)
    for _ in range(n):
        weights = np.concatenate([weights, weights + np.uint8(1)])
    return weights


def table_to_hex(table: np.ndarray) -> str:
    """The hex string of a table of length ``2^n``: ``max(1, 2^n / 4)`` digits, last digit = rows 0..3.

    Examples
    --------
    >>> table_to_hex(np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype=bool))
    '96'
    """
    size = len(table)
    digits = max(1, size // 4)
    packed = np.packbits(np.asarray(table, dtype=bool), bitorder="little")
    return packed[::-1].tobytes().hex()[-digits:]


def hex_to_table(text: str, n: int | None = None) -> np.ndarray:
    """The table of a hex string (see the module docstring); ``n`` is implied by the length for n >= 2.

    One digit means ``n = 2`` unless ``n = 0`` or ``n = 1`` is given; then the
    digit must be below ``2^(2^n)`` (``0``/``1`` for n = 0, ``0``..``3`` for n = 1).

    Examples
    --------
    >>> hex_to_table("6").astype(int).tolist()
    [0, 1, 1, 0]
    >>> hex_to_table("1", n=0).astype(int).tolist()
    [1]
    """
    if not isinstance(text, str) or not text:
        shown = echo(text) if isinstance(text, str) else repr(text)[:60]
        raise FunctionSpecError(f"a hex truth table needs at least one hex digit, got {shown}")
    length = len(text)
    spec = f"hex:{text}" if length <= 40 else f"hex:{text[:24]}... ({length:,} digits)"  # never echoed whole
    if length > 1 << (MAX_BITS - 2):  # before any work on the digits
        raise FunctionSpecError(f"{spec} is longer than the {1 << (MAX_BITS - 2):,} digits of a table of "
                                f"n = {MAX_BITS} bits, the limit ({1 << MAX_BITS:,} bytes)")
    bad = _NOT_HEX.search(text)
    if bad:
        raise FunctionSpecError(f"{spec} has a character that is not a hex digit: {bad.group()!r}")
    if length & (length - 1):
        raise FunctionSpecError(
            f"{spec} has {length} digits; a truth table of n >= 2 bits has 2^(n-2) digits (1, 2, 4, 8, ...)"
        )
    implied = 2 if length == 1 else length.bit_length() + 1
    if n is not None:
        n = check_bits(n)
        if not (n == implied or (length == 1 and n < 2)):
            need = max(1, (1 << n) // 4)
            raise FunctionSpecError(f"{spec} has {length} digits, which is n={implied}, but n={n} was given (n={n} needs {need} digits)")
    else:
        n = check_bits(implied)
    digits = text if length > 1 else "0" + text
    table = np.unpackbits(np.frombuffer(bytes.fromhex(digits)[::-1], dtype=np.uint8), bitorder="little")
    if table[1 << n :].any():
        raise FunctionSpecError(f"{spec} sets bits above row {(1 << n) - 1}; on n={n} bits the digit is at most {(1 << (1 << n)) - 1}")
    return table[: 1 << n].astype(bool)


def function_from_hex(digits: str, n: int | None = None) -> "BooleanFunction":
    """The function with hex truth table ``digits`` (``n`` as in :func:`hex_to_table`); spec ``"hex:" + f.hex``.

    Examples
    --------
    >>> function_from_hex("8").table.astype(int).tolist()
    [0, 0, 0, 1]
    """
    return BooleanFunction._wrap(hex_to_table(digits, n))


@dataclass(frozen=True, eq=False)
class BooleanFunction:
    """A Boolean function of ``n`` bits as its dense truth table.

    Parameters
    ----------
    table : array_like of bool or 0/1
        ``table[k]`` is the value on the input with ``x_i = (k >> i) & 1``; its
        length is ``2^n`` with ``n <= MAX_BITS``.  Stored as a read-only copy.
    spec : str, optional
        A spec that :func:`expressivity.functions.spec.parse_function` turns back
        into this function (given ``n``): ``parse_function(f.spec, f.n) == f``.
        The constructors in this package set it; by default it is ``"hex:" + f.hex``.

    Notes
    -----
    Equality and hashing go by ``(n, table)``; the spec is only a label.

    Examples
    --------
    >>> BooleanFunction([1, 0]) == BooleanFunction([True, False], spec="expr:~x0")
    True
    """

    table: np.ndarray
    spec: str | None = None
    n: int = field(init=False)
    _hash: list = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        table = np.asarray(self.table)
        if table.ndim != 1:
            raise FunctionSpecError(f"a truth table is one-dimensional, got shape {table.shape}")
        size = len(table)
        if size == 0 or size & (size - 1):
            raise FunctionSpecError(f"a truth table has length 2^n, got length {size}")
        n = check_bits(size.bit_length() - 1)
        if table.dtype != np.bool_:
            if not np.isin(table, (0, 1)).all():
                raise FunctionSpecError("a truth table holds only 0/1 or booleans")
            table = table.astype(bool)
        else:
            table = table.copy()
        table.setflags(write=False)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "_hash", [])
        if self.spec is None:
            object.__setattr__(self, "spec", "hex:" + self.hex)
        elif not isinstance(self.spec, str):
            raise FunctionSpecError(f"a spec is a string, got {type(self.spec).__name__}")

    @classmethod
    def _wrap(cls, table: np.ndarray, spec: str | None = None) -> "BooleanFunction":
        """Take ownership of a fresh 1-D bool array of length ``2^n`` without copying it (package-internal)."""
        f = cls.__new__(cls)
        table.setflags(write=False)
        object.__setattr__(f, "table", table)
        object.__setattr__(f, "n", len(table).bit_length() - 1)
        object.__setattr__(f, "_hash", [])
        object.__setattr__(f, "spec", "hex:" + table_to_hex(table) if spec is None else spec)
        return f

    def __eq__(self, other):
        if not isinstance(other, BooleanFunction):
            return NotImplemented
        return self.n == other.n and bool(np.array_equal(self.table, other.table))

    def __hash__(self):
        if not self._hash:
            self._hash.append(hash((self.n, np.packbits(self.table).tobytes())))
        return self._hash[0]

    def __repr__(self):
        return f"BooleanFunction(n={self.n}, spec={_short(self.spec)!r})"

    def __invert__(self) -> "BooleanFunction":
        return self.negate()

    @property
    def hex(self) -> str:
        """The canonical hex string (lower case, ``max(1, 2^n/4)`` digits; see the module docstring)."""
        return table_to_hex(self.table)

    @property
    def count_ones(self) -> int:
        """The number of inputs on which the function is 1."""
        return int(np.count_nonzero(self.table))

    @property
    def is_symmetric(self) -> bool:
        """Whether the value depends only on the number of ones of the input."""
        return self._by_weight() is not None

    def values_by_weight(self) -> tuple[int, ...]:
        """For a symmetric function: its value (0/1) on inputs with ``w`` ones, for ``w = 0 .. n``.

        Raises :class:`FunctionError` if the function is not symmetric.
        """
        values = self._by_weight()
        if values is None:
            raise FunctionError(f"{_short(self.spec)} on {self.n} bits is not symmetric: its value depends on more than the number of ones")
        return values

    def _by_weight(self):
        counts = [math.comb(self.n, w) for w in range(self.n + 1)]
        ones = np.bincount(row_weights(self.n)[self.table], minlength=self.n + 1).tolist()
        if any(k not in (0, total) for k, total in zip(ones, counts)):
            return None
        return tuple(int(k > 0) for k in ones)

    def evaluate(self, bits) -> np.ndarray | bool:
        """The values on rows of bits: shape ``(m, n)`` gives a bool array ``(m,)``, one row ``(n,)`` a bool.

        Examples
        --------
        >>> BooleanFunction([0, 0, 0, 1]).evaluate([1, 1])
        True
        """
        bits = np.asarray(bits)
        if bits.ndim not in (1, 2) or bits.shape[-1] != self.n:
            raise FunctionError(f"expected bits of shape (m, {self.n}) or ({self.n},), got {bits.shape}")
        if bits.size and not np.isin(bits, (0, 1)).all():
            raise FunctionError("input bits must be 0/1 or booleans")
        index = bits.astype(np.int64) @ (np.int64(1) << np.arange(self.n, dtype=np.int64))
        values = self.table[index]
        return bool(values) if bits.ndim == 1 else values

    def negate(self) -> "BooleanFunction":
        """The complement ``NOT f``; its spec is ``"~" + spec`` (or the spec without its leading ``~``)."""
        spec = self.spec[1:] if self.spec.startswith("~") else "~" + self.spec
        return BooleanFunction._wrap(~self.table, spec)


def _short(spec: str, limit: int = 60) -> str:
    """A spec shortened for messages (hex tables of large n are long)."""
    return spec if len(spec) <= limit else spec[: limit - 3] + "..."

