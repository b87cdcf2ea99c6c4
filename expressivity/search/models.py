"""What the search trains: its configuration, one model's identity and initial weights, and a trained model.

A model is a fully connected ReLU network on ``n`` input bits with hidden
widths ``shape = (w_1, ..., w_D)`` (``D`` hidden layers) and one output:

    h_0 = x,   h_l = relu(W_l h_{l-1} + b_l)  (l = 1..D),   out = a . h_D + c.

It computes the Boolean function ``f`` in the sign sense when ``out(x) > 0``
exactly where ``f(x) = 1``.  Inputs follow the toolkit's order everywhere: row
``p`` of a truth table is the input with ``x_i`` = bit ``i`` of ``p``.

A model is named by ``(seed, n, shape, index)``; its initial weights depend on
these alone (:func:`init_parameters`), never on the function it is trained on
or on the other models of its batch, so the same seeds start from the same
networks for every function.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from typing import Sequence

import numpy as np
import torch

from expressivity.errors import InputError, check_int
from expressivity.networks.layered import LayeredNet

LOSSES = ("logistic", "hinge", "squared")
INITS = ("uniform", "kaiming", "gaussian", "rademacher")
ENCODINGS = ("01", "pm1")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
#: The widest hidden layer a model may have: 2^20 units (a layer of 2^40 weights after it is past any memory).
MAX_WIDTH = 1 << 20
#: Hidden layers a search may ask for.
MAX_DEPTH = 4


@dataclass(frozen=True)
class TrainConfig:
    """How every model is trained.

    Attributes
    ----------
    loss : {"logistic", "hinge", "squared"}
        Of the margin ``z = y * out`` with ``y = +1`` where ``f = 1`` and ``-1``
        where ``f = 0``: ``log(1 + exp(-z))``, ``max(0, 1 - z)``, or
        ``(1 - z)^2 / 2`` (half the squared error).  Averaged over the ``2^n`` inputs.
    init : {"uniform", "kaiming", "gaussian", "rademacher"}
        ``uniform``: torch's ``nn.Linear`` default, weights and biases
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.  ``kaiming``: weights
        ``N(0, 2/fan_in)`` into hidden layers and ``N(0, 1/fan_in)`` into the
        output, zero biases.  ``gaussian``: weights ``N(0, 1/fan_in)``, zero biases.
        ``rademacher``: weights and biases ``+-1/sqrt(fan_in)`` with equal probability.
    encoding : {"01", "pm1"}
        Inputs as 0/1 bits or as -1/+1.
    steps : int
        Adam steps at most; a model stops at the first step where it
        classifies every input correctly.
    lr, beta1, beta2, eps : float
        Adam's settings.
    dtype : {"float32", "float64"}
        Training arithmetic.  (Every fit is re-checked in float64 afterwards.)
    """

    loss: str = "logistic"
    init: str = "uniform"
    encoding: str = "pm1"
    steps: int = 2000
    lr: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    dtype: str = "float32"

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("loss", self.loss, LOSSES),
            ("init", self.init, INITS),
            ("encoding", self.encoding, ENCODINGS),
            ("dtype", self.dtype, tuple(DTYPES)),
        ):
            if not isinstance(value, str) or value not in allowed:
                raise InputError(f"{name} must be one of {', '.join(allowed)}; got {value!r}"[:200])
        check_int(self.steps, "steps", minimum=0)
        for name in ("lr", "eps", "beta1", "beta2"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InputError(f"{name} must be a finite number, got {value!r}"[:200])
        if not self.lr > 0 or not self.eps > 0:
            raise InputError("lr and eps must be positive")
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise InputError("beta1 and beta2 must lie in [0, 1)")

    def key(self) -> str:
        """A short string naming this configuration (used in records and file names).

        Examples
        --------
        >>> TrainConfig().key()
        'loss=logistic,init=uniform,enc=pm1,steps=2000,lr=0.01,b1=0.9,b2=0.999,eps=1e-08,float32'
        """
        return (
            f"loss={self.loss},init={self.init},enc={self.encoding},steps={self.steps},"
            f"lr={self.lr:g},b1={self.beta1:g},b2={self.beta2:g},eps={self.eps:g},{self.dtype}"
        )

    def to_dict(self) -> dict:
        return asdict(self)


def check_shape(shape) -> tuple[int, ...]:
    """Hidden widths as a tuple: an int ``w`` is one hidden layer of width ``w``.

    Examples
    --------
    >>> check_shape(3), check_shape([8, 4])
    ((3,), (8, 4))
    """
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(check_int(w, "a width") for w in shape)  # how wide a search may go: search.budget
    except TypeError:
        raise InputError(f"a shape is a width or a sequence of widths, got {type(shape).__name__}") from None
    if not 1 <= len(shape) <= MAX_DEPTH:
        raise InputError(f"a network has 1..{MAX_DEPTH} hidden layers, got {len(shape)}")
    if min(shape) < 1:
        raise InputError(f"every width must be at least 1, got {shape}")
    return shape


def shape_text(shape: Sequence[int]) -> str:
    """``"3"`` for one hidden layer, ``"8,4"`` for two."""
    return ",".join(str(w) for w in shape)


@dataclass(frozen=True)
class ModelSpec:
    """One model to train: its hidden widths and its index among the seeds of that shape.

    ``ModelSpec(3, 0)`` is one hidden layer of width 3; ``ModelSpec((8, 4), 0)`` two layers.
    """

    shape: tuple
    index: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", check_shape(self.shape))
        check_int(max(self.shape), "a width", maximum=MAX_WIDTH, why="(units in one hidden layer)")
        check_int(self.index, "index", minimum=0)

    @property
    def width(self) -> int:
        """The first hidden layer's width (the width, for one hidden layer)."""
        return self.shape[0]


