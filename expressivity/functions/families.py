"""The named families: parity, majority, thresholds, inner product, equality, comparison, multiplexer, tribes, random.

Every constructor builds the dense table directly (no circuit), sets the spec
that parses back to it (``parse_function(f.spec, f.n) == f``) and refuses bad
parameters with a one-line :class:`FunctionSpecError`.  Inputs are
``x_0 .. x_{n-1}``, row ``k`` of a table having ``x_i = (k >> i) & 1``.  For
the two-halves families (``ip``, ``eq``, ``gt``) with ``n = 2m`` the halves are
``a = x_0 .. x_{m-1}`` and ``b = x_m .. x_{2m-1}``, each read as a binary
number with its first bit least significant: ``a = sum_i x_i 2^i``,
``b = sum_i x_{m+i} 2^i``.

Examples
--------
>>> parity(4).hex, majority(3).hex, threshold(3, 2).hex, exactly(3, 1).hex
('6996', 'e8', 'e8', '16')
>>> inner_product(2).hex, equality(2).hex, greater_than(2).hex
('8', '9', '2')
>>> multiplexer(1).hex, tribes(2, 2).hex
('e4', 'f888')
"""
from __future__ import annotations

import numpy as np

from expressivity.functions.table import BooleanFunction, FunctionSpecError, check_bits, row_weights


def parity(n: int) -> BooleanFunction:
    """``x_0 XOR ... XOR x_{n-1}``: 1 iff the number of ones is odd (``n >= 0``; n = 0 gives 0).

    Examples
    --------
    >>> parity(3).table.astype(int).tolist()
    [0, 1, 1, 0, 1, 0, 0, 1]
    """
    n = check_bits(n)
    table = np.zeros(1, dtype=bool)
    for _ in range(n):
        table = np.concatenate([table, ~table])
    return BooleanFunction._wrap(table, "parity")


