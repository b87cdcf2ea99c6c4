"""One-hidden-layer ReLU networks for n-bit parity, built directly with numpy.

Three exact constructions, each a :class:`LayeredNet` with integer weights
whose output *equals* the parity bit on every input in {0,1}^n:

==========  ==============  ====================================================
name        hidden units    output
==========  ==============  ====================================================
minterm     2^(n-1)         sum_p relu(sum_i (2p_i - 1) x_i - (|p| - 1)), one
                            unit per odd-weight pattern p; the unit is 1 on
                            x = p and 0 elsewhere (the lecture's construction)
symmetric   n               relu(s) + sum_{j=1}^{n-1} (-1)^j 2 relu(s - j),
                            s = x_1 + ... + x_n
skip        n - 1           s + sum_{j=1}^{n-1} (-1)^j 2 relu(s - j): the term
                            relu(s) = s moves onto the direct input-to-output
                            link
==========  ==============  ====================================================

Why ``skip`` saves one unit and not about n/2 (the count known for *threshold*
units with direct links, Hohil, Liu and Smith 1999): a network whose units read
only ``s`` is a continuous piecewise-linear function ``g(s)``.  Its values at
``s = 0, 1, ..., n`` alternate 0, 1, 0, ... (or, for a sign-thresholded
output, alternate in sign), so ``g`` rises between every even ``s`` and the
next odd one and falls between every odd and the next even one: its slope
changes sign at least ``n - 1`` times, and each change needs a kink, i.e. a
unit.  A direct link adds only a linear term, which has no kink.  So ``n - 1``
is the least for units on ``s``, with or without a threshold on the output; a
step (threshold) unit makes two slope changes at once, which a ReLU cannot.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from expressivity.errors import InputError, SizeLimitError, check_int
from expressivity.networks.layered import LayeredNet

CONSTRUCTIONS = ("minterm", "symmetric", "skip", "zigzag")
#: How each construction's output is read: "exact" (equals parity) or "sign" (positive iff odd).
OUTPUT_MODES = {"minterm": "exact", "symmetric": "exact", "skip": "exact", "zigzag": "sign"}
#: minterm refuses more hidden units than this (2^(n-1) units of n weights each).
MAX_MINTERM_UNITS = 1 << 23
#: symmetric, skip and zigzag refuse more weights than this (n per unit, n units): about 40 bytes
#: each while built, 8 GiB in all (n <= 14,654), as ``expressivity shallow`` refuses.
MAX_SHALLOW_WEIGHTS = (8 << 30) // 40


def odd_patterns(n: int) -> np.ndarray:
    """The odd-weight patterns of ``n`` bits in increasing order, as integers (bit i is x_i).

    Examples
    --------
    >>> odd_patterns(3).tolist()
    [1, 2, 4, 7]
    """
    _check_bits(n, limit=MAX_MINTERM_UNITS.bit_length(), why="(2^n patterns listed)")
    index = np.arange(1 << n, dtype=np.int64)
    parity = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        parity ^= (index >> i) & 1
    return index[parity == 1]


def minterm(n: int) -> LayeredNet:
    """Parity as a sum of one "minterm detector" per odd-weight input pattern.

    Unit ``p`` is ``relu(sum_i (2 p_i - 1) x_i - (|p| - 1))``: its pre-activation
    is ``|p| - (mismatches)`` minus ``|p| - 1``, so 1 on ``x = p`` and at most 0
    elsewhere.  The output adds the units: exactly one fires on odd inputs.

    Examples
    --------
    >>> from expressivity.verify.exhaustive import verify_exhaustive, parity_reference
    >>> net = minterm(4)
    >>> net.widths, net.parameters, net.nonzero_weights
    ((8,), 49, 40)
    >>> verify_exhaustive(net, parity_reference).status
    'verified'
    """
    _check_bits(n, limit=MAX_MINTERM_UNITS.bit_length(), why=f"(2^(n-1) units, at most {MAX_MINTERM_UNITS:,})")
    units = 1 << (n - 1)
    patterns = odd_patterns(n)
    bits = (patterns[:, None] >> np.arange(n, dtype=np.int64)) & 1  # (units, n)
    data = (2 * bits - 1).ravel()
    # Every unit reads every input: the CSR structure is a full grid, built without a sort.
    first = sp.csr_array(
        (data, np.tile(np.arange(n, dtype=np.int32), units), np.arange(0, units * n + 1, n, dtype=np.int64)),
        shape=(units, n),
    )
    bias = 1 - bits.sum(axis=1)
    readout = sp.csr_array(np.ones((1, units), dtype=np.int64))
    return LayeredNet((first, readout), (bias.astype(np.int64), np.zeros(1, dtype=np.int64)), name=f"minterm(n={n})")


def _alternating_readout(n: int, first: int) -> list[int]:
    """Coefficients of relu(s - j), j = first..n-1: 1 for j = 0, else 2(-1)^j."""
    return [1 if j == 0 else 2 * (-1) ** j for j in range(first, n)]


def symmetric(n: int) -> LayeredNet:
    """Parity with ``n`` units ``relu(s - j)``, j = 0..n-1, on ``s = sum(x)``.

    The output ``relu(s) + sum_{j>=1} (-1)^j 2 relu(s - j)`` interpolates
    0, 1, 0, 1, ... at s = 0, 1, 2, ...

    Examples
    --------
    >>> net = symmetric(3)
    >>> net.weights[1].toarray().tolist(), net.biases[0].tolist()
    ([[1, -2, 2]], [0, -1, -2])
    >>> net.forward(np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]])).ravel().tolist()
    [0, 1, 0, 1]
    """
    _check_bits(n, limit=_MAX_SQUARE_BITS, why=_SQUARE_WHY)
    return LayeredNet.from_dense(
        [np.ones((n, n), dtype=np.int64), [_alternating_readout(n, 0)]],
        [-np.arange(n, dtype=np.int64), [0]],
        name=f"symmetric(n={n})",
    )


def skip(n: int) -> LayeredNet:
    """Parity with ``n - 1`` units and a direct link: ``s + sum_{j=1}^{n-1} (-1)^j 2 relu(s - j)``.

    The direct link carries ``s = sum(x)`` (weights all 1) to the output, which
    replaces the unit ``relu(s)`` of :func:`symmetric` (equal, since s >= 0).
    Needs ``n >= 2`` (one bit is the input itself: no hidden layer at all).

    Examples
    --------
    >>> net = skip(4)
    >>> net.widths, net.skip.toarray().tolist(), net.parameters
    ((3,), [[1, 1, 1, 1]], 23)
    >>> from expressivity.verify.exhaustive import verify_exhaustive, parity_reference
    >>> verify_exhaustive(net, parity_reference).status
    'verified'
    """
    _check_bits(n, limit=_MAX_SQUARE_BITS, why=_SQUARE_WHY)
    if n < 2:
        raise InputError("skip needs n >= 2: with one bit the output is the input, no unit at all")
    return LayeredNet.from_dense(
        [np.ones((n - 1, n), dtype=np.int64), [_alternating_readout(n, 1)]],
        [-np.arange(1, n, dtype=np.int64), [0]],
        skip=np.ones((1, n), dtype=np.int64),
        name=f"skip(n={n})",
    )


def zigzag(n: int) -> LayeredNet:
    """Parity with ``n - 1`` units for a thresholded output (positive exactly on odd inputs), ``n >= 4``.

    On ``s = sum(x)`` the output is the zigzag ``g`` through
    ``g(0) = -3`` and ``g(j) = +1, -1, +1, ...`` for ``j = 1..n``, with kinks at
    ``s = 1..n-1``.  Written with units ``relu(s - j)`` it reads
    ``4s - 3 - 6 relu(s-1) + sum_{j=2}^{n-1} 4 (-1)^j relu(s-j)``; the linear
    term ``4s`` needs no direct link, because the unit at ``j = 3`` is turned
    round: ``-4 relu(s-3) = -4 (s-3) - 4 relu(3-s)`` cancels it, leaving

        g(s) = 9 - 6 relu(s-1) + sum_{j=2, j!=3}^{n-1} 4 (-1)^j relu(s-j) - 4 relu(3-s).

    ``g(0) = -3`` (instead of -1) is what makes that cancellation possible.
    The margin is 1.  Units that read only ``s`` cannot do with fewer: the
    output is then piecewise linear in ``s`` and its values at ``s = 0..n``
    alternate in sign, so its slope changes sign ``n - 1`` times.  For
    ``n = 4, 5`` this matches the proven minimum of ``expressivity prove-width``.

    Examples
    --------
    >>> net = zigzag(4)
    >>> net.widths, net.weights[0].toarray().tolist(), net.biases[0].tolist()
    ((3,), [[1, 1, 1, 1], [1, 1, 1, 1], [-1, -1, -1, -1]], [-1, -2, 3])
    >>> from expressivity.verify.exhaustive import verify_exhaustive, parity_reference
    >>> result = verify_exhaustive(net, parity_reference, mode="sign")
    >>> result.status, result.margin
    ('verified', 1.0)
    """
    _check_bits(n, limit=_MAX_SQUARE_BITS, why=_SQUARE_WHY)
    if n < 4:
        raise InputError(f"zigzag needs n >= 4 (it turns round the unit at s = 3), got {n}; "
                         "for n = 2, 3 symmetric is minimal (prove-width proves it)")
    knots = [j for j in range(1, n) if j != 3]
    weights = [np.ones(n, dtype=np.int64) for _ in knots] + [-np.ones(n, dtype=np.int64)]
    biases = [-j for j in knots] + [3]
    readout = [-6 if j == 1 else 4 * (-1) ** j for j in knots] + [-4]
    return LayeredNet.from_dense([np.array(weights), [readout]], [biases, [9]], name=f"zigzag(n={n})")


def build(construction: str, n: int) -> LayeredNet:
    """The construction named ``construction`` (one of :data:`CONSTRUCTIONS`) for ``n`` bits.

    Examples
    --------
    >>> build("symmetric", 5).widths
    (5,)
    """
    makers = {"minterm": minterm, "symmetric": symmetric, "skip": skip, "zigzag": zigzag}
    if construction not in makers:
        raise InputError(f"unknown construction {construction!r}; choose from {', '.join(CONSTRUCTIONS)}")
    return makers[construction](n)


_MAX_SQUARE_BITS = int(MAX_SHALLOW_WEIGHTS ** 0.5)
_SQUARE_WHY = f"(about n^2 weights, at most {MAX_SHALLOW_WEIGHTS:,}: 8 GiB while built)"


def _check_bits(n, limit: int | None = None, why: str = "") -> None:
    """``InputError`` unless ``n`` is a positive integer, ``SizeLimitError`` past ``limit``: before any array."""
    check_int(n, "the number of bits", minimum=1, maximum=limit, why=why)
