"""Bounds on the number of activation regions of ReLU networks, as sympy formulas and exact values.

For an input dimension ``n0`` and hidden widths ``n_1, ..., n_L``:

- Zaslavsky (one hidden layer of width ``w``, an arrangement of ``w`` hyperplanes):
  at most ``sum_{i=0}^{n0} C(w, i)`` regions, attained in general position
  (``w + 1`` on a line).
- Montufar, Pascanu, Cho, Bengio (2014), lower bound (a construction, ``n_l >= n0``):
  ``prod_{l<L} floor(n_l / n0)^n0 * sum_{j=0}^{n0} C(n_L, j)``.
- Serra, Tjandraatmadja, Ramalingam (2018), upper bound:
  ``sum over j in J of prod_l C(n_l, j_l)``, ``0 <= j_l <= min(n0, n_1 - j_1, ...,
  n_{l-1} - j_{l-1}, n_l)``; and their lower bound
  ``prod_{l<L} (floor(n_l / n0) + 1)^n0 * sum_{j=0}^{n0} C(n_L, j)``.
  In 1D both are ``prod_l (n_l + 1)``.
- Telgarsky (2016), 1D linear pieces: at most ``prod_l 2 n_l`` (a sum of
  functions with ``s`` and ``t`` pieces has at most ``s + t``, a composition ``s t``).

These count regions of the whole input space; on a segment (``n0 = 1``) or a
plane (``n0 = 2``) the bounds for that dimension apply, since a network
restricted to a line or plane is a network with that many inputs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import sympy

from expressivity.errors import InputError

#: Symbols of the formulas: input dimension, width, hidden layers.
n0, w, L = sympy.symbols("n_0 w L", positive=True, integer=True)
_i = sympy.Symbol("i", integer=True, nonnegative=True)
#: The largest input dimension ``parse_architecture`` takes (the upper bound's sum has ``n0 + 1`` terms per layer).
MAX_DIMENSION = 64


@dataclass(frozen=True)
class RegionBound:
    """One bound: its formula for ``L`` hidden layers of width ``w`` and its exact value for the architecture."""

    name: str
    kind: str  # "upper" or "lower"
    counts: str  # "activation regions" or "linear pieces"
    formula: object  # sympy expression for uniform widths, or None where there is no closed form
    value: int
    source: str

    def to_dict(self) -> dict:
        """Plain JSON values; a value of 10,000 bits or more is an exact hexadecimal string."""
        return {"name": self.name, "kind": self.kind, "counts": self.counts,
                "formula_uniform_width": None if self.formula is None else str(self.formula),
                "value": self.value if self.value.bit_length() < 10_000 else hex(self.value),
                "source": self.source}


def _check(dimension, widths) -> tuple[int, tuple[int, ...]]:
    if isinstance(dimension, bool) or not isinstance(dimension, int) or dimension < 1:
        raise InputError(f"the input dimension must be a positive integer, got {dimension!r}")
    widths = tuple(widths)
    if not widths or any(isinstance(x, bool) or not isinstance(x, int) or x < 1 for x in widths):
        raise InputError(f"give at least one hidden width, each a positive integer, got {widths!r}")
    return dimension, widths


def zaslavsky(width: int, dimension: int) -> int:
    """Regions of ``width`` hyperplanes in general position in ``R^dimension``.

    Examples
    --------
    >>> zaslavsky(3, 2), zaslavsky(5, 1), zaslavsky(2, 4)
    (7, 6, 4)
    """
    return sum(math.comb(width, i) for i in range(dimension + 1))


def montufar_lower(dimension: int, widths) -> int:
    """Montufar et al.'s lower bound (regions some network of this architecture has; ``n_l >= n0``).

    Examples
    --------
    >>> montufar_lower(1, [2, 2, 2]), montufar_lower(2, [4, 4])
    (12, 44)
    """
    dimension, widths = _check(dimension, widths)
    product = math.prod((n // dimension) ** dimension for n in widths[:-1])
    return product * zaslavsky(widths[-1], dimension)


def serra_lower(dimension: int, widths) -> int:
    """Serra et al.'s lower bound: ``prod_{l<L} (floor(n_l/n0) + 1)^n0 * sum_{j<=n0} C(n_L, j)``.

    Examples
    --------
    >>> serra_lower(1, [2, 2, 2])
    27
    """
    dimension, widths = _check(dimension, widths)
    product = math.prod((n // dimension + 1) ** dimension for n in widths[:-1])
    return product * zaslavsky(widths[-1], dimension)


def serra_upper(dimension: int, widths) -> int:
    """Serra et al.'s upper bound, summed exactly by dynamic programming over ``d = min(n0, n_k - j_k, ...)``.

    Examples
    --------
    >>> serra_upper(1, [2, 2, 2]), serra_upper(2, [3]), serra_upper(2, [100, 100])
    (27, 7, 25512601)
    """
    dimension, widths = _check(dimension, widths)

    @lru_cache(maxsize=None)
    def total(layer: int, bound: int) -> int:
        if layer == len(widths):
            return 1
        n = widths[layer]
        return sum(math.comb(n, j) * total(layer + 1, min(bound, n - j)) for j in range(min(bound, n) + 1))

    return total(0, dimension)


def telgarsky_pieces(widths) -> int:
    """Telgarsky's bound on the linear pieces of a one-input network: ``prod_l 2 n_l``.

    Examples
    --------
    >>> telgarsky_pieces([2] * 10)
    1048576
    """
    _, widths = _check(1, widths)
    return math.prod(2 * n for n in widths)


def formulas() -> dict[str, object]:
    """The bounds as sympy formulas for ``L`` hidden layers of width ``w`` in ``n0`` dimensions.

    Examples
    --------
    >>> formulas()["zaslavsky"]
    Sum(binomial(w, i), (i, 0, n_0))
    """
    layers_sum = sympy.Sum(sympy.binomial(w, _i), (_i, 0, n0))
    return {
        "zaslavsky": layers_sum,
        "montufar_lower": sympy.floor(w / n0) ** (n0 * (L - 1)) * layers_sum,
        "serra_lower": (sympy.floor(w / n0) + 1) ** (n0 * (L - 1)) * layers_sum,
        "serra_upper_1d": (w + 1) ** L,
        "telgarsky_pieces_1d": (2 * w) ** L,
    }


def region_bounds(dimension: int, widths) -> list[RegionBound]:
    """Every bound that applies to ``dimension`` inputs and these hidden ``widths``, with exact values.

    Examples
    --------
    >>> [(b.name, b.value) for b in region_bounds(1, [2, 2])]
    [('Montufar et al. 2014', 6), ('Serra et al. 2018', 9), ('Serra et al. 2018', 9), ('Telgarsky 2016', 16)]
    """
    dimension, widths = _check(dimension, widths)
    uniform = len(set(widths)) == 1
    forms = formulas()

    def at(expression):
        if not uniform:
            return None
        return expression

    bounds = []
    if len(widths) == 1:
        bounds.append(RegionBound("Zaslavsky", "upper", "activation regions", forms["zaslavsky"],
                                  zaslavsky(widths[0], dimension), "hyperplane arrangements; attained in general position"))
    bounds += [
        RegionBound("Montufar et al. 2014", "lower", "activation regions", at(forms["montufar_lower"]),
                    montufar_lower(dimension, widths), "a construction exists (needs n_l >= n0)"),
        RegionBound("Serra et al. 2018", "lower", "activation regions", at(forms["serra_lower"]),
                    serra_lower(dimension, widths), "a construction exists (conditions in the paper)"),
        RegionBound("Serra et al. 2018", "upper", "activation regions",
                    at(forms["serra_upper_1d"]) if dimension == 1 else None, serra_upper(dimension, widths),
                    "sum over j of prod_l C(n_l, j_l), j_l <= min(n0, n_k - j_k for k < l, n_l)"),
    ]
    if dimension == 1:
        bounds.append(RegionBound("Telgarsky 2016", "upper", "linear pieces", at(forms["telgarsky_pieces_1d"]),
                                  telgarsky_pieces(widths), "sums add pieces, compositions multiply them"))
    return bounds


def parse_architecture(text: str) -> tuple[int, tuple[int, ...]]:
    """``"n0,w1,w2,..."`` (input dimension, then hidden widths) as integers; ``InputError`` otherwise.

    Examples
    --------
    >>> parse_architecture("2,100,100")
    (2, (100, 100))
    """
    parts = text.split(",")
    if len(parts) < 2 or len(text) > 2000:
        raise InputError(f"give the input dimension and at least one hidden width, like 2,100,100; got {text[:60]!r}")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"the architecture must be integers separated by commas, got {text[:60]!r}") from None
    if not 1 <= numbers[0] <= MAX_DIMENSION or any(n < 1 or n > 100_000 for n in numbers[1:]):
        raise InputError(f"the input dimension must lie in 1..{MAX_DIMENSION} and the widths in 1..100000")
    return numbers[0], tuple(numbers[1:])
