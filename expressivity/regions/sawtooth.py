"""Constructions with known pieces: Telgarsky's sawtooth, its one-hidden-layer twin, zigzags, interpolants.

- :func:`sawtooth` -- the tent map ``h(x) = 2 relu(x) - 4 relu(x - 1/2)`` composed
  ``k`` times: ``k`` hidden layers of width 2, ``2^k`` linear pieces on [0, 1].
- :func:`shallow_sawtooth` -- the same function with one hidden layer:
  ``2^k - 1`` units ``relu(x - j / 2^k)`` and an affine term ``2^k x`` (a skip
  connection).  A one-hidden-layer network of ``w`` units has at most
  ``w + 1`` pieces on a line, so no shallow network does it with fewer.
- :func:`zigzag` -- ``m`` alternating pieces per layer from ``m`` units, ``m^k``
  pieces with depth ``k``: width 3 gives Serra et al.'s ``3^k`` (their bound
  ``prod (n_l + 1)`` asks ``3^k`` of width 2, which a zigzag cannot give:
  see :func:`zigzag`).
- :func:`interpolant` and :func:`one_layer_network` -- 1D universal
  approximation by construction: any continuous piecewise-linear function
  with ``p`` pieces is one hidden layer of ``p - 1`` units plus an affine term.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from expressivity.errors import InputError
from expressivity.regions.linear1d import PiecewiseLinear
from expressivity.regions.networks import ExactNet, exact_layer

#: The largest k built densely as a one-hidden-layer network (2^20 - 1 units).
MAX_SHALLOW_K = 20


def _check_k(k, maximum: int = 62) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= maximum:
        raise InputError(f"k (the number of compositions) must be an integer in 1..{maximum}, got {k!r}")
    return int(k)


def sawtooth(k: int):
    """The tent map composed ``k`` times, as a ``LayeredNet``: depth ``k``, width 2, exact dyadic weights.

    Examples
    --------
    >>> net = sawtooth(3)
    >>> net.depth, net.widths, net.forward(np.array([[0.125], [0.25], [0.375]])).ravel().tolist()
    (3, (2, 2, 2), [1.0, 0.0, 1.0])
    """
    from expressivity.networks.layered import LayeredNet

    k = _check_k(k)
    weights = [[[1.0], [1.0]]] + [[[2.0, -4.0], [2.0, -4.0]]] * (k - 1) + [[[2.0, -4.0]]]
    biases = [[0.0, -0.5]] * k + [[0.0]]
    return LayeredNet.from_dense(weights, biases, name=f"sawtooth(k={k})")


def sawtooth_function(k: int) -> PiecewiseLinear:
    """The depth-``k`` sawtooth on [0, 1] from its closed form: 0 at even ``j / 2^k``, 1 at odd ones.

    Examples
    --------
    >>> sawtooth_function(2).values
    (Fraction(0, 1), Fraction(1, 1), Fraction(0, 1), Fraction(1, 1), Fraction(0, 1))
    """
    k = _check_k(k, 24)
    size = 1 << k
    return PiecewiseLinear([Fraction(j, size) for j in range(size + 1)], [j % 2 for j in range(size + 1)])


def shallow_sawtooth(k: int):
    """The depth-``k`` sawtooth with one hidden layer: ``2^k - 1`` units and an affine (skip) term.

    ``f(x) = 2^k x + sum_j c_j relu(x - j / 2^k)`` with ``c_j = -2^(k+1)`` for odd
    ``j`` and ``+2^(k+1)`` for even ``j``: the slope flips between ``2^k`` and ``-2^k``
    at every ``j / 2^k``.

    Examples
    --------
    >>> net = shallow_sawtooth(2)
    >>> net.widths, net.forward(np.array([[0.25], [0.5], [0.75], [1.0]])).ravel().tolist()
    ((3,), [1.0, 0.0, 1.0, 0.0])
    """
    from expressivity.networks.layered import LayeredNet

    k = _check_k(k, MAX_SHALLOW_K)
    size = 1 << k
    units = np.arange(1, size, dtype=np.float64)
    hidden = np.ones((size - 1, 1))
    out = np.where(units.astype(np.int64) % 2 == 1, -2.0 * size, 2.0 * size)[None, :]
    return LayeredNet.from_dense([hidden, out], [-units / size, [0.0]], skip=[[float(size)]],
                                 name=f"shallow_sawtooth(k={k})")


def one_layer_function(net, start, end) -> PiecewiseLinear:
    """A one-input, one-hidden-layer network (skip allowed) on ``[start, end]``, exactly, in ``O(w log w)``.

    Each unit ``c relu(w x + b)`` adds one kink at ``-b / w``; the function is its
    value at the knots, summed unit by unit.  (:func:`~expressivity.regions.segment.segment_partition`
    holds every unit's value at every point, which is quadratic for a wide layer.)
    """
    from expressivity.regions.networks import as_exact_net

    exact = as_exact_net(net)
    hidden = [layer for layer in exact.layers if layer.relu]
    if exact.n_inputs != 1 or exact.n_outputs != 1 or len(exact.layers) != 2 or len(hidden) != 1:
        raise InputError("one_layer_function needs one input, one hidden ReLU layer and one output")
    a, b = Fraction(start), Fraction(end)
    if not a < b:
        raise InputError(f"the segment [{a}, {b}] is empty")
    first, last = exact.layers
    units = [(Fraction(int(w), first.denominator), Fraction(int(c), first.denominator),
              Fraction(int(v), last.denominator))
             for (w,), c, v in zip(first.weight, first.bias, last.weight[0])]
    roots = sorted({-c / w for w, c, v in units if w != 0 and v != 0 and a < -c / w < b})
    knots = [a] + roots + [b]

    def value(x: Fraction) -> Fraction:
        return exact.forward_exact([x])[0]

    # the sum is affine between knots: its values at the knots define it
    if len(knots) <= 64:
        return PiecewiseLinear(knots, [value(x) for x in knots])
    return PiecewiseLinear(knots, _values_by_slopes(knots, units, exact, value))


def _values_by_slopes(knots, units, exact, value):
    """Values at sorted knots from the value at the left end and the slope changes (linear time)."""
    slope_change: dict = {}
    for w, c, v in units:
        if w != 0 and v != 0:
            slope_change[-c / w] = slope_change.get(-c / w, Fraction(0)) + v * abs(w)
    slope = (value(knots[0] + (knots[1] - knots[0]) / 2) - value(knots[0])) * 2 / (knots[1] - knots[0])
    values = [value(knots[0])]
    for x0, x1 in zip(knots, knots[1:]):
        values.append(values[-1] + slope * (x1 - x0))
        slope += slope_change.get(x1, Fraction(0))
    return values


def zigzag(k: int, folds: int = 3) -> ExactNet:
    """The ``folds``-fold zigzag of [0, 1] onto itself composed ``k`` times: width ``folds``, ``folds^k`` pieces.

    One layer computes ``g(x) = folds x - 2 folds sum_{j=1}^{folds-1} (-1)^(j+1) relu(x - j/folds)``
    (``x = relu(x)`` on [0, 1] gives the first unit).  ``folds = 2`` is the
    sawtooth.  Width 2 cannot fold three times: a layer's map is
    ``c1 relu(u1) + c2 relu(u2) + c0``, whose three pieces on [0, 1] have slopes
    ``A``, ``A + B``, ``B`` (or a constant piece), never alternating in sign, so
    Serra et al.'s ``3^k`` for width 2 needs another construction (not built here).

    Examples
    --------
    >>> from expressivity.regions.segment import segment_partition
    >>> segment_partition(zigzag(2, 3), 0, 1).pieces
    9
    """
    k = _check_k(k, 40)
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise InputError(f"folds must be an integer of at least 2, got {folds!r}")
    offsets = [Fraction(0)] + [Fraction(-j, folds) for j in range(1, folds)]
    coefficients = [Fraction(folds)] + [Fraction(2 * folds * (-1) ** j) for j in range(1, folds)]
    layers = [exact_layer([[1]] * folds, offsets, relu=True)]
    for _ in range(k - 1):
        layers.append(exact_layer([coefficients] * folds, offsets, relu=True))
    layers.append(exact_layer([coefficients], [0], relu=False))
    return ExactNet(tuple(layers), None, f"zigzag(k={k}, folds={folds})")


def interpolant(function, start, end, knots: int) -> PiecewiseLinear:
    """The piecewise-linear interpolant of ``function`` at ``knots`` equally spaced points of ``[start, end]``.

    ``function`` maps a Fraction to a number; float values are taken exactly.
    For ``|f''| <= M`` the interpolant is within ``M h^2 / 8`` of ``f``
    (:func:`interpolation_error_bound`, ``h`` the spacing).

    Examples
    --------
    >>> square = interpolant(lambda x: x * x, 0, 1, 5)
    >>> square.pieces, square(Fraction(1, 8)), interpolation_error_bound(2, Fraction(1, 4))
    (4, Fraction(1, 32), Fraction(1, 64))
    """
    if isinstance(knots, bool) or not isinstance(knots, int) or knots < 2:
        raise InputError(f"knots must be an integer of at least 2, got {knots!r}")
    a, b = Fraction(start), Fraction(end)
    if not a < b:
        raise InputError(f"the interval [{a}, {b}] is empty")
    xs = [a + (b - a) * i / (knots - 1) for i in range(knots)]
    return PiecewiseLinear(xs, [Fraction(function(x)) for x in xs])


def interpolation_error_bound(second_derivative_bound, spacing) -> Fraction:
    """``M h^2 / 8``: how far a linear interpolant on knots ``h`` apart can be from ``f`` with ``|f''| <= M``."""
    return Fraction(second_derivative_bound) * Fraction(spacing) ** 2 / 8


def one_layer_network(function: PiecewiseLinear) -> ExactNet:
    """A one-hidden-layer network equal to ``function`` on its domain: ``p - 1`` units for ``p`` pieces.

    ``f(x) = f(x_0) + s_0 (x - x_0) + sum_i (s_i - s_{i-1}) relu(x - x_i)``, the
    affine part as a skip connection; every weight exact (a Fraction).

    Examples
    --------
    >>> from expressivity.regions.segment import segment_partition
    >>> f = PiecewiseLinear([0, 1, 3], [1, 3, 2])
    >>> net = one_layer_network(f)
    >>> net.widths, segment_partition(net, 0, 3).function().equals(f)
    ((1,), True)
    """
    simple = function.simplified()
    xs, slopes = simple.knots, simple.slopes()
    inner = xs[1:-1]
    if not inner:  # an affine function still gets one unit, with output weight 0: a network needs a layer
        inner = (xs[0],)
        changes = [Fraction(0)]
    else:
        changes = [s1 - s0 for s0, s1 in zip(slopes, slopes[1:])]
    hidden = exact_layer([[1]] * len(inner), [-x for x in inner], relu=True)
    out = exact_layer([changes], [simple.values[0] - slopes[0] * xs[0]], relu=False)
    skip = exact_layer([[slopes[0]]], [0], relu=False)
    return ExactNet((hidden, out), skip, f"one_layer({len(inner)} units)")
