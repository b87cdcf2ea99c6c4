"""Exact 1D regions and pieces, checked against a plain Fraction sweep written here."""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from expressivity.errors import InputError
from expressivity.networks.layered import LayeredNet
from expressivity.regions.linear1d import PiecewiseLinear
from expressivity.regions.networks import ExactNet, NetworkFormError, as_exact_net
from expressivity.regions.sawtooth import (
    interpolant, interpolation_error_bound, one_layer_function, one_layer_network, sawtooth, sawtooth_function,
    shallow_sawtooth, zigzag,
)
from expressivity.regions.segment import RegionsLimit, segment_partition


# -- the independent reference: plain Fractions, one point at a time ---------------------------

def plain_layers(weights, biases):
    return [([[Fraction(w) for w in row] for row in W], [Fraction(b) for b in B]) for W, B in zip(weights, biases)]


def plain_forward(layers, x, upto=None):
    """Pre-activations of layer ``upto`` (0-based), or the outputs, at the input ``x``."""
    h = list(x)
    for index, (W, B) in enumerate(layers):
        z = [sum((w * v for w, v in zip(row, h)), Fraction(0)) + b for row, b in zip(W, B)]
        if index == upto:
            return z
        h = [max(v, Fraction(0)) for v in z] if index < len(layers) - 1 else z
    return h


def plain_sweep(layers, a, b):
    """Split [a, b] wherever a unit changes sign strictly; return (points, regions, pieces)."""
    points = [Fraction(a), Fraction(b)]
    for index in range(len(layers) - 1):
        values = [plain_forward(layers, [t], index) for t in points]
        new = []
        for i in range(len(points) - 1):
            for j in range(len(values[i])):
                zl, zr = values[i][j], values[i + 1][j]
                if zl * zr < 0:
                    new.append(points[i] + (points[i + 1] - points[i]) * zl / (zl - zr))
        points = sorted(set(points) | set(new))
    outputs = [plain_forward(layers, [t]) for t in points]
    slopes = [[(y1 - y0) / (points[i + 1] - points[i]) for y0, y1 in zip(outputs[i], outputs[i + 1])]
              for i in range(len(points) - 1)]
    kinks = sum(1 for s0, s1 in zip(slopes, slopes[1:]) if s0 != s1)
    return points, len(points) - 1, kinks + 1