def model_rng(seed: int, n: int, shape, index: int) -> np.random.Generator:
    """The random generator of model ``index`` of hidden widths ``shape`` on ``n`` bits: nothing else enters it.

    For one hidden layer of width ``w`` the key is ``(seed, n, w, index)``.
    """
    shape = check_shape(shape)
    if min(seed, n, index) < 0:
        raise ValueError("seed, n and index must be non-negative")
    return _rng([seed, n, *shape, index])


def _rng(key: list) -> np.random.Generator:
    """``default_rng(SeedSequence(key))``; as uint32 words when each number is one (the same entropy, 4x faster)."""
    words = np.array(key, dtype=np.uint32) if max(key) < 1 << 32 else key
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))


def init_parameters(n: int, shape, index: int, *, seed: int, init: str) -> dict[str, np.ndarray]:
    """Initial float64 weights of one model, from ``(seed, n, shape, index)`` alone.

    Drawn layer by layer, each weight matrix ``(fan_out, fan_in)`` then its bias.
    One hidden layer gives the keys ``hidden_weight (w, n)``, ``hidden_bias``,
    ``output_weight (w,)``, ``output_bias (1,)``; every depth also gives
    ``weights`` and ``biases``, the lists of all layers (output last).

    Examples
    --------
    >>> p = init_parameters(3, 2, 0, seed=0, init="rademacher")
    >>> p["hidden_weight"].shape, sorted(set((p["hidden_weight"] ** 2 * 3).round(12).ravel().tolist()))
    ((2, 3), [1.0])
    >>> [w.shape for w in init_parameters(3, (4, 2), 0, seed=0, init="uniform")["weights"]]
    [(4, 3), (2, 4), (1, 2)]
    """
    shape = check_shape(shape)
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")
    rng = model_rng(seed, n, shape, index)
    sizes = [n, *shape, 1]
    weights, biases = [], []
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        scale = 1.0 / math.sqrt(fan_in)
        hidden = layer < len(shape)

        def draw(size, *, bias: bool) -> np.ndarray:
            if init == "uniform":
                return rng.uniform(-scale, scale, size=size)
            if init == "rademacher":
                return scale * rng.choice(np.array([-1.0, 1.0]), size=size)
            if bias:
                return np.zeros(size)
            if init == "kaiming":
                return rng.normal(0.0, scale * (math.sqrt(2.0) if hidden else 1.0), size=size)
            return rng.normal(0.0, scale, size=size)

        weights.append(draw((fan_out, fan_in), bias=False))
        biases.append(draw((fan_out,), bias=True))
    parameters = {"weights": weights, "biases": biases}
    if len(shape) == 1:
        parameters.update(hidden_weight=weights[0], hidden_bias=biases[0], output_weight=weights[1][0],
                          output_bias=biases[1])
    return parameters


