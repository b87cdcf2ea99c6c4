"""The batched training engine: independence of models, gradients against torch's own Adam, early stop, sizes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import expressivity.search.engine as engine
from expressivity.functions import parse_function
from expressivity.search.engine import (
    ENCODINGS,
    LOSSES,
    MIN_SLOTS,
    PAD_UP_TO_BITS,
    ModelSpec,
    TrainConfig,
    init_parameters,
    resolve_device,
    slot_shape,
    train_models,
)
from expressivity.verify.exhaustive import input_bits, parity_reference, verify_exhaustive


def same_model(a, b) -> bool:
    """Bit for bit: identity, verdict, steps, and every layer's weights and biases."""
    return (
        (a.n, a.shape, a.index, a.encoding) == (b.n, b.shape, b.index, b.encoding)
        and a.fitted == b.fitted
        and a.steps == b.steps
        and len(a.weights) == len(b.weights) == len(a.biases) == len(b.biases) == len(a.shape) + 1
        and all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
        and all(np.array_equal(x, y) for x, y in zip(a.biases, b.biases))
    )


def popcount_parity(n: int) -> np.ndarray:
    """The parity truth table from the bits of each row index (independent of the library)."""
    return np.array([bin(k).count("1") % 2 == 1 for k in range(1 << n)])


@pytest.mark.parametrize("loss, encoding, n, dtype", [
    ("logistic", "pm1", 4, "float32"), ("hinge", "01", 3, "float32"), ("squared", "pm1", 4, "float32"),
    ("logistic", "pm1", 5, "float64"),
])
def test_batched_and_alone_training_agree_bit_for_bit(loss, encoding, n, dtype):
    config = TrainConfig(loss=loss, steps=300, lr=0.05, encoding=encoding, dtype=dtype)
    specs = [ModelSpec(width, index) for width in (1, 2, 3, 5) for index in range(6)]
    batch = train_models(n, specs, config, seed=7)
    # a different batch geometry: small chunks, and finished models dropped at every step
    chunked = train_models(n, specs[::-1], config, seed=7, max_elements=(1 << n) * 8 * 3, check_every=1)[::-1]
    positions = (0, 7, 14, 18, 20, 23)
    outcomes = {batch[i].fitted for i in positions}
    assert outcomes == {True, False}  # the comparison covers models that fit and models that do not
    for position in positions:
        alone = train_models(n, [specs[position]], config, seed=7)[0]
        assert same_model(alone, batch[position])
        assert same_model(alone, chunked[position])


# -- any function, any depth: a model's result does not depend on its batch -----------------------

INDEPENDENCE_SHAPES = [(3,), (5,), (2, 2), (3, 4)]


