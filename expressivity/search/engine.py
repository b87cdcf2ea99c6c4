"""Many one-hidden-layer ReLU networks trained at once on n-bit parity, as one tensor program.

Every model computes ``out(x) = sum_j a_j relu(W_j . x + b_j) + c`` and is trained
full batch, on all ``2^n`` inputs, with its own Adam state, until it classifies
every input correctly (``y * out > 0``, with ``y = +1`` for odd parity) or the
step budget ends.  The models of a batch (all seeds, and all widths) are
stacked into flat parameter tensors and trained by a handful of whole-tensor
operations per step: no Python loop over models.

Independence of the models, bit for bit
---------------------------------------
A matrix product or a ``sum`` in torch may add the same numbers in a different
order when the tensor around them has a different size, so a model trained in
a batch would drift, after thousands of steps, from the same model trained
alone.  The engine avoids both:

* the pre-activations of all ``2^n`` inputs are built by doubling
  (inputs with bit ``k`` set are the inputs without it, plus ``W_k``), so
  every value is the same chain of additions whatever the batch;
* sums over inputs are halving folds (``2^n`` is a power of two), and the
  input-weighted sums of the backward pass are a butterfly of such folds;
* sums over hidden units are halving folds over a zero-padded power of two,
  and adding zeros is exact;
* Adam is written with single IEEE operations (no fused multiply-add).

So, on a CPU, a model's training depends only on ``(seed, n, width, index)``
and the configuration: alone or in any batch, it ends with the same weights,
bit for bit.  The one exception is the logistic loss, whose sigmoid is a
transcendental function that torch may round differently in its vectorised
and scalar code paths; it is evaluated in float64 and rounded, so that the
two agree except with a probability of about 2^-29 per evaluation.  (On a GPU,
the guarantee is only "the same up to rounding".)

The gradients are written out by hand (the network has one hidden layer), so
no autograd graph is built and every step is about ``5n + 20`` tensor operations.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np
import torch

from expressivity.networks.layered import LayeredNet

LOSSES = ("logistic", "hinge", "squared")
INITS = ("uniform", "kaiming", "gaussian", "rademacher")
ENCODINGS = ("01", "pm1")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
#: Default bound on ``2^n * models * padded width`` held in one chunk, per device type.
MAX_ELEMENTS = {"cpu": 1 << 22, "cuda": 1 << 27}
#: A chunk this large (elements) is worth its own per-step overhead: widths of another
#: power-of-two slot then start a new chunk instead of being padded.
SPLIT_ELEMENTS = 1 << 15
#: How often (in steps) the engine looks at how many models are still training.
CHECK_EVERY = {"cpu": 8, "cuda": 64}


@dataclass(frozen=True)
class TrainConfig:
    """How every model is trained.

    Attributes
    ----------
    loss : {"logistic", "hinge", "squared"}
        Of the margin ``z = y * out`` with ``y = +-1``: ``log(1 + exp(-z))``,
        ``max(0, 1 - z)``, or ``(1 - z)^2 / 2`` (half the squared error).
        Averaged over the ``2^n`` inputs.
    init : {"uniform", "kaiming", "gaussian", "rademacher"}
        ``uniform``: torch's ``nn.Linear`` default, weights and biases
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.  ``kaiming``: weights
        ``N(0, 2/fan_in)`` into the hidden layer and ``N(0, 1/fan_in)`` out of
        it, zero biases.  ``gaussian``: weights ``N(0, 1/fan_in)``, zero biases.
        ``rademacher``: weights and biases ``+-1/sqrt(fan_in)`` with equal
        probability.
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
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        if self.steps < 0:
            raise ValueError(f"steps must be at least 0, got {self.steps}")
        if not self.lr > 0 or not self.eps > 0:
            raise ValueError("lr and eps must be positive")
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError("beta1 and beta2 must lie in [0, 1)")

    def key(self) -> str:
        """A short string naming this configuration (used in records and file names).

        >>> TrainConfig().key()
        'loss=logistic,init=uniform,enc=pm1,steps=2000,lr=0.01,b1=0.9,b2=0.999,eps=1e-08,float32'
        """
        return (
            f"loss={self.loss},init={self.init},enc={self.encoding},steps={self.steps},"
            f"lr={self.lr:g},b1={self.beta1:g},b2={self.beta2:g},eps={self.eps:g},{self.dtype}"
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ModelSpec:
    """One model to train: its hidden width and its index among the seeds of that width."""

    width: int
    index: int


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """One trained network and how its training went.

    ``fitted`` is the training arithmetic's verdict (every input on the right
    side of 0); the search re-checks it exactly in float64.  ``steps`` is the
    number of Adam updates applied (the step budget when the model did not fit).
    """

    n: int
    width: int
    index: int
    fitted: bool
    steps: int
    hidden_weight: np.ndarray = field(repr=False)  # (width, n)
    hidden_bias: np.ndarray = field(repr=False)  # (width,)
    output_weight: np.ndarray = field(repr=False)  # (width,)
    output_bias: float = field(repr=False, default=0.0)
    encoding: str = "01"  # the inputs this network reads: "01" (bits) or "pm1" (-1/+1)

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}; got {self.encoding!r}")

    def to_layered(self) -> LayeredNet:
        """The network in float64 as a :class:`LayeredNet` (one output, positive for odd parity).

        It reads its inputs as :attr:`encoding` says (the name says so too);
        :meth:`with_01_inputs` gives the 0/1 network every other part of the
        toolkit expects.
        """
        inputs = "0/1" if self.encoding == "01" else "-1/+1"
        return LayeredNet.from_dense(
            [np.asarray(self.hidden_weight, dtype=np.float64), np.asarray(self.output_weight, dtype=np.float64)[None, :]],
            [np.asarray(self.hidden_bias, dtype=np.float64), np.array([self.output_bias], dtype=np.float64)],
            name=f"trained n={self.n} width={self.width} #{self.index} (inputs {inputs})",
        )

    def with_01_inputs(self) -> tuple["TrainedModel", bool]:
        """The same network fed 0/1 bits, and whether the change of inputs was exact.

        A network trained on ``x in {-1, +1}^n`` reads bits ``b`` through
        ``x = 2b - 1``, so ``W x + c = (2W) b + (c - W 1)``.  Doubling is exact
        in float64; the new bias ``c - W 1`` is rounded once per subtraction, so
        ``exact`` says whether it equals ``c - W 1`` exactly (checked in rational
        arithmetic).  Either way the result is a float64 network in its own
        right: re-verify it before claiming anything about it.  A 0/1 model is
        returned as it is (exact).

        >>> m = TrainedModel(2, 2, 0, True, 3, np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([1.0, -1.0]),
        ...                  np.array([1.0, -2.0]), -0.5, encoding="pm1")
        >>> bits, exact = m.with_01_inputs()
        >>> bits.encoding, exact, bits.hidden_weight.tolist(), bits.hidden_bias.tolist()
        ('01', True, [[2.0, 2.0], [2.0, 2.0]], [-1.0, -3.0])
        """
        if self.encoding == "01":
            return self, True
        weight = np.asarray(self.hidden_weight, dtype=np.float64)
        bias = np.array(self.hidden_bias, dtype=np.float64)
        for k in range(self.n):
            bias = bias - weight[:, k]
        exact = all(
            Fraction(float(new)) == Fraction(float(old)) - sum(map(Fraction, row.tolist()), Fraction(0))
            for new, old, row in zip(bias, np.asarray(self.hidden_bias, dtype=np.float64), weight)
        )
        converted = replace(self, hidden_weight=2.0 * weight, hidden_bias=bias, encoding="01")
        return converted, exact

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights as named float64 arrays (what the search saves)."""
        return {
            "hidden_weight": np.asarray(self.hidden_weight, dtype=np.float64),
            "hidden_bias": np.asarray(self.hidden_bias, dtype=np.float64),
            "output_weight": np.asarray(self.output_weight, dtype=np.float64),
            "output_bias": np.array([self.output_bias], dtype=np.float64),
        }


# -- devices and initial weights ---------------------------------------------


def resolve_device(device: str) -> torch.device:
    """``"auto"`` (a GPU when torch sees one), ``"cpu"`` or ``"cuda"``; ``ValueError`` if unusable.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if device == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("--device cuda was asked for, but torch sees no CUDA GPU on this machine")
        return torch.device("cuda")
    raise ValueError(f"device must be auto, cpu or cuda; got {device!r}")