def init_stacked(n: int, shape, indices: Sequence[int], *, seed: int, init: str) -> tuple[list, list]:
    """:func:`init_parameters` of the models ``indices`` of one shape, stacked (the same values, faster).

    Returns ``weights[l]`` ``(len(indices), fan_out, fan_in)`` and ``biases[l]``
    ``(len(indices), fan_out)``, output layer last.  The shape and seeds are
    checked once, and a ``uniform`` layer is one call of the generator (which fills
    its output in order: ``a + b`` values are the ``a`` then the ``b`` of two calls).

    Examples
    --------
    >>> stacked = init_stacked(3, (4, 2), [0, 5], seed=1, init="uniform")
    >>> one = init_parameters(3, (4, 2), 5, seed=1, init="uniform")
    >>> all((w[1] == v).all() and (b[1] == c).all() for w, b, v, c in zip(*stacked, one["weights"], one["biases"]))
    True
    """
    shape = check_shape(shape)
    sizes = [n, *shape, 1]
    layers = [(fan_in, fan_out, 1.0 / math.sqrt(fan_in)) for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    if init != "uniform":
        drawn = [init_parameters(n, shape, i, seed=seed, init=init) for i in indices]
        draws = [np.concatenate([a.ravel() for w, b in zip(p["weights"], p["biases"]) for a in (w, b)]) for p in drawn]
    elif min(seed, n, *indices) < 0:
        raise ValueError("seed, n and index must be non-negative")
    else:
        rngs = [_rng([seed, n, *shape, index]) for index in indices]
        draws = [np.concatenate([rng.uniform(-bound, bound, size=out * (into + 1)) for into, out, bound in layers])
                 for rng in rngs]
    table = np.stack(draws) if draws else np.zeros((0, sum(out * (into + 1) for into, out, _ in layers)))
    weights, biases, offset = [], [], 0
    for fan_in, fan_out, _ in layers:
        weights.append(table[:, offset : offset + fan_out * fan_in].reshape(-1, fan_out, fan_in))
        biases.append(table[:, offset + fan_out * fan_in : offset + fan_out * (fan_in + 1)])
        offset += fan_out * (fan_in + 1)
    return weights, biases


def target_signs(table: np.ndarray) -> np.ndarray:
    """``+1`` where the truth table is 1 and ``-1`` where it is 0 (float64, the table's row order).

    Examples
    --------
    >>> target_signs(np.array([0, 1, 1, 0], dtype=bool)).tolist()
    [-1.0, 1.0, 1.0, -1.0]
    """
    return 2.0 * np.asarray(table, dtype=np.float64) - 1.0


def parity_signs(n: int) -> np.ndarray:
    """``+1`` for inputs of odd parity and ``-1`` for even, in the verifier's input order.

    Examples
    --------
    >>> parity_signs(2).tolist()
    [-1.0, 1.0, 1.0, -1.0]
    """
    index = np.arange(1 << n, dtype=np.int64)
    parity = np.zeros(1 << n, dtype=np.int64)
    for bit in range(n):
        parity ^= (index >> bit) & 1
    return 2.0 * parity - 1.0


def parameter_count(n: int, shape) -> int:
    """Weights and biases of a network of hidden widths ``shape`` on ``n`` bits (one output).

    Examples
    --------
    >>> parameter_count(3, 2), parameter_count(4, (3, 3))
    (11, 31)
    """
    sizes = [n, *check_shape(shape), 1]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


def flops_per_step(n: int, shapes: Sequence) -> int:
    """Nominal floating-point operations of one training step of these models (a matmul count).

    Forward ``2 * 2^n * (weights and biases of the network)``, backward twice
    that, as for a dense implementation; the elementwise work is not counted.

    Examples
    --------
    >>> flops_per_step(2, [2])  # 6 * 4 inputs * (3 * 2 + 3 * 1) parameters
    216
    """
    return sum(6 * (1 << n) * parameter_count(n, shape) for shape in shapes)


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """One trained network and how its training went.

    ``fitted`` is the training arithmetic's verdict (every input on the right
    side of 0); the search re-checks it exactly in float64.  ``steps`` is the
    number of Adam updates applied (the step budget when the model did not fit).
    ``weights[l]`` is ``(fan_out, fan_in)``; the last layer is the output ``(1, w_D)``.
    """

    n: int
    shape: tuple
    index: int
    fitted: bool
    steps: int
    weights: tuple = field(repr=False)
    biases: tuple = field(repr=False)
    encoding: str = "01"  # the inputs this network reads: "01" (bits) or "pm1" (-1/+1)

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}; got {self.encoding!r}")
        object.__setattr__(self, "shape", check_shape(self.shape))
        object.__setattr__(self, "weights", tuple(np.asarray(w, dtype=np.float64) for w in self.weights))
        object.__setattr__(self, "biases", tuple(np.asarray(b, dtype=np.float64).reshape(-1) for b in self.biases))

    @classmethod
    def one_hidden_layer(cls, n, width, index, fitted, steps, hidden_weight, hidden_bias, output_weight,
                         output_bias=0.0, encoding="01") -> "TrainedModel":
        """A depth-1 model from its four arrays (the form of files written before deeper networks)."""
        return cls(n, (int(width),), index, fitted, steps,
                   (np.asarray(hidden_weight, dtype=np.float64), np.asarray(output_weight, dtype=np.float64)[None, :]),
                   (np.asarray(hidden_bias, dtype=np.float64), np.array([float(output_bias)])), encoding)

    @property
    def depth(self) -> int:
        return len(self.shape)

    @property
    def width(self) -> int:
        return self.shape[0]

    # One hidden layer: the four arrays by name.
    @property
    def hidden_weight(self) -> np.ndarray:
        return self.weights[0]

    @property
    def hidden_bias(self) -> np.ndarray:
        return self.biases[0]

    @property
    def output_weight(self) -> np.ndarray:
        return self.weights[-1][0]

    @property
    def output_bias(self) -> float:
        return float(self.biases[-1][0])

    def to_layered(self) -> LayeredNet:
        """The network in float64 as a :class:`LayeredNet` (one output, positive where ``f = 1``).

        It reads its inputs as :attr:`encoding` says (the name says so too);
        :meth:`with_01_inputs` gives the 0/1 network every other part of the
        toolkit expects.
        """
        inputs = "0/1" if self.encoding == "01" else "-1/+1"
        return LayeredNet.from_dense(list(self.weights), list(self.biases),
                                     name=f"trained n={self.n} shape={shape_text(self.shape)} #{self.index} "
                                          f"(inputs {inputs})")

    def with_01_inputs(self) -> tuple["TrainedModel", bool]:
        """The same network fed 0/1 bits, and whether the change of inputs was exact.

        A network trained on ``x in {-1, +1}^n`` reads bits ``b`` through
        ``x = 2b - 1``, so ``W x + c = (2W) b + (c - W 1)``.  Doubling is exact
        in float64; the new bias ``c - W 1`` is rounded once per subtraction, so
        ``exact`` says whether it equals ``c - W 1`` exactly (checked in rational
        arithmetic).  Either way the result is a float64 network in its own
        right: re-verify it before claiming anything about it.  Only the first
        layer changes.  A 0/1 model is returned as it is (exact).

        Examples
        --------
        >>> m = TrainedModel.one_hidden_layer(2, 2, 0, True, 3, [[1.0, 1.0], [1.0, 1.0]], [1.0, -1.0],
        ...                                   [1.0, -2.0], -0.5, encoding="pm1")
        >>> bits, exact = m.with_01_inputs()
        >>> bits.encoding, exact, bits.hidden_weight.tolist(), bits.hidden_bias.tolist()
        ('01', True, [[2.0, 2.0], [2.0, 2.0]], [-1.0, -3.0])
        """
        if self.encoding == "01":
            return self, True
        weight, old = self.weights[0], self.biases[0]
        bias = np.array(old, dtype=np.float64)
        for k in range(self.n):
            bias = bias - weight[:, k]
        exact = all(
            Fraction(float(new)) == Fraction(float(start)) - sum(map(Fraction, row.tolist()), Fraction(0))
            for new, start, row in zip(bias, old, weight)
        )
        converted = replace(self, weights=(2.0 * weight, *self.weights[1:]), biases=(bias, *self.biases[1:]),
                            encoding="01")
        return converted, exact

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights as named float64 arrays (what the search saves): ``weight_l``, ``bias_l`` for every layer.

        One hidden layer also keeps the four names files have always had.
        """
        named = {}
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            named[f"weight_{layer}"] = w
            named[f"bias_{layer}"] = b
        if self.depth == 1:
            named.update(hidden_weight=self.hidden_weight, hidden_bias=self.hidden_bias,
                         output_weight=self.output_weight, output_bias=np.array([self.output_bias]))
        return named

    @classmethod
    def from_arrays(cls, arrays, *, n: int, index: int, steps: int, encoding: str) -> "TrainedModel":
        """Read back :meth:`arrays` (or a file of the four depth-1 arrays)."""
        if "weight_0" in arrays:
            layers = sum(1 for key in arrays if str(key).startswith("weight_"))
            weights = [np.asarray(arrays[f"weight_{l}"]) for l in range(layers)]
            biases = [np.asarray(arrays[f"bias_{l}"]) for l in range(layers)]
            shape = tuple(w.shape[0] for w in weights[:-1])
            return cls(n, shape, index, True, steps, tuple(weights), tuple(biases), encoding)
        hidden = np.asarray(arrays["hidden_weight"])
        return cls.one_hidden_layer(n, hidden.shape[0], index, True, steps, hidden, arrays["hidden_bias"],
                                    arrays["output_weight"], float(np.asarray(arrays["output_bias"]).reshape(-1)[0]),
                                    encoding)