def random_dyadic_net(rng, widths):
    sizes = [1] + list(widths) + [1]
    weights = [[[rng.randint(-8, 8) / 4 for _ in range(sizes[i])] for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]
    biases = [[rng.randint(-8, 8) / 8 for _ in range(sizes[i + 1])] for i in range(len(sizes) - 1)]
    return weights, biases


# -- the sawtooth ---------------------------------------------------------------------------------

@pytest.mark.parametrize("k", range(1, 13))
def test_sawtooth_has_2_to_the_k_regions_and_pieces(k):
    part = segment_partition(sawtooth(k), 0, 1)
    assert part.regions == part.pieces == 2**k
    assert part.breakpoints() == [Fraction(j, 2**k) for j in range(1, 2**k)]
    assert part.function().equals(sawtooth_function(k))


@pytest.mark.parametrize("k", [1, 2, 5])
def test_sawtooth_against_the_plain_sweep(k):
    net = sawtooth(k)
    layers = plain_layers([w.toarray().tolist() for w in net.weights], [b.tolist() for b in net.biases])
    points, regions, pieces = plain_sweep(layers, 0, 1)
    part = segment_partition(net, 0, 1)
    assert (part.regions, part.pieces, part.points()) == (regions, pieces, points)


@pytest.mark.parametrize("k", [1, 4, 9])
def test_shallow_sawtooth_is_proven_equal_to_the_deep_one(k):
    deep = segment_partition(sawtooth(k), 0, 1).function()
    shallow = shallow_sawtooth(k)
    assert shallow.widths == (2**k - 1,)
    assert one_layer_function(shallow, 0, 1).equals(deep)
    if k <= 4:  # the general sweep agrees (it holds every unit at every point: quadratic)
        assert segment_partition(shallow, 0, 1).function().equals(deep)


def test_a_changed_shallow_weight_is_caught():
    deep = segment_partition(sawtooth(3), 0, 1).function()
    shallow = shallow_sawtooth(3)
    out = shallow.weights[1].toarray()
    out[0, 3] += 2.0**-40
    changed = LayeredNet.from_dense([shallow.weights[0].toarray(), out], list(shallow.biases), skip=[[8.0]])
    assert not one_layer_function(changed, 0, 1).equals(deep)


@pytest.mark.parametrize("k, folds", [(1, 3), (3, 3), (2, 4), (4, 2)])
def test_zigzag_pieces(k, folds):
    net = zigzag(k, folds)
    assert net.widths == (folds,) * k
    part = segment_partition(net, 0, 1)
    assert part.pieces == part.regions == folds**k


# -- random networks against the plain sweep ---------------------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_random_networks_against_the_plain_sweep(seed):
    rng = random.Random(seed)
    widths = [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
    weights, biases = random_dyadic_net(rng, widths)
    a, b = Fraction(rng.randint(-8, 0), 4), Fraction(rng.randint(1, 8), 4)
    points, regions, pieces = plain_sweep(plain_layers(weights, biases), a, b)
    part = segment_partition(ExactNet.from_floats(weights, biases), a, b)
    assert (part.regions, part.pieces, part.points()) == (regions, pieces, points)
    assert part.values() == [plain_forward(plain_layers(weights, biases), [t]) for t in points]


def test_float32_torch_network_against_the_plain_sweep():
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(3)
    module = nn.Sequential(nn.Linear(1, 6), nn.ReLU(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 1))
    linears = [m for m in module if isinstance(m, nn.Linear)]
    layers = plain_layers([m.weight.detach().double().tolist() for m in linears],
                          [m.bias.detach().double().tolist() for m in linears])
    points, regions, pieces = plain_sweep(layers, -2, 2)
    part = segment_partition(module, -2, 2)
    assert (part.regions, part.pieces, part.points()) == (regions, pieces, points)


def test_segment_in_two_dimensions_against_the_plain_sweep():
    rng = random.Random(7)
    sizes = [2, 3, 3, 1]
    weights = [[[rng.randint(-6, 6) / 2 for _ in range(sizes[i])] for _ in range(sizes[i + 1])] for i in range(3)]
    biases = [[rng.randint(-4, 4) / 4 for _ in range(sizes[i + 1])] for i in range(3)]
    start, end = (Fraction(-1), Fraction(1, 3)), (Fraction(2), Fraction(-1))
    layers = plain_layers(weights, biases)
    # the reference sweeps t in [0, 1] on the same line, with the input map folded into layer 1
    (W1, B1) = layers[0]
    line = [([[sum(w * (e - s) for w, s, e in zip(row, start, end))] for row in W1],
             [sum(w * s for w, s in zip(row, start)) + c for row, c in zip(W1, B1)])] + layers[1:]
    points, regions, pieces = plain_sweep(line, 0, 1)
    part = segment_partition(ExactNet.from_floats(weights, biases), start, end)
    assert (part.regions, part.pieces, part.points()) == (regions, pieces, points)


# -- regions against pieces ------------------------------------------------------------------

def test_a_dead_output_weight_gives_a_region_but_no_piece():
    net = ExactNet.from_floats([[[1.0], [1.0]], [[1.0, 0.0]]], [[0.0, -0.5], [0.0]])
    part = segment_partition(net, -1, 1)
    assert (part.regions, part.pieces) == (3, 2)
    assert part.points() == [-1, 0, Fraction(1, 2), 1] and part.breakpoints() == [0]


def test_two_collinear_adjacent_pieces_merge():
    # relu(x) - relu(x) + x: two regions, one affine piece
    net = ExactNet.from_floats([[[1.0], [1.0]], [[1.0, -1.0]]], [[0.0, 0.0], [0.0]], skip=[[1.0]])
    part = segment_partition(net, -1, 1)
    assert (part.regions, part.pieces) == (2, 1)
    assert part.function().equals(PiecewiseLinear([-1, 1], [-1, 1]))


def test_a_unit_touching_zero_splits_nothing():
    # relu(x) - relu(-x) = x everywhere; a second layer unit relu(|x|)... touches zero at 0 only
    net = ExactNet.from_floats([[[1.0], [-1.0]], [[1.0, 1.0]], [[1.0]]], [[0.0, 0.0], [0.0], [0.0]])
    part = segment_partition(net, -1, 1)
    assert (part.regions, part.pieces) == (2, 2)


# -- torch modules and BatchNorm -----------------------------------------------------------------

def test_batchnorm_folding_matches_the_module():
    torch = pytest.importorskip("torch")
    from torch import nn

    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(1, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 3), nn.ReLU(),
                           nn.BatchNorm1d(3), nn.Linear(3, 1)).double()
    with torch.no_grad():
        for bn in (module[1], module[5]):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
            bn.weight.uniform_(-2, 2)
            bn.bias.uniform_(-1, 1)
    module.eval()
    net = as_exact_net(module)
    xs = np.linspace(-3, 3, 41)
    expected = module(torch.tensor(xs[:, None])).detach().numpy().ravel()
    exact = np.array([float(net.forward_exact([x])[0]) for x in xs])
    assert np.allclose(exact, expected, rtol=1e-12, atol=1e-12)
    part = segment_partition(module, -3, 3)
    for t, (y,) in zip(part.points(), part.values()):
        assert abs(float(y) - module(torch.tensor([[float(t)]], dtype=torch.float64)).item()) < 1e-9


def test_unsupported_torch_layers_are_refused():
    torch = pytest.importorskip("torch")
    from torch import nn

    with pytest.raises(NetworkFormError, match="Tanh"):
        as_exact_net(nn.Sequential(nn.Linear(1, 2), nn.Tanh(), nn.Linear(2, 1)))
    with pytest.raises(NetworkFormError, match="end with a Linear"):
        as_exact_net(nn.Sequential(nn.Linear(1, 2), nn.ReLU()))
    with pytest.raises(NetworkFormError):
        as_exact_net("not a network")
    del torch


# -- piecewise-linear algebra and universal approximation --------------------------------------------

def test_piecewise_linear_algebra_against_pointwise_evaluation():
    rng = random.Random(1)
    f = PiecewiseLinear([0, Fraction(1, 3), Fraction(1, 2), 1], [0, 1, Fraction(-1, 2), 1])
    g = PiecewiseLinear([0, Fraction(1, 4), 1], [Fraction(1, 2), 1, 0])
    total, composed, clipped = f + g, g.compose(PiecewiseLinear([0, 1], [0, 1])), f.relu_of(2, -1)
    for _ in range(50):
        x = Fraction(rng.randint(0, 1000), 1000)
        assert total(x) == f(x) + g(x)
        assert composed(x) == g(x)
        assert clipped(x) == max(2 * f(x) - 1, 0)
    tent = PiecewiseLinear([0, Fraction(1, 2), 1], [0, 1, 0])
    twice = tent.compose(tent)
    for _ in range(50):
        x = Fraction(rng.randint(0, 1000), 1000)
        assert twice(x) == tent(tent(x))


@pytest.mark.parametrize("knots", [2, 5, 17])
def test_interpolant_of_the_square_meets_its_bound_exactly(knots):
    f = interpolant(lambda x: x * x, -1, 1, knots)
    spacing = Fraction(2, knots - 1)
    midpoints = [x + spacing / 2 for x in f.knots[:-1]]
    worst = max(f(m) - m * m for m in midpoints)
    assert worst == interpolation_error_bound(2, spacing)  # M h^2 / 8 with M = 2, attained at midpoints
    net = one_layer_network(f)
    assert net.widths == (f.pieces - 1 if f.pieces > 1 else 1,)
    assert segment_partition(net, -1, 1).function().equals(f)


# -- bad input ---------------------------------------------------------------------------------

def test_bad_input_is_refused_with_one_line():
    tent = sawtooth(1)
    for call in (lambda: segment_partition(tent, 1, 0), lambda: segment_partition(tent, 0, 0),
                 lambda: segment_partition(tent, [0, 1], [1, 1]), lambda: segment_partition(tent, float("nan"), 1),
                 lambda: sawtooth(0), lambda: sawtooth(True), lambda: zigzag(2, 1),
                 lambda: PiecewiseLinear([0, 0], [1, 2]), lambda: interpolant(abs, 1, 0, 3),
                 lambda: ExactNet.from_floats([[[float("inf")]], [[1.0]]], [[0.0], [0.0]])):
        with pytest.raises(InputError) as caught:
            call()
        assert "\n" not in str(caught.value)


def test_limits_give_an_honest_stop():
    with pytest.raises(RegionsLimit):
        segment_partition(sawtooth(12), 0, 1, max_points=1000)


def test_two_units_vanishing_at_one_point_add_one_point():
    # relu(x - 1/2) and relu(2x - 1) vanish together at 1/2; a third unit at 1/4 in the same first interval
    net = ExactNet.from_floats([[[1.0], [2.0], [-4.0]], [[1.0, 1.0, 1.0]]], [[-0.5, -1.0, 1.0], [0.0]])
    part = segment_partition(net, 0, 1)
    assert part.points() == [0, Fraction(1, 4), Fraction(1, 2), 1]
    assert (part.regions, part.pieces) == (3, 3)