def model_rng(seed: int, n: int, width: int, index: int) -> np.random.Generator:
    """The random generator of model ``index`` of width ``width`` on ``n`` bits: nothing else enters it."""
    if min(seed, n, width, index) < 0:
        raise ValueError("seed, n, width and index must be non-negative")
    return np.random.default_rng(np.random.SeedSequence([seed, n, width, index]))


def init_parameters(n: int, width: int, index: int, *, seed: int, init: str) -> dict[str, np.ndarray]:
    """Initial float64 weights of one model, from ``(seed, n, width, index)`` alone.

    >>> p = init_parameters(3, 2, 0, seed=0, init="rademacher")
    >>> p["hidden_weight"].shape, sorted(set((p["hidden_weight"] ** 2 * 3).round(12).ravel().tolist()))
    ((2, 3), [1.0])
    """
    rng = model_rng(seed, n, width, index)
    fan_in = {"hidden": n, "output": width}

    def draw(layer: str, shape, *, bias: bool) -> np.ndarray:
        scale = 1.0 / math.sqrt(fan_in[layer])
        if init == "uniform":
            return rng.uniform(-scale, scale, size=shape)
        if init == "rademacher":
            return scale * rng.choice(np.array([-1.0, 1.0]), size=shape)
        if bias:
            return np.zeros(shape)
        if init == "kaiming":
            return rng.normal(0.0, scale * (math.sqrt(2.0) if layer == "hidden" else 1.0), size=shape)
        if init == "gaussian":
            return rng.normal(0.0, scale, size=shape)
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")

    hidden_weight = draw("hidden", (width, n), bias=False)
    hidden_bias = draw("hidden", (width,), bias=True)
    output_weight = draw("output", (width,), bias=False)
    output_bias = draw("output", (1,), bias=True)
    return {
        "hidden_weight": hidden_weight,
        "hidden_bias": hidden_bias,
        "output_weight": output_weight,
        "output_bias": output_bias,
    }