def majority(n: int) -> BooleanFunction:
    """1 iff at least ``floor(n/2) + 1`` of the ``n`` bits are 1 (a strict majority).

    For even ``n`` a tie (exactly ``n/2`` ones) gives 0.  Equal to ``threshold(n, n // 2 + 1)``.

    Examples
    --------
    >>> majority(4).values_by_weight()
    (0, 0, 0, 1, 1)
    """
    n = check_bits(n)
    return BooleanFunction._wrap(row_weights(n) >= n // 2 + 1, "majority")


def threshold(n: int, k: int) -> BooleanFunction:
    """1 iff at least ``k`` of the ``n`` bits are 1, for ``0 <= k <= n + 1``.

    ``k = 0`` is the constant 1 and ``k = n + 1`` the constant 0; ``k = 1`` is
    OR and ``k = n`` is AND.

    Examples
    --------
    >>> threshold(3, 3).hex, threshold(3, 1).hex, threshold(3, 0).hex, threshold(3, 4).hex
    ('80', 'fe', 'ff', '00')
    """
    n = check_bits(n)
    k = _int(k, "threshold:K")
    if not 0 <= k <= n + 1:
        raise FunctionSpecError(f"threshold:{k} needs 0 <= K <= n+1 = {n + 1} on n={n} bits")
    return BooleanFunction._wrap(row_weights(n) >= k, f"threshold:{k}")


def exactly(n: int, k: int) -> BooleanFunction:
    """1 iff exactly ``k`` of the ``n`` bits are 1, for ``0 <= k <= n``.

    Examples
    --------
    >>> exactly(2, 1).hex
    '6'
    """
    n = check_bits(n)
    k = _int(k, "exactly:K")
    if not 0 <= k <= n:
        raise FunctionSpecError(f"exactly:{k} needs 0 <= K <= n = {n} on n={n} bits")
    return BooleanFunction._wrap(row_weights(n) == k, f"exactly:{k}")


def inner_product(n: int) -> BooleanFunction:
    """Inner product mod 2 of the halves: ``sum_{i < n/2} x_i x_{i+n/2} mod 2`` (n even, n >= 2).

    Examples
    --------
    >>> inner_product(4).count_ones
    6
    """
    m = _halves(n, "ip")
    # table[b, a] = parity(a & b): the Sylvester-Hadamard pattern [[M, M], [M, ~M]].
    block = np.zeros((1, 1), dtype=bool)
    for _ in range(m):
        block = np.block([[block, block], [block, ~block]])
    return BooleanFunction._wrap(block.reshape(-1), "ip")


def equality(n: int) -> BooleanFunction:
    """1 iff the two halves are equal: ``x_i == x_{i+n/2}`` for all ``i < n/2`` (n even, n >= 2).

    Examples
    --------
    >>> equality(4).count_ones
    4
    """
    m = _halves(n, "eq")
    return BooleanFunction._wrap(np.eye(1 << m, dtype=bool).reshape(-1), "eq")


def greater_than(n: int) -> BooleanFunction:
    """1 iff ``a > b``: the first half, as a number, is strictly greater than the second (n even, n >= 2).

    ``a = sum_{i<m} x_i 2^i`` and ``b = sum_{i<m} x_{m+i} 2^i`` with ``m = n/2``
    (``x_0`` and ``x_m`` are the least significant bits).

    Examples
    --------
    >>> f = greater_than(4)
    >>> f.evaluate([0, 1, 1, 0]), f.evaluate([1, 0, 0, 1])   # a=2 > b=1, a=1 < b=2
    (True, False)
    """
    m = _halves(n, "gt")
    size = 1 << m
    # Row k = a + b * 2^m, so the table reshaped to (2^m, 2^m) is indexed [b, a]: strictly above the diagonal.
    return BooleanFunction._wrap(~np.tri(size, size, 0, dtype=bool).reshape(-1), "gt")


def multiplexer(k: int) -> BooleanFunction:
    """The multiplexer with ``k`` address bits: ``n = k + 2^k`` inputs, output ``x_{k + a}``.

    The address is ``a = sum_{i<k} x_i 2^i`` (``x_0`` least significant) and the
    data bits are ``x_k .. x_{k + 2^k - 1}``.  ``0 <= k <= 4`` (k = 5 would need
    37 bits); k = 0 is the identity on one bit.

    Examples
    --------
    >>> f = multiplexer(2)
    >>> f.n, f.evaluate([1, 0, 0, 1, 0, 0]), f.evaluate([0, 1, 1, 1, 0, 1])   # x3 at a=1, x4 at a=2
    (6, True, False)
    """
    k = _int(k, "mux:K")
    if k < 0:
        raise FunctionSpecError(f"mux:{k} needs K >= 0 address bits")
    if k > 4:
        check_bits(k + (1 << k))
    width = 1 << k
    data = np.arange(1 << width, dtype=np.int64)[:, None]
    address = np.arange(width, dtype=np.int64)[None, :]
    # Row = a + data * 2^k, so the table reshaped to (2^(2^k), 2^k) is indexed [data, a].
    table = ((data >> address) & 1).astype(bool).reshape(-1)
    return BooleanFunction._wrap(table, f"mux:{k}")


def tribes(w: int, s: int) -> BooleanFunction:
    """OR of ``s`` ANDs of ``w`` consecutive bits: ``n = w * s``, tribe ``j`` is ``x_{jw} .. x_{jw+w-1}``.

    ``w >= 1`` and ``s >= 1``; ``tribes(w, 1)`` is AND of w bits, ``tribes(1, s)`` OR of s bits.

    Examples
    --------
    >>> tribes(1, 3).hex, tribes(3, 1).hex
    ('fe', '80')
    """
    w, s = _int(w, "tribes:W,S"), _int(s, "tribes:W,S")
    if w < 1 or s < 1:
        raise FunctionSpecError(f"tribes:{w},{s} needs W >= 1 and S >= 1")
    check_bits(w * s)
    full = np.zeros(1 << w, dtype=bool)
    full[-1] = True
    table = np.zeros((1 << w,) * s, dtype=bool)
    # C order: the last axis holds the lowest w bits (tribe 0), axis s-1-j tribe j.
    for axis in range(s):
        shape = [1] * s
        shape[axis] = 1 << w
        table |= full.reshape(shape)
    return BooleanFunction._wrap(table.reshape(-1), f"tribes:{w},{s}")


def random_function(n: int, seed: int) -> BooleanFunction:
    """A uniformly random table: ``numpy.random.default_rng(seed).integers(0, 2, size=2**n, dtype=numpy.uint8) == 1``.

    Examples
    --------
    >>> random_function(3, 7) == random_function(3, 7)
    True
    """
    n = check_bits(n)
    seed = _int(seed, "random:SEED")
    if seed < 0:
        raise FunctionSpecError(f"random:{seed} needs a seed >= 0")
    table = np.random.default_rng(seed).integers(0, 2, size=1 << n, dtype=np.uint8) == 1
    return BooleanFunction._wrap(table, f"random:{seed}")


def _halves(n, name: str) -> int:
    n = check_bits(n)
    if n < 2 or n % 2:
        raise FunctionSpecError(f"{name} compares two halves and needs an even n >= 2, got n={n}")
    return n // 2


def _int(value, what: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise FunctionSpecError(f"{what} takes integers, got {value!r}")
    return int(value)
