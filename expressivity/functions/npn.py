"""NPN transforms and the NPN canonical form (n <= 6).

The convention, used by :meth:`NPNTransform.apply`, :func:`npn_canonical` and
:mod:`expressivity.functions.symmetry` alike: a transform ``T = (perm, flips,
negate_output)`` on ``n`` bits maps ``f`` to ``g = T f`` with::

    g(x) = negate_output XOR f(y),   where   y[perm[i]] = x[i] XOR flips[i]   for i < n.

So input ``x_i`` of ``g`` is wired, negated when ``flips[i] = 1``, into input
``perm[i]`` of ``f``.  In table terms ``g.table[k] = negate_output XOR
f.table[sigma(k XOR c)]`` with ``c = sum_i flips[i] 2^i`` and ``sigma`` moving
bit ``i`` of an index to bit ``perm[i]``.  Transforms form a group of order
``n! * 2^n * 2`` acting on functions: ``(S.after(T)).apply(f) ==
S.apply(T.apply(f))``.

The canonical representative of ``f`` is the function of smallest integer
value ``sum_k g.table[k] 2^k`` over all ``n! * 2^n * 2`` transforms ``g = T f``
(equivalently, the smallest hex string).  It is found by one vectorised gather
over all ``n! * 2^n`` input transforms, precomputed once per ``n`` (at n = 6 an
index array of 46,080 x 64 entries, 24 MB), so n = 6 takes milliseconds.

Examples
--------
>>> from expressivity.functions.families import parity, threshold
>>> canonical, transform = npn_canonical(threshold(3, 1))      # OR of 3 bits
>>> canonical.hex, transform.apply(threshold(3, 1)) == canonical
('01', True)
>>> npn_canonical(parity(4))[0].hex
'6996'
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from expressivity.functions.table import BooleanFunction, FunctionError

#: The largest n with an NPN canonical form and symmetry group (n! * 2^n transforms of 2^n rows).
MAX_NPN_BITS = 6


@dataclass(frozen=True)
class NPNTransform:
    """``g(x) = negate_output XOR f(y)`` with ``y[perm[i]] = x[i] XOR flips[i]`` (see the module docstring).

    Parameters
    ----------
    perm : tuple of int
        A permutation of ``0 .. n-1``: input ``i`` of the result feeds input ``perm[i]`` of ``f``.
    flips : tuple of int
        ``n`` values 0/1: ``flips[i] = 1`` negates input ``i`` (of the result) on its way in.
    negate_output : bool
        Whether the output is negated.

    Examples
    --------
    >>> t = NPNTransform((1, 0), (1, 0), False)
    >>> t.map_inputs([[0, 1], [1, 1]]).tolist()        # y[1] = NOT x[0], y[0] = x[1]
    [[1, 1], [1, 0]]
    """

    perm: tuple[int, ...]
    flips: tuple[int, ...]
    negate_output: bool = False

    def __post_init__(self):
        try:
            perm = tuple(int(p) for p in self.perm)
            flips = tuple(int(c) for c in self.flips)
        except (TypeError, ValueError):
            raise FunctionError("perm and flips are sequences of integers") from None
        if sorted(perm) != list(range(len(perm))):
            raise FunctionError(f"perm {perm} is not a permutation of 0..{len(perm) - 1}")
        if len(flips) != len(perm) or any(c not in (0, 1) for c in flips):
            raise FunctionError(f"flips {flips} must be {len(perm)} values 0/1")
        object.__setattr__(self, "perm", perm)
        object.__setattr__(self, "flips", flips)
        object.__setattr__(self, "negate_output", bool(self.negate_output))

    @property
    def n(self) -> int:
        """The number of input bits."""
        return len(self.perm)

    @classmethod
    def identity(cls, n: int) -> "NPNTransform":
        """The transform that changes nothing."""
        return cls(tuple(range(n)), (0,) * n, False)

    def apply(self, f: BooleanFunction) -> BooleanFunction:
        """``g = T f``: ``g(x) = negate_output XOR f(y)``, ``y[perm[i]] = x[i] XOR flips[i]`` (any n).

        Examples
        --------
        >>> from expressivity.functions.expression import function_from_expression
        >>> f = function_from_expression("x0 & ~x1 & x2", 3)
        >>> NPNTransform((2, 1, 0), (0, 1, 0)).apply(f) == function_from_expression("x2 & x1 & x0", 3)
        True
        """
        if f.n != self.n:
            raise FunctionError(f"a transform on {self.n} bits cannot apply to a function of {f.n} bits")
        n = self.n
        cube = f.table.reshape((2,) * n)  # C order: axis a holds bit n-1-a
        axes = [n - 1 - self.perm[n - 1 - a] for a in range(n)]
        moved = np.transpose(cube, axes)
        flipped = [n - 1 - i for i in range(n) if self.flips[i]]
        if flipped:
            moved = np.flip(moved, axis=flipped)
        table = moved.reshape(-1) ^ self.negate_output
        return BooleanFunction._wrap(np.ascontiguousarray(table))

    def map_inputs(self, bits) -> np.ndarray:
        """The inputs ``y`` of ``f`` that rows ``x`` (shape ``(m, n)``) of ``T f`` read."""
        bits = np.asarray(bits, dtype=np.int64)
        if bits.ndim != 2 or bits.shape[1] != self.n:
            raise FunctionError(f"expected bits of shape (m, {self.n}), got {bits.shape}")
        y = np.empty_like(bits)
        y[:, list(self.perm)] = bits ^ np.array(self.flips, dtype=np.int64)
        return y

    def after(self, other: "NPNTransform") -> "NPNTransform":
        """The transform ``S.after(T)`` with ``S.after(T).apply(f) == S.apply(T.apply(f))``.

        Examples
        --------
        >>> s, t = NPNTransform((1, 2, 0), (1, 0, 0), True), NPNTransform((0, 2, 1), (0, 1, 1))
        >>> s.after(t).after(t.inverse()) == s
        True
        """
        if other.n != self.n:
            raise FunctionError(f"cannot compose transforms on {self.n} and {other.n} bits")
        q, d = self.perm, self.flips
        p, c = other.perm, other.flips
        perm = tuple(p[q[i]] for i in range(self.n))
        flips = tuple(d[i] ^ c[q[i]] for i in range(self.n))
        return NPNTransform(perm, flips, self.negate_output != other.negate_output)

    def inverse(self) -> "NPNTransform":
        """The transform undoing this one: ``T.inverse().apply(T.apply(f)) == f``."""
        q = [0] * self.n
        for i, p in enumerate(self.perm):
            q[p] = i
        return NPNTransform(tuple(q), tuple(self.flips[q[i]] for i in range(self.n)), self.negate_output)


@lru_cache(maxsize=None)
def input_transforms(n: int) -> tuple[np.ndarray, np.ndarray]:
    """All ``n! * 2^n`` input transforms of ``n <= 6`` bits: ``(perms, index)``.

    ``perms`` has shape ``(n!, n)`` (``itertools.permutations`` order) and
    ``index`` shape ``(n! * 2^n, 2^n)``: row ``t = p * 2^n + c`` is the
    transform ``(perms[p], flips with mask c, False)``, and
    ``f.table[index[t]]`` is its image of ``f``.  Both are read-only and cached.

    Examples
    --------
    >>> perms, index = input_transforms(2)
    >>> perms.tolist(), index.shape
    ([[0, 1], [1, 0]], (8, 4))
    """
    _check_npn_bits(n)
    orders = list(itertools.permutations(range(n)))
    perms = np.array(orders, dtype=np.intp).reshape(len(orders), n)
    rows = np.arange(1 << n, dtype=np.intp)
    # moved[p, m] = sigma_p(m): bit i of m moved to bit perms[p, i].
    moved = np.zeros((len(perms), 1 << n), dtype=np.intp)
    for i in range(n):
        moved |= ((rows >> i) & 1)[None, :] << perms[:, i : i + 1]
    index = moved[:, rows[:, None] ^ rows[None, :]].reshape(-1, 1 << n)  # [p, c, k] = sigma_p(k ^ c)
    perms.setflags(write=False)
    index.setflags(write=False)
    return perms, index


def transform_number(n: int, t: int, negate_output: bool = False) -> NPNTransform:
    """The transform of row ``t`` of :func:`input_transforms` ``(n)``, with the given output negation."""
    perms, _ = input_transforms(n)
    mask = t & ((1 << n) - 1)
    flips = tuple((mask >> i) & 1 for i in range(n))
    return NPNTransform(tuple(int(p) for p in perms[t >> n]), flips, negate_output)


def table_values(tables: np.ndarray) -> np.ndarray:
    """Tables of ``2^n <= 64`` rows (last axis) as uint64 integers, bit ``k`` = row ``k``.

    Examples
    --------
    >>> table_values(np.array([[0, 1, 1, 0], [1, 0, 0, 0]], dtype=bool)).tolist()
    [6, 1]
    """
    tables = np.asarray(tables, dtype=bool)
    size = tables.shape[-1]
    if size < 8:
        padded = np.zeros(tables.shape[:-1] + (8,), dtype=bool)
        padded[..., :size] = tables
        tables, size = padded, 8
    # Rows of 8, 16, 32 or 64 bits are whole bytes: pack the flat array (fast), then view each row as one integer.
    packed = np.packbits(tables.reshape(-1), bitorder="little")
    return packed.view(f"<u{size // 8}").reshape(tables.shape[:-1]).astype(np.uint64)

def npn_canonical(f: BooleanFunction) -> tuple[BooleanFunction, NPNTransform]:
    """The NPN canonical form of ``f`` and a transform mapping ``f`` to it (n <= 6).

    The canonical form is the smallest ``T f`` as an integer (bit ``k`` = row
    ``k``) over all ``n! * 2^n * 2`` transforms; the transform returned is the
    first one reaching it (inputs in :func:`input_transforms` order, output
    negation only when it gives a strictly smaller value), and
    ``transform.apply(f) == canonical`` always.

    Examples
    --------
    >>> from expressivity.functions.families import majority
    >>> canonical, transform = npn_canonical(majority(3))
    >>> canonical.hex, transform          # majority(NOT x) = NOT majority(x)
    ('17', NPNTransform(perm=(0, 1, 2), flips=(1, 1, 1), negate_output=False))
    """
    _check_npn_bits(_function(f).n)
    _, index = input_transforms(f.n)
    images = f.table[index]
    values = table_values(images)
    lowest, highest = int(np.argmin(values)), int(np.argmax(values))
    full = (1 << (1 << f.n)) - 1
    if full - int(values[highest]) < int(values[lowest]):
        return BooleanFunction._wrap(~images[highest]), transform_number(f.n, highest, True)
    return BooleanFunction._wrap(images[lowest].copy()), transform_number(f.n, lowest, False)


def npn_canonical_values(tables) -> np.ndarray:
    """The canonical forms of many functions of the same ``n <= 6`` at once, as integers.

    ``tables`` has shape ``(m, 2^n)`` (bool or 0/1); the result, shape ``(m,)``
    uint64, holds ``table_values`` of each canonical form, the same as
    ``npn_canonical(f)[0]`` would give, in chunks that keep memory near 64 MB.

    Examples
    --------
    >>> from expressivity.functions.families import parity, threshold
    >>> npn_canonical_values(np.stack([parity(3).table, threshold(3, 1).table])).tolist()   # 0x69, 0x01
    [105, 1]
    """
    tables = np.asarray(tables)
    if tables.ndim != 2 or tables.shape[1] == 0 or tables.shape[1] & (tables.shape[1] - 1):
        raise FunctionError(f"expected tables of shape (m, 2^n), got {tables.shape}")
    n = tables.shape[1].bit_length() - 1
    _check_npn_bits(n)
    tables = tables.astype(bool)
    _, index = input_transforms(n)
    full = np.uint64((1 << (1 << n)) - 1)
    chunk = max(1, (1 << 26) // index.size)
    result = np.empty(len(tables), dtype=np.uint64)
    for start in range(0, len(tables), chunk):
        # np.take gives a C-contiguous (chunk, transforms, 2^n) array; tables[:, index] would not.
        values = table_values(np.take(tables[start : start + chunk], index, axis=1))
        result[start : start + chunk] = np.minimum(values.min(axis=1), full - values.max(axis=1))
    return result


def _function(f) -> BooleanFunction:
    """``f``, after checking that it is a :class:`BooleanFunction` (one line, not an AttributeError)."""
    if not isinstance(f, BooleanFunction):
        raise FunctionError(f"expected a BooleanFunction (parse_function, function_from_hex, ...), got {type(f).__name__}")
    return f


def _check_npn_bits(n: int) -> None:
    if not isinstance(n, int) or not 0 <= n <= MAX_NPN_BITS:
        raise FunctionError(
            f"NPN canonical forms and symmetry groups are computed for 0 <= n <= {MAX_NPN_BITS} "
            f"(n! * 2^n input transforms), got n={n}"
        )
