"""Exact products of big-integer matrices through float64 BLAS, by 16-bit limbs.

Python integers in numpy object arrays multiply exactly but slowly (one
interpreter step per multiply-add).  Here both factors are cut into signed
16-bit limbs, ``a = sign(a) sum_k a_k 2^(16 k)``; each limb product is a float64
matrix product whose every partial sum is an integer below
``n 2^32 <= 2^53`` for ``n <= 2^20`` terms, hence exact in any summation order.
Products of the same weight ``2^(16 s)`` are added (still exact: at most
``2^53`` in all, checked), carried into 16-bit limbs in int64, and the Python
integers are rebuilt from bytes.
"""
from __future__ import annotations

import numpy as np

LIMB = 16
#: Largest inner dimension for which every partial sum of limb products stays below 2^53.
MAX_INNER = 1 << 20


def _limbs(values: np.ndarray) -> tuple[np.ndarray, int]:
    """``(limbs, count)``: float64 array ``(count, *values.shape)`` of signed 16-bit limbs of the integers."""
    flat = values.ravel()
    magnitudes = [abs(int(v)) for v in flat]
    bits = max((m.bit_length() for m in magnitudes), default=0)
    count = max(1, -(-bits // LIMB))
    raw = b"".join(m.to_bytes(2 * count, "little") for m in magnitudes)
    limbs = np.frombuffer(raw, dtype="<u2").reshape(len(flat), count).astype(np.float64)
    negative = np.fromiter((int(v) < 0 for v in flat), dtype=bool, count=len(flat))
    limbs[negative] *= -1.0
    return np.ascontiguousarray(limbs.T).reshape((count,) + values.shape), count


def exact_matmul(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left @ right`` exactly, for object (or integer) arrays of Python integers; an object array.

    Examples
    --------
    >>> a = np.array([[2**70 + 3, -5], [7, 2**90]], dtype=object)
    >>> b = np.array([[-(2**40) + 1], [3**50]], dtype=object)
    >>> bool((exact_matmul(a, b) == a @ b).all())
    True
    """
    rows, inner = left.shape
    inner2, cols = right.shape
    if inner != inner2:
        raise ValueError(f"shapes {left.shape} and {right.shape} do not multiply")
    if inner > MAX_INNER or rows * cols == 0 or inner == 0:
        return np.asarray(left, dtype=object) @ np.asarray(right, dtype=object)
    a, count_a = _limbs(left)
    b, count_b = _limbs(right)
    groups = count_a + count_b - 1
    # one BLAS call for every pair of limbs: (count_a rows) x (count_b cols) blocks
    products = a.reshape(count_a * rows, inner) @ np.moveaxis(b, 0, 1).reshape(inner, count_b * cols)
    products = products.reshape(count_a, rows, count_b, cols)
    sums = np.zeros((groups, rows, cols), dtype=np.float64)
    for i in range(count_a):
        for j in range(count_b):
            sums[i + j] += products[i, :, j, :]
    # every group is a sum of at most min(count_a, count_b) exact products, each below inner * 2^32
    if min(count_a, count_b) * inner * 2.0**32 >= 2.0**53:
        return np.asarray(left, dtype=object) @ np.asarray(right, dtype=object)
    carry = np.zeros((rows, cols), dtype=np.int64)
    digits = np.empty((groups, rows, cols), dtype=np.uint16)
    for s in range(groups):
        total = sums[s].astype(np.int64) + carry
        digits[s] = (total & 0xFFFF).astype(np.uint16)
        carry = total >> LIMB  # floor: the digits stay in [0, 2^16)
    body = np.ascontiguousarray(np.moveaxis(digits, 0, -1)).reshape(rows * cols, groups)
    raw = body.astype("<u2").tobytes()
    width = 2 * groups
    shift = LIMB * groups
    result = np.empty(rows * cols, dtype=object)
    high = carry.ravel().tolist()
    result[:] = [int.from_bytes(raw[k * width:(k + 1) * width], "little") + (high[k] << shift)
                 for k in range(rows * cols)]
    return result.reshape(rows, cols)