@pytest.mark.parametrize(
    "n, spec, loss, encoding",
    [
        (3, "parity", "logistic", "pm1"),  # padded regime (n <= PAD_UP_TO_BITS): every shape shares slots
        (3, "exactly:1", "hinge", "01"),
        (8, "majority", "hinge", "pm1"),  # unpadded regime: one slot shape per shape
        (8, "threshold:3", "squared", "01"),
    ],
)
def test_any_function_and_depth_trains_the_same_alone_and_in_any_batch(n, spec, loss, encoding, monkeypatch):
    assert (n <= PAD_UP_TO_BITS) == (slot_shape(n, (3,)) != (3,))  # the two regimes the cases mean to cover
    f = parse_function(spec, n)
    config = TrainConfig(loss=loss, encoding=encoding, steps=200, lr=0.05)
    compared = [ModelSpec(shape, index) for shape in INDEPENDENCE_SHAPES for index in range(4)]
    neighbours = [ModelSpec(shape, index) for shape in [(1,), (4, 4), (2,), (5, 3)] for index in range(3)]
    # one batch with the compared models among others, in the default chunks ...
    mixed = neighbours[:5] + compared + neighbours[5:]
    together = train_models(f, mixed, config, seed=3)[5 : 5 + len(compared)]
    # ... and another order, small chunks (other chunk, other slot), compaction at every step
    largest = max((1 << n) * sum(slot_shape(n, s.shape)) for s in compared)
    reordered = neighbours[::-1] + compared[::-1]
    chunks = []
    count_chunks(monkeypatch, lambda n_, shape, members: chunks.append(len(members)))
    chunked = train_models(f, reordered, config, seed=3, max_elements=2 * largest, check_every=1)
    monkeypatch.undo()
    chunked = chunked[len(neighbours) :][::-1]
    assert len(chunks) > len({slot_shape(n, s.shape) for s in reordered}) and max(chunks) < len(compared)
    verdicts = {m.fitted for m in together}
    assert verdicts == {True, False}, "the comparison must cover models that fit and models that do not"
    for spec_, in_batch, in_chunks in zip(compared, together, chunked):
        alone = train_models(f, [spec_], config, seed=3)[0]
        assert (alone.shape, alone.index) == (spec_.shape, spec_.index)
        assert same_model(alone, in_batch), spec_
        assert same_model(alone, in_chunks), spec_
        # the verdict is right: a fit classifies every input (numpy forward pass, float64)
        if alone.fitted:
            assert np.array_equal(numpy_forward(alone, encoded_inputs(n, encoding)) > 0, f.table)


def count_chunks(monkeypatch, record) -> None:
    """Call ``record(n, slot shape, members)`` for every chunk ``train_models`` builds, then build it as usual.

    The engine builds each chunk by calling its chunk class (``Chunk(n, shape, members, ...)``) by name.
    """
    names = [name for name in ("Chunk", "_Chunk") if isinstance(getattr(engine, name, None), type)]
    assert len(names) == 1, "train_models should build its chunks from one class in the engine's namespace"
    original = getattr(engine, names[0])

    def counting(n, shape, members, *args, **kwargs):
        record(n, shape, list(members))
        return original(n, shape, members, *args, **kwargs)

    monkeypatch.setattr(engine, names[0], counting)


def encoded_inputs(n: int, encoding: str) -> np.ndarray:
    bits = input_bits(n, 0, 1 << n).astype(np.float64)
    return 2 * bits - 1 if encoding == "pm1" else bits


def numpy_forward(model, inputs: np.ndarray) -> np.ndarray:
    """Plain float64 forward pass of any depth, rows of ``inputs`` as the model reads them."""
    hidden = inputs
    for weight, bias in zip(model.weights[:-1], model.biases[:-1]):
        hidden = np.maximum(0.0, hidden @ weight.T + bias)
    return hidden @ model.weights[-1][0] + model.biases[-1][0]


# -- the hand-written backward pass and Adam against torch autograd + torch.optim.Adam -------------

def torch_reference(target, shape, index, config, seed):
    """The baseline a user would write: nn.Sequential, torch.optim.Adam, stop when every input is right.

    ``target`` is an int ``n`` (parity, from the bits of each row) or a BooleanFunction (its table).
    """
    if isinstance(target, int):
        n, table = target, popcount_parity(target)
    else:
        n, table = target.n, np.asarray(target.table)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    p = init_parameters(n, shape, index, seed=seed, init=config.init)
    sizes = [n, *shape, 1]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    net = nn.Sequential(*layers[:-1]).double()
    linears = [m for m in net if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for linear, weight, bias in zip(linears, p["weights"], p["biases"]):
            linear.weight.copy_(torch.tensor(weight))
            linear.bias.copy_(torch.tensor(bias))
    x = torch.tensor(input_bits(n, 0, 1 << n), dtype=torch.float64)
    x = 2 * x - 1 if config.encoding == "pm1" else x
    y = torch.tensor(np.where(table, 1.0, -1.0))
    losses = {
        "logistic": lambda z: nn.functional.softplus(-z).mean(),
        "hinge": lambda z: torch.relu(1 - z).mean(),
        "squared": lambda z: (0.5 * (1 - z) ** 2).mean(),
    }
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)
    for step in range(config.steps + 1):
        margin = net(x)[:, 0] * y
        if bool((margin > 0).all()) or step == config.steps:
            break
        optimiser.zero_grad()
        losses[config.loss](margin).backward()
        optimiser.step()
    return net, step