def parity_signs(n: int) -> np.ndarray:
    """``+1`` for inputs of odd parity and ``-1`` for even, in the verifier's input order.

    >>> parity_signs(2).tolist()
    [-1.0, 1.0, 1.0, -1.0]
    """
    index = np.arange(1 << n, dtype=np.int64)
    parity = np.zeros(1 << n, dtype=np.int64)
    for bit in range(n):
        parity ^= (index >> bit) & 1
    return 2.0 * parity - 1.0


def next_power_of_two(value: int) -> int:
    return 1 << max(0, int(value) - 1).bit_length()


def flops_per_step(n: int, widths: Sequence[int]) -> int:
    """Nominal floating-point operations of one training step of these models (a matmul count).

    Forward ``2 * 2^n * (n + 1) * w`` (hidden layer and output), backward twice
    that, as for a dense implementation; the elementwise work is not counted.

    >>> flops_per_step(2, [2])
    144
    """
    return sum(6 * (1 << n) * (n + 1) * int(w) for w in widths)


# -- training -----------------------------------------------------------------


def train_models(
    n: int,
    specs: Sequence[ModelSpec],
    config: TrainConfig = TrainConfig(),
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
    max_elements: int | None = None,
    check_every: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[TrainedModel]:
    """Train the models ``specs`` on ``n``-bit parity, all at once; one result per spec, in order.

    Parameters
    ----------
    n : int
        Input bits (at least 1).
    specs : sequence of ModelSpec
        Widths and seed indices; model ``(width, index)`` starts from
        :func:`init_parameters` ``(n, width, index, seed=seed)``.
    config : TrainConfig
    seed : int
        The search's seed.
    device : str or torch.device
        ``"auto"``, ``"cpu"``, ``"cuda"``.
    max_elements : int, optional
        Bound on ``2^n * models * padded width`` per chunk; larger batches are
        trained in chunks (models sorted by width; a chunk past ``SPLIT_ELEMENTS``
        also ends where the padded width would grow).  Default from ``MAX_ELEMENTS``.
    check_every : int, optional
        Steps between looks at how many models still train (finished models
        are then dropped from the tensors).  Does not change any result.
    on_progress : callable, optional
        Called with a number of model-steps done (of ``len(specs) * config.steps``).

    Examples
    --------
    Two of six networks of width 2 fit XOR; width 1 never can (XOR is not
    linearly separable):

    >>> done = train_models(2, [ModelSpec(2, i) for i in range(6)] + [ModelSpec(1, 0)],
    ...                     TrainConfig(steps=300, lr=0.05))
    >>> [(m.width, m.fitted, m.steps) for m in done if m.fitted]
    [(2, True, 44), (2, True, 3)]
    >>> done[-1].fitted, done[-1].steps
    (False, 300)
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if any(spec.width < 1 for spec in specs):
        raise ValueError("every width must be at least 1")
    device = resolve_device(device) if isinstance(device, str) else device
    budget = max_elements or MAX_ELEMENTS.get(device.type, MAX_ELEMENTS["cuda"])
    every = check_every or CHECK_EVERY.get(device.type, CHECK_EVERY["cuda"])
    order = sorted(range(len(specs)), key=lambda i: (specs[i].width, specs[i].index))
    results: list[TrainedModel | None] = [None] * len(specs)
    chunk: list[int] = []
    for position in order + [None]:
        if position is not None:
            widest = next_power_of_two(specs[position].width)
            size = (1 << n) * len(chunk) * next_power_of_two(specs[chunk[-1]].width) if chunk else 0
            same_slot = bool(chunk) and widest == next_power_of_two(specs[chunk[-1]].width)
            fits = (1 << n) * (len(chunk) + 1) * widest <= budget
            if not chunk or (fits and (same_slot or size < SPLIT_ELEMENTS)):
                chunk.append(position)
                continue
        if chunk:
            trained = _train_chunk(n, [specs[i] for i in chunk], config, seed, device, every, on_progress)
            for i, model in zip(chunk, trained):
                results[i] = model
        chunk = [position] if position is not None else []
    return results  # type: ignore[return-value]


class _Layout:
    """Where each parameter lives in the flat vector ``[b (U) | a (U) | c (M) | W_0 (U) | ... | W_{n-1} (U)]``.

    ``U = M * slot`` hidden units: model ``m`` owns units ``m*slot .. m*slot + width - 1``;
    the rest of its slot is zero and stays zero (no gradient reaches it).
    This is also the order in which the backward butterfly produces the gradient.
    """

    def __init__(self, n: int, models: int, slot: int) -> None:
        self.n, self.models, self.slot = n, models, slot
        self.units = models * slot
        self.size = (n + 2) * self.units + models

    def views(self, theta: torch.Tensor):
        U, M = self.units, self.models
        hidden_bias = theta[:U]
        output_weight = theta[U : 2 * U]
        output_bias = theta[2 * U : 2 * U + M]
        hidden_weight = theta[2 * U + M :].view(self.n, U)
        return hidden_bias, output_weight, output_bias, hidden_weight

    def owner(self, device) -> torch.Tensor:
        """For each flat parameter, the model slot it belongs to."""
        unit_owner = torch.arange(self.models, device=device).repeat_interleave(self.slot)
        return torch.cat([unit_owner, unit_owner, torch.arange(self.models, device=device)] + [unit_owner] * self.n)

    def gather_index(self, keep: torch.Tensor) -> torch.Tensor:
        """Flat indices of the parameters of the model slots ``keep``, in the new layout's order."""
        U, M = self.units, self.models
        units = (keep[:, None] * self.slot + torch.arange(self.slot, device=keep.device)).reshape(-1)
        parts = [units, U + units, 2 * U + keep] + [2 * U + M + k * U + units for k in range(self.n)]
        return torch.cat(parts)


def _fold_rows(x: torch.Tensor) -> torch.Tensor:
    """Sum over the last axis (a power of two) by halving: the same additions whatever the other axes hold."""
    while x.shape[-1] > 1:
        half = x.shape[-1] // 2
        x = x[..., :half] + x[..., half:]
    return x[..., 0]


def _train_chunk(n, specs, config, seed, device, check_every, on_progress) -> list[TrainedModel]:
    dtype = DTYPES[config.dtype]
    P = 1 << n
    models = len(specs)
    slot = next_power_of_two(max(spec.width for spec in specs))
    layout = _Layout(n, models, slot)
    U = layout.units

    # Initial weights, model by model from its own generator, in float64 then rounded once.
    flat = np.zeros(layout.size, dtype=np.float64)
    for m, spec in enumerate(specs):
        p = init_parameters(n, spec.width, spec.index, seed=seed, init=config.init)
        units = np.arange(m * slot, m * slot + spec.width)
        flat[units] = p["hidden_bias"]
        flat[U + units] = p["output_weight"]
        flat[2 * U + m] = p["output_bias"][0]
        for k in range(n):
            flat[2 * U + models + k * U + units] = p["hidden_weight"][:, k]
    theta = torch.tensor(flat, dtype=dtype, device=device)
    first_moment = torch.zeros_like(theta)
    second_moment = torch.zeros_like(theta)
    owner = layout.owner(device)

    signs = torch.tensor(parity_signs(n), dtype=dtype, device=device)[:, None]  # (P, 1)
    signs_over_inputs = signs / P  # exact: P is a power of two
    pm1 = config.encoding == "pm1"
    beta1, beta2 = config.beta1, config.beta2

    active = torch.ones(models, dtype=torch.bool, device=device)
    fit_step = torch.full((models,), -1, dtype=torch.long, device=device)
    slot_spec = torch.arange(models, device=device)  # which spec each slot holds
    finished: dict[int, tuple[int, np.ndarray]] = {}  # spec position -> (fit step, flat params)
    reported = 0

    def harvest(slots: torch.Tensor) -> None:
        """Copy out the (frozen) parameters of model slots ``slots``."""
        if slots.numel() == 0:
            return
        values = theta[layout.gather_index(slots)].double().cpu().numpy()
        sub = _Layout(n, int(slots.numel()), slot)
        steps = fit_step[slots].cpu().numpy()
        positions = slot_spec[slots].cpu().numpy()
        for j, (position, step) in enumerate(zip(positions, steps)):
            finished[int(position)] = (int(step), _slot_parameters(values, sub, j))

    with torch.inference_mode():
        step = 0
        for step in range(config.steps + 1):
            if step and step % check_every == 0:
                running = int(active.sum())
                if on_progress is not None:
                    on_progress(check_every * layout.models)
                    reported += check_every * layout.models
                if running == 0:
                    break
                if running <= layout.models // 2:
                    # Drop finished models: every remaining column computes exactly as before.
                    harvest(torch.nonzero(~active).reshape(-1))
                    keep = torch.nonzero(active).reshape(-1)
                    index = layout.gather_index(keep)
                    theta, first_moment, second_moment = theta[index], first_moment[index], second_moment[index]
                    active, fit_step, slot_spec = active[keep], fit_step[keep], slot_spec[keep]
                    layout = _Layout(n, int(keep.numel()), slot)
                    owner = layout.owner(device)
                    U = layout.units
            M = layout.models
            hidden_bias, output_weight, output_bias, hidden_weight = layout.views(theta)

            # Forward: pre-activations of all 2^n inputs by doubling (row p has bit k of p as x_k).
            pre = torch.empty((P, U), dtype=dtype, device=device)
            pre[0] = hidden_bias
            for k in range(n):
                h = 1 << k
                torch.add(pre[:h], hidden_weight[k], out=pre[h : 2 * h])
                if pm1:
                    pre[:h].sub_(hidden_weight[k])
            hidden = pre.clamp_min_(0).view(P, M, slot)
            out = _fold_rows(hidden * output_weight.view(M, slot)) + output_bias  # (P, M)
            margin = out * signs
            correct = (margin > 0).all(0)
            fit_step = torch.where(active & correct, step, fit_step)
            active = active & ~correct
            if step == config.steps:
                break

            # Backward, by hand.  d loss / d margin, per input and model:
            if config.loss == "logistic":
                slope = -torch.sigmoid((-margin).double()).to(dtype)
            elif config.loss == "hinge":
                slope = -(margin < 1).to(dtype)
            else:
                slope = margin - 1
            grad_out = slope * signs_over_inputs  # (P, M): mean over inputs
            grad_hidden = torch.where(hidden > 0, grad_out.view(P, M, 1) * output_weight.view(M, slot), 0.0)
            grad_output_weight = grad_out.view(P, M, 1) * hidden
            # Butterfly over the input bits: fold pairs of rows that differ in bit k, and
            # keep (for the hidden units) the signed difference: the gradient of W_k.
            state = torch.cat([grad_hidden.view(P, U), grad_output_weight.view(P, U), grad_out], 1)
            for k in range(n):
                pairs = state.view(state.shape[0] // 2, 2, state.shape[1])
                low, high = pairs[:, 0], pairs[:, 1]
                weighted = high[:, :U] - low[:, :U] if pm1 else high[:, :U]
                state = torch.cat([low + high, weighted], 1)
            grad = state.view(-1)  # in the layout's order

            # Adam, single IEEE operations only; finished models keep their weights.
            t = step + 1
            first_moment.mul_(beta1).add_(grad * (1 - beta1))
            second_moment.mul_(beta2).add_(grad * grad * (1 - beta2))
            denominator = (second_moment / (1 - beta2**t)).sqrt_().add_(config.eps)
            update = (first_moment * (config.lr / (1 - beta1**t))) / denominator
            theta = theta - torch.where(active[owner], update, 0.0)

        if on_progress is not None:
            on_progress(len(specs) * config.steps - reported)
        fit_step = torch.where(active, -1, fit_step)
        harvest(torch.arange(layout.models, device=device))

    trained = []
    for position, spec in enumerate(specs):
        step_fit, params = finished[position]
        fitted = step_fit >= 0
        trained.append(
            TrainedModel(
                n=n,
                width=spec.width,
                index=spec.index,
                fitted=fitted,
                steps=step_fit if fitted else config.steps,
                hidden_weight=params["hidden_weight"][: spec.width],
                hidden_bias=params["hidden_bias"][: spec.width],
                output_weight=params["output_weight"][: spec.width],
                output_bias=float(params["output_bias"]),
                encoding=config.encoding,
            )
        )
    return trained


def _slot_parameters(values: np.ndarray, layout: _Layout, m: int) -> dict:
    U, M, slot = layout.units, layout.models, layout.slot
    units = np.arange(m * slot, (m + 1) * slot)
    weights = values[2 * U + M :].reshape(layout.n, U)[:, units].T
    return {
        "hidden_bias": values[units],
        "output_weight": values[U + units],
        "output_bias": values[2 * U + m],
        "hidden_weight": weights,
    }
