"""The batched training engine: independence of models, gradients against torch's own Adam, early stop."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from expressivity.search.engine import (
    ENCODINGS,
    LOSSES,
    ModelSpec,
    TrainConfig,
    init_parameters,
    parity_signs,
    resolve_device,
    train_models,
)
from expressivity.verify.exhaustive import input_bits, parity_reference, verify_exhaustive


def same_model(a, b) -> bool:
    return (
        a.fitted == b.fitted
        and a.steps == b.steps
        and np.array_equal(a.hidden_weight, b.hidden_weight)
        and np.array_equal(a.hidden_bias, b.hidden_bias)
        and np.array_equal(a.output_weight, b.output_weight)
        and a.output_bias == b.output_bias
    )


@pytest.mark.parametrize("loss, encoding, n", [("logistic", "pm1", 4), ("hinge", "01", 3), ("squared", "pm1", 4)])
def test_batched_and_alone_training_agree_bit_for_bit(loss, encoding, n):
    config = TrainConfig(loss=loss, steps=300, lr=0.05, encoding=encoding)
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


def torch_reference(n, width, index, config, seed):
    """The baseline a user would write: nn.Sequential, torch.optim.Adam, stop when every input is right."""
    p = init_parameters(n, width, index, seed=seed, init=config.init)
    net = nn.Sequential(nn.Linear(n, width), nn.ReLU(), nn.Linear(width, 1)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(p["hidden_weight"]))
        net[0].bias.copy_(torch.tensor(p["hidden_bias"]))
        net[2].weight.copy_(torch.tensor(p["output_weight"])[None])
        net[2].bias.copy_(torch.tensor(p["output_bias"]))
    x = torch.tensor(input_bits(n, 0, 1 << n), dtype=torch.float64)
    x = 2 * x - 1 if config.encoding == "pm1" else x
    y = torch.tensor(parity_signs(n))
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


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("loss", LOSSES)
def test_hand_written_gradients_follow_torch_adam(loss, encoding):
    config = TrainConfig(loss=loss, encoding=encoding, steps=40, lr=0.02, init="kaiming", dtype="float64")
    model = train_models(3, [ModelSpec(3, 2)], config, seed=11)[0]
    net, _ = torch_reference(3, 3, 2, config, 11)
    assert np.allclose(net[0].weight.detach().numpy(), model.hidden_weight, rtol=0, atol=1e-8)
    assert np.allclose(net[0].bias.detach().numpy(), model.hidden_bias, rtol=0, atol=1e-8)
    assert np.allclose(net[2].weight.detach().numpy()[0], model.output_weight, rtol=0, atol=1e-8)
    # and the weights moved: the comparison is not between two untouched initialisations
    start = init_parameters(3, 3, 2, seed=11, init="kaiming")["hidden_weight"]
    assert np.abs(model.hidden_weight - start).max() > 1e-2


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
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["hidden_weight"], c["hidden_weight"])
    assert np.abs(a["hidden_weight"]).max() <= 1 / np.sqrt(5)
    rademacher = init_parameters(4, 8, 0, seed=0, init="rademacher")
    assert set(np.abs(rademacher["hidden_weight"]).ravel().round(12)) == {0.5}
    kaiming = init_parameters(4, 8, 0, seed=0, init="kaiming")
    assert not kaiming["hidden_bias"].any()


def test_training_results_do_not_depend_on_the_other_seeds_of_the_batch():
    # model (width 3, index 2) with different neighbours: same result
    config = TrainConfig(steps=150, lr=0.05, loss="hinge")
    one = train_models(3, [ModelSpec(3, 0), ModelSpec(3, 2)], config, seed=4)[1]
    two = train_models(3, [ModelSpec(6, 9), ModelSpec(3, 2), ModelSpec(1, 1)], config, seed=4)[1]
    assert same_model(one, two)


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="loss"):
        TrainConfig(loss="cross")
    with pytest.raises(ValueError, match="init"):
        TrainConfig(init="zeros")
    with pytest.raises(ValueError):
        TrainConfig(steps=-1)
    with pytest.raises(ValueError, match="width"):
        train_models(2, [ModelSpec(0, 0)])


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_an_error():
    with pytest.raises(ValueError, match="no CUDA GPU"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"


# -- sizes before work, and the change to 0/1 inputs ----------------------------------

def test_cost_estimate_chunks_as_the_engine_does(monkeypatch):
    import random

    import expressivity.search.engine as engine
    from expressivity.search.budget import slot_counts, training_cost

    rng = random.Random(1)
    for _ in range(60):
        n, seeds = rng.randint(1, 8), rng.randint(1, 200)
        widths = sorted(rng.sample(range(1, 40), rng.randint(1, 5)))
        budget = rng.choice([None, 1 << 10, 1 << 14, 1 << 18])
        chunks = []

        def record(n_, specs, *args):
            chunks.append((1 << n_) * len(specs) * engine.next_power_of_two(max(s.width for s in specs)))
            return [None] * len(specs)

        monkeypatch.setattr(engine, "_train_chunk", record)
        train_models(n, [ModelSpec(w, i) for w in widths for i in range(seeds)], TrainConfig(steps=0),
                     max_elements=budget)
        cost = training_cost(n, slot_counts(widths, seeds), 10, max_elements=budget)
        assert (cost.chunks, cost.largest_chunk) == (len(chunks), max(chunks))
        assert cost.elements == sum((1 << n) * engine.next_power_of_two(w) * seeds for w in widths)


def test_slot_counts_of_a_range_are_counted_not_listed():
    from expressivity.search.budget import slot_counts
    from expressivity.search.engine import next_power_of_two

    for low, high in [(1, 1), (1, 9), (3, 17), (5, 64), (100, 1000)]:
        brute = {}
        for w in range(low, high + 1):
            brute[next_power_of_two(w)] = brute.get(next_power_of_two(w), 0) + 3
        assert slot_counts(range(low, high + 1), 3) == brute == slot_counts(list(range(low, high + 1)), 3)
    huge = slot_counts(range(1, 10**12 + 1), 1)  # returns at once
    assert sum(huge.values()) == 10**12 and max(huge) == 1 << 40


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