def torch_layers(net):
    linears = [m for m in net if isinstance(m, nn.Linear)]
    return [m.weight.detach().numpy() for m in linears], [m.bias.detach().numpy() for m in linears]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("loss", LOSSES)
def test_hand_written_gradients_follow_torch_adam(loss, encoding):
    config = TrainConfig(loss=loss, encoding=encoding, steps=40, lr=0.02, init="kaiming", dtype="float64")
    model = train_models(3, [ModelSpec(3, 2)], config, seed=11)[0]
    net, _ = torch_reference(3, 3, 2, config, 11)
    assert np.allclose(net[0].weight.detach().numpy(), model.hidden_weight, rtol=0, atol=1e-8)
    assert np.allclose(net[0].bias.detach().numpy(), model.hidden_bias, rtol=0, atol=1e-8)
    assert np.allclose(net[2].weight.detach().numpy()[0], model.output_weight, rtol=0, atol=1e-8)
    assert np.allclose(net[2].bias.detach().numpy()[0], model.output_bias, rtol=0, atol=1e-8)
    # and the weights moved: the comparison is not between two untouched initialisations
    start = init_parameters(3, 3, 2, seed=11, init="kaiming")["hidden_weight"]
    assert np.abs(model.hidden_weight - start).max() > 1e-2


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(
    "spec, n, shape, init",
    [
        ("majority", 5, (4, 3), "uniform"),  # depth 2
        ("hex:b4e1", 4, (3, 4, 2), "gaussian"),  # depth 3, an arbitrary table
    ],
)
def test_hand_written_gradients_of_deep_networks_follow_torch_adam(spec, n, shape, init, loss, encoding):
    f = parse_function(spec, n)
    config = TrainConfig(loss=loss, encoding=encoding, steps=30, lr=0.02, init=init, dtype="float64")
    model = train_models(f, [ModelSpec(shape, 1)], config, seed=5)[0]
    net, step = torch_reference(f, shape, 1, config, 5)
    assert model.steps == step and model.fitted == (step < config.steps)
    weights, biases = torch_layers(net)
    assert len(weights) == len(model.weights) == len(shape) + 1
    for layer, (mine, theirs) in enumerate(zip(model.weights, weights)):
        assert mine.shape == theirs.shape, layer
        assert np.allclose(mine, theirs, rtol=0, atol=1e-8), layer
    for layer, (mine, theirs) in enumerate(zip(model.biases, biases)):
        assert np.allclose(mine, theirs, rtol=0, atol=1e-8), layer
    # every layer moved: the comparison is not between untouched initialisations
    start = init_parameters(n, shape, 1, seed=5, init=init)
    assert model.steps > 0
    for mine, first in zip(model.weights, start["weights"]):
        assert np.abs(mine - first).max() > 1e-3


def test_early_stop_at_the_same_step_as_the_baseline():
    config = TrainConfig(steps=400, lr=0.05, dtype="float64")
    models = train_models(2, [ModelSpec(2, i) for i in range(6)], config, seed=0)
    fitted = [m for m in models if m.fitted]
    assert fitted, "some width-2 network should fit XOR in 400 steps"
    for model in fitted:
        _, step = torch_reference(2, 2, model.index, config, 0)
        assert model.steps == step < config.steps
        check = verify_exhaustive(model.to_layered(), parity_reference, mode="sign", encoding="pm1")
        assert check.verified and check.margin > 0


