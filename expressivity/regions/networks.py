"""ReLU networks as exact rational layers: from ``LayeredNet``, from a torch ``nn.Sequential``.

Every float64 (or float32) weight is a dyadic rational ``m / 2^e``, so a layer
``W h + b`` is stored exactly as integers over one common denominator:
``W = weight / denominator`` and ``b = bias / denominator`` (Python ints in
numpy object arrays: no rounding, no overflow; a power of two for float
weights, any positive integer for Fraction weights).  Each layer is followed by a ReLU or
not; the last one never is.  Two affine layers in a row stay two layers (their
product is never rounded).

``BatchNorm1d`` (in evaluation mode) becomes a diagonal affine layer
``x -> scale x + shift`` with ``scale = gamma / sqrt(var + eps)``: the square
root is irrational in general, so that one value is rounded to float64, once,
and everything after is exact arithmetic on the float64 network that results.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from expressivity.errors import InputError, echo


class NetworkFormError(InputError):
    """A network this package cannot read as Linear and ReLU layers."""


@dataclass(frozen=True, eq=False)
class ExactLayer:
    """``relu?((weight @ h + bias) / denominator)`` with integer ``weight`` and ``bias`` (object arrays)."""

    weight: np.ndarray
    bias: np.ndarray
    denominator: int
    relu: bool

    @property
    def width(self) -> int:
        return int(self.weight.shape[0])

    def as_floats(self) -> tuple[np.ndarray, np.ndarray]:
        """``(W, b)`` in float64 (rounded where the exact values need more than 53 bits)."""
        return (np.array([[float(Fraction(int(v), self.denominator)) for v in row] for row in self.weight]
                         ).reshape(self.weight.shape),
                np.array([float(Fraction(int(v), self.denominator)) for v in self.bias]))


@dataclass(frozen=True, eq=False)
class ExactNet:
    """A feed-forward ReLU network with exact rational weights, plus an optional input-to-output skip.

    Examples
    --------
    >>> net = ExactNet.from_floats([[[1.0], [1.0]], [[2.0, -4.0]]], [[0.0, -0.5], [0.0]])
    >>> net.widths, net.forward_exact([Fraction(3, 4)])
    ((2,), [Fraction(1, 2)])
    >>> net.layers[0].weight.tolist(), net.layers[0].bias.tolist(), net.layers[0].denominator
    ([[2], [2]], [0, -1], 2)
    """

    layers: tuple
    skip: ExactLayer | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.layers:
            raise NetworkFormError("a network needs at least one affine layer")
        if self.layers[-1].relu:
            raise NetworkFormError("the last layer must be affine (no ReLU after it)")
        previous = self.n_inputs
        for index, layer in enumerate(self.layers):
            if layer.weight.shape[1] != previous:
                raise NetworkFormError(f"layer {index + 1} reads {layer.weight.shape[1]} values, the previous gives {previous}")
            previous = layer.width
        if self.skip is not None and self.skip.weight.shape != (self.n_outputs, self.n_inputs):
            raise NetworkFormError("the skip connection must map the inputs to the outputs")

    @property
    def n_inputs(self) -> int:
        return int(self.layers[0].weight.shape[1])

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].width

    @property
    def widths(self) -> tuple[int, ...]:
        """Widths of the ReLU layers."""
        return tuple(layer.width for layer in self.layers if layer.relu)

    @property
    def neurons(self) -> int:
        return sum(self.widths)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_floats(cls, weights, biases, skip=None, name: str = "") -> "ExactNet":
        """Hidden layers with ReLU, then one affine output layer, from nested lists or arrays."""
        if len(weights) != len(biases) or not weights:
            raise NetworkFormError("give as many bias vectors as weight matrices, at least one")
        count = len(weights)
        layers = tuple(exact_layer(w, b, relu=i < count - 1) for i, (w, b) in enumerate(zip(weights, biases)))
        skip_layer = None
        if skip is not None:
            matrix = np.atleast_2d(np.asarray(skip, dtype=object))
            skip_layer = exact_layer(matrix, np.zeros(matrix.shape[0], dtype=object), relu=False)
        return cls(layers, skip_layer, name)

    # -- evaluation -----------------------------------------------------------------------
    def forward_exact(self, x) -> list[Fraction]:
        """The outputs at one input point, in exact rational arithmetic (the reference evaluator)."""
        point = [Fraction(v) for v in x]
        if len(point) != self.n_inputs:
            raise InputError(f"expected {self.n_inputs} input values, got {len(point)}")
        h = point
        for layer in self.layers:
            scale = Fraction(1, layer.denominator)
            h = [(sum((int(w) * v for w, v in zip(row, h)), Fraction(0)) + int(b)) * scale
                 for row, b in zip(layer.weight, layer.bias)]
            if layer.relu:
                h = [max(v, Fraction(0)) for v in h]
        if self.skip is not None:
            scale = Fraction(1, self.skip.denominator)
            h = [v + sum((int(w) * p for w, p in zip(row, point)), Fraction(0)) * scale
                 for v, row in zip(h, self.skip.weight)]
        return h

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Outputs for the rows of ``x`` in float64 (rounded; for plots and quick looks)."""
        x = np.asarray(x, dtype=np.float64)
        h = x
        for layer in self.layers:
            weight, bias = _floats(layer)
            h = h @ weight.T + bias
            if layer.relu:
                h = np.maximum(h, 0.0)
        if self.skip is not None:
            h = h + x @ _floats(self.skip)[0].T
        return h


def _floats(layer: ExactLayer):
    cache = layer.__dict__.setdefault("_float_cache", [])
    if not cache:
        cache.append(layer.as_floats())
    return cache[0]