def test_width_one_never_fits_xor():
    config = TrainConfig(steps=200, lr=0.05)
    for encoding in ENCODINGS:
        models = train_models(2, [ModelSpec(1, i) for i in range(16)], TrainConfig(steps=200, lr=0.05, encoding=encoding))
        assert not any(m.fitted for m in models)
        assert all(m.steps == config.steps for m in models)
        # and the exact verifier agrees on each: some input is on the wrong side
        for model in models:
            check = verify_exhaustive(model.to_layered(), parity_reference, mode="sign", encoding=encoding)
            assert check.status == "counterexample"


def test_initialisation_depends_only_on_the_model_identity():
    a = init_parameters(5, 3, 4, seed=1, init="uniform")
    b = init_parameters(5, 3, 4, seed=1, init="uniform")
    c = init_parameters(5, 3, 5, seed=1, init="uniform")
    assert sorted(a) == sorted(b) == ["biases", "hidden_bias", "hidden_weight", "output_bias", "output_weight",
                                      "weights"]
    for key in ("weights", "biases"):
        assert len(a[key]) == len(b[key]) == 2
        assert all(np.array_equal(x, y) for x, y in zip(a[key], b[key]))
    for key in ("hidden_weight", "hidden_bias", "output_weight", "output_bias"):
        assert np.array_equal(a[key], b[key])
    # the depth-1 names are the layers
    assert np.array_equal(a["hidden_weight"], a["weights"][0]) and np.array_equal(a["output_weight"], a["weights"][1][0])
    assert np.array_equal(a["hidden_bias"], a["biases"][0]) and np.array_equal(a["output_bias"], a["biases"][1])
    assert not np.array_equal(a["hidden_weight"], c["hidden_weight"])
    assert np.abs(a["hidden_weight"]).max() <= 1 / np.sqrt(5)
    assert np.abs(a["output_weight"]).max() <= 1 / np.sqrt(3)
    rademacher = init_parameters(4, 8, 0, seed=0, init="rademacher")
    assert set(np.abs(rademacher["hidden_weight"]).ravel().round(12)) == {0.5}
    kaiming = init_parameters(4, 8, 0, seed=0, init="kaiming")
    assert not kaiming["hidden_bias"].any()
    # deeper: every layer (fan_out, fan_in), bounded by 1/sqrt(fan_in); another shape is another model
    deep = init_parameters(5, (3, 4), 4, seed=1, init="uniform")
    assert [w.shape for w in deep["weights"]] == [(3, 5), (4, 3), (1, 4)]
    assert [b.shape for b in deep["biases"]] == [(3,), (4,), (1,)]
    assert "hidden_weight" not in deep
    for weight, bias in zip(deep["weights"], deep["biases"]):
        bound = 1 / np.sqrt(weight.shape[1])
        assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    again = init_parameters(5, [3, 4], 4, seed=1, init="uniform")
    assert all(np.array_equal(x, y) for x, y in zip(deep["weights"], again["weights"]))
    other = init_parameters(5, (3, 5), 4, seed=1, init="uniform")
    assert not np.array_equal(deep["weights"][0], other["weights"][0])


def test_training_results_do_not_depend_on_the_other_seeds_of_the_batch():
    # model (width 3, index 2) with different neighbours: same result
    config = TrainConfig(steps=150, lr=0.05, loss="hinge")
    one = train_models(3, [ModelSpec(3, 0), ModelSpec(3, 2)], config, seed=4)[1]
    two = train_models(3, [ModelSpec(6, 9), ModelSpec(3, 2), ModelSpec(1, 1)], config, seed=4)[1]
    assert same_model(one, two)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_large_chunk_trains_each_model_as_alone(dtype):
    # hundreds of slots: the products over all slots have thousands of rows (the BLAS may block them
    # otherwise than a few); a few steps suffice to compare every layer bit for bit
    config = TrainConfig(steps=25, lr=0.05, dtype=dtype)
    for n, shape in [(4, (3,)), (3, (5, 3))]:
        specs = [ModelSpec(shape, index) for index in range(700)]
        batch = train_models(n, specs, config, seed=2)
        for position in (0, 1, 350, 699):
            assert same_model(train_models(n, [specs[position]], config, seed=2)[0], batch[position])


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="loss"):
        TrainConfig(loss="cross")
    with pytest.raises(ValueError, match="init"):
        TrainConfig(init="zeros")
    with pytest.raises(ValueError):
        TrainConfig(steps=-1)
    with pytest.raises(ValueError, match="width"):
        train_models(2, [ModelSpec(0, 0)])
    with pytest.raises(ValueError, match="hidden layers"):
        ModelSpec((2, 2, 2, 2, 2), 0)
    with pytest.raises(ValueError, match="index"):
        ModelSpec(2, -1)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_an_error():
    with pytest.raises(ValueError, match="no CUDA GPU"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"


# -- sizes before work, and the change to 0/1 inputs ----------------------------------

def independent_slot(n: int, shape) -> tuple:
    """The engine's padding rule, written out: up to 6 bits, each width up to a power of two, at least 8."""
    if n > 6:
        return tuple(shape)
    return tuple(max(8, 1 << (w - 1).bit_length()) for w in shape)


def test_cost_estimate_chunks_as_the_engine_does(monkeypatch):
    import random

    from expressivity.search.budget import slot_counts, training_cost

    rng = random.Random(1)
    chunks = []
    # the real chunks, counted: the activation values of each (at least MIN_SLOTS slots)
    count_chunks(monkeypatch, lambda n_, shape, members: chunks.append((1 << n_) * sum(shape) *
                                                                       max(MIN_SLOTS, len(members))))
    for _ in range(40):
        n, seeds, depth = rng.randint(1, 8), rng.randint(1, 120), rng.randint(1, 3)
        widths = sorted(rng.sample(range(1, 40), rng.randint(1, 4)))
        budget = rng.choice([None, 1 << 10, 1 << 14, 1 << 18])
        chunks.clear()
        specs = [ModelSpec((w,) * depth, i) for w in widths for i in range(seeds)]
        trained = train_models(n, specs, TrainConfig(steps=0), max_elements=budget)
        assert [(m.shape, m.index) for m in trained] == [(s.shape, s.index) for s in specs]
        cost = training_cost(n, slot_counts(n, widths, seeds, depth), 10, max_elements=budget)
        assert (cost.chunks, cost.largest_chunk) == (len(chunks), max(chunks)), (n, seeds, depth, widths, budget)
        assert cost.elements == sum((1 << n) * sum(independent_slot(n, (w,) * depth)) * seeds for w in widths)


def test_slot_counts_of_a_range_are_counted_not_listed():
    from expressivity.search.budget import slot_counts

    for n in (3, 6, 7):
        for depth in (1, 2):
            for low, high in [(1, 1), (1, 9), (3, 17), (5, 64), (100, 300)]:
                brute = {}
                for w in range(low, high + 1):
                    key = independent_slot(n, (w,) * depth)
                    brute[key] = brute.get(key, 0) + 3
                assert slot_counts(n, range(low, high + 1), 3, depth) == brute
                assert slot_counts(n, list(range(low, high + 1)), 3, depth) == brute
    huge = slot_counts(3, range(1, 10**12 + 1), 1)  # returns at once
    assert sum(huge.values()) == 10**12 and max(huge) == (1 << 40,)
    deep = slot_counts(3, range(1, 10**12 + 1), 2, depth=3)
    assert sum(deep.values()) == 2 * 10**12 and max(deep) == (1 << 40,) * 3


@pytest.mark.parametrize("n", [2, 3, 5])
def test_networks_trained_on_pm1_read_bits_after_the_change_of_inputs(n):
    from fractions import Fraction

    config = TrainConfig(steps=0)  # the initial weights: arbitrary floats
    model = train_models(n, [ModelSpec(3, 0)], config, seed=5)[0]
    assert model.encoding == "pm1" and "-1/+1" in model.to_layered().name
    bits_model, exact = model.with_01_inputs()
    assert bits_model.encoding == "01" and bits_model.with_01_inputs() == (bits_model, True)
    bits = input_bits(n, 0, 1 << n)
    # exactly, in rational arithmetic: W (2b - 1) + c against W' b + c', unit by unit
    for b in bits.tolist():
        for j in range(3):
            w = [Fraction(float(v)) for v in model.hidden_weight[j]]
            old = sum((wk * (2 * bk - 1) for wk, bk in zip(w, b)), Fraction(float(model.hidden_bias[j])))
            new = sum((Fraction(float(v)) * bk for v, bk in zip(bits_model.hidden_weight[j], b)),
                      Fraction(float(bits_model.hidden_bias[j])))
            assert (old == new) or not exact
            assert abs(old - new) <= 1e-15 * (1 + abs(old))
    untouched = train_models(n, [ModelSpec(3, 0)], TrainConfig(steps=0, encoding="01"), seed=5)[0]
    assert untouched.with_01_inputs() == (untouched, True)
    # a deeper network: only the first layer changes, and the outputs agree
    deep = train_models(n, [ModelSpec((3, 2), 0)], config, seed=5)[0]
    deep_bits, _ = deep.with_01_inputs()
    assert deep_bits.shape == deep.shape == (3, 2) and deep_bits.encoding == "01"
    assert np.array_equal(deep_bits.weights[0], 2 * deep.weights[0])
    assert all(np.array_equal(x, y) for x, y in zip(deep_bits.weights[1:], deep.weights[1:]))
    assert all(np.array_equal(x, y) for x, y in zip(deep_bits.biases[1:], deep.biases[1:]))
    assert np.allclose(numpy_forward(deep_bits, encoded_inputs(n, "01")), numpy_forward(deep, encoded_inputs(n, "pm1")),
                       rtol=0, atol=1e-12)


def test_saved_arrays_read_back_at_every_depth():
    for shape in [(3,), (3, 2), (2, 4, 3)]:
        model = train_models(3, [ModelSpec(shape, 1)], TrainConfig(steps=5), seed=2)[0]
        arrays = model.arrays()
        assert sorted(k for k in arrays if k.startswith("weight_")) == [f"weight_{l}" for l in range(len(shape) + 1)]
        back = engine.TrainedModel.from_arrays(arrays, n=3, index=1, steps=model.steps, encoding=model.encoding)
        assert back.shape == shape and back.fitted
        assert all(np.array_equal(x, y) for x, y in zip(back.weights, model.weights))
        assert all(np.array_equal(x, y) for x, y in zip(back.biases, model.biases))
        if len(shape) == 1:  # the four names files have always had read back the same network
            old = {k: arrays[k] for k in ("hidden_weight", "hidden_bias", "output_weight", "output_bias")}
            four = engine.TrainedModel.from_arrays(old, n=3, index=1, steps=model.steps, encoding=model.encoding)
            assert all(np.array_equal(x, y) for x, y in zip(four.weights, model.weights))
            assert all(np.array_equal(x, y) for x, y in zip(four.biases, model.biases))


@pytest.mark.parametrize("seed, n, shape, index", [(0, 3, (2,), 0), (7, 11, (5, 3), 1234), (2**40, 4, (3,), 9)])
def test_model_generator_is_the_documented_one(seed, n, shape, index):
    # the key (seed, n, widths..., index) through SeedSequence and PCG64, as the records were made
    from expressivity.search.models import init_stacked, model_rng

    reference = np.random.default_rng(np.random.SeedSequence([seed, n, *shape, index]))
    assert np.array_equal(model_rng(seed, n, shape, index).random(16), reference.random(16))
    for init in ("uniform", "rademacher", "gaussian", "kaiming"):
        stacked = init_stacked(n, shape, [index, index + 1], seed=seed, init=init)
        alone = init_parameters(n, shape, index, seed=seed, init=init)
        assert all(np.array_equal(w[0], v) for w, v in zip(stacked[0], alone["weights"]))
        assert all(np.array_equal(b[0], c) for b, c in zip(stacked[1], alone["biases"]))