def rational(value) -> Fraction:
    """``value`` (an int, a float or a Fraction) as an exact Fraction; floats are dyadic rationals.

    Examples
    --------
    >>> rational(0.375), rational(-3)
    (Fraction(3, 8), Fraction(-3, 1))
    """
    if isinstance(value, (int, np.integer, Fraction)):
        return Fraction(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise NetworkFormError(f"weights must be numbers, got {echo(value)}") from None
    if not np.isfinite(number):
        raise NetworkFormError(f"weights must be finite, got {number}")
    return Fraction(number)


def exact_layer(weight, bias, *, relu: bool) -> ExactLayer:
    """One layer with exact integer entries over their least common denominator."""
    matrix = np.atleast_2d(np.asarray(weight, dtype=object))
    vector = np.asarray(bias, dtype=object).reshape(-1)
    if matrix.ndim != 2 or vector.shape != (matrix.shape[0],):
        raise NetworkFormError(f"a layer needs a matrix and one bias per row, got {matrix.shape} and {vector.shape}")
    values = [rational(v) for v in list(matrix.ravel()) + list(vector)]
    denominator = math.lcm(1, *(v.denominator for v in values))
    ints = [v.numerator * (denominator // v.denominator) for v in values]
    size = matrix.size
    weights = np.empty(size, dtype=object)
    weights[:] = ints[:size]
    biases = np.empty(vector.size, dtype=object)
    biases[:] = ints[size:]
    return ExactLayer(weights.reshape(matrix.shape), biases, denominator, relu)


def from_layered(net) -> ExactNet:
    """A :class:`~expressivity.networks.layered.LayeredNet` (integer or float64 weights), exactly."""
    count = len(net.weights)
    layers = tuple(exact_layer(w.toarray(), np.asarray(b), relu=i < count - 1)
                   for i, (w, b) in enumerate(zip(net.weights, net.biases)))
    skip = None
    if net.skip is not None:
        skip = exact_layer(net.skip.toarray(), np.zeros(net.skip.shape[0], dtype=np.int64), relu=False)
    return ExactNet(layers, skip, net.name)


def from_torch(module) -> ExactNet:
    """A torch ``nn.Sequential`` of Linear, ReLU and BatchNorm1d (folded), exactly; others are refused.

    Identity, Flatten and Dropout (evaluation mode: the identity) are skipped.
    BatchNorm1d uses its running statistics (evaluation mode), its scale
    rounded to float64 once (see the module docstring).
    """
    from torch import nn

    if isinstance(module, nn.Linear):
        module = nn.Sequential(module)
    if not isinstance(module, nn.Sequential):
        raise NetworkFormError(f"expected an nn.Sequential of Linear and ReLU layers, got {type(module).__name__}")
    pending: list[list] = []  # [weight, bias] float64 arrays of affine layers not yet followed by a ReLU decision
    layers: list[ExactLayer] = []
    for index, child in enumerate(module):
        if isinstance(child, nn.Linear):
            weight = child.weight.detach().cpu().double().numpy()
            bias = (child.bias.detach().cpu().double().numpy() if child.bias is not None
                    else np.zeros(weight.shape[0]))
            pending.append([weight, bias])
        elif isinstance(child, nn.BatchNorm1d):
            if child.running_mean is None or child.running_var is None:
                raise NetworkFormError(f"layer {index} ({type(child).__name__}) keeps no running statistics")
            mean = child.running_mean.detach().cpu().double().numpy()
            var = child.running_var.detach().cpu().double().numpy()
            gamma = (child.weight.detach().cpu().double().numpy() if child.weight is not None else np.ones_like(mean))
            beta = (child.bias.detach().cpu().double().numpy() if child.bias is not None else np.zeros_like(mean))
            scale = gamma / np.sqrt(var + child.eps)  # the one rounding: sqrt is irrational in general
            pending.append([np.diag(scale), beta - scale * mean])
        elif isinstance(child, nn.ReLU):
            if not pending:
                raise NetworkFormError(f"layer {index}: a ReLU must follow a Linear or BatchNorm1d layer")
            layers += [exact_layer(w, b, relu=False) for w, b in pending[:-1]]
            layers.append(exact_layer(*pending[-1], relu=True))
            pending = []
        elif isinstance(child, (nn.Identity, nn.Flatten, nn.Dropout)):
            continue
        else:
            raise NetworkFormError(
                f"layer {index} is {type(child).__name__}: only Linear, ReLU, BatchNorm1d, Identity, Flatten "
                "and Dropout are read")
    if not pending:
        raise NetworkFormError("the network must end with a Linear (or BatchNorm1d) layer, not a ReLU")
    layers += [exact_layer(w, b, relu=False) for w, b in pending]
    try:
        return ExactNet(tuple(layers), None, type(module).__name__)
    except NetworkFormError as error:
        raise NetworkFormError(f"the layers do not fit together: {error}") from None


def as_exact_net(network) -> ExactNet:
    """An :class:`ExactNet` from an ``ExactNet``, a ``LayeredNet`` or a torch module."""
    if isinstance(network, ExactNet):
        return network
    from expressivity.networks.layered import LayeredNet

    if isinstance(network, LayeredNet):
        return from_layered(network)
    try:
        from torch import nn
    except ImportError:  # pragma: no cover - torch is a dependency
        nn = None
    if nn is not None and isinstance(network, nn.Module):
        return from_torch(network)
    raise NetworkFormError(f"expected a LayeredNet, an ExactNet or a torch nn.Sequential, got {echo(type(network).__name__)}")
