"""Closed forms, in n (and the arity k), for the size of every parity construction.

Each construction gets a :class:`SizeFormulas` record of sympy expressions:
hidden layers, the width of hidden layer ``l``, neurons, parameters (dense,
as torch counts them: every weight matrix entry and every bias, plus the
direct link where there is one), nonzero weights (biases not included), and
gates of the matching circuit.  Every formula evaluates *exactly* at integers
(``ceiling`` of rationals, and :class:`ceil_log` for the depth, computed with
integer arithmetic, not floating-point logarithms); the tests compare each one
with the built object for n = 1..20.

Compiled networks follow :mod:`expressivity.networks.compiler`: hidden layer
``l`` holds the gadgets of the gates at depth ``l`` (XOR_g: g units, AND: 1,
OR: 1) and one copy unit per value carried to a later layer.  For the XOR tree
of arity ``k``, level ``j`` holds ``m_j = ceil(n / k^j)`` values and hidden
layer ``l`` has width ``m_{l-1}``.  Its nonzero weights: a unit of a group
``G`` reads every unit of every operand in ``G``, so layer ``l`` has
``sum_G |G| * (units of G's operands)`` of them; all groups but the last are
full (``k`` values) and all values but the last have ``k`` units (1 at
``l = 1``), which gives ``k S - (k - r) T`` with ``S`` the units of layer
``l - 1``, ``r = m_{l-1} mod k`` and ``T`` the units read by the last group
(no correction when ``r = 0``).

Examples
--------
>>> f = formulas("xor_tree", arity=2)
>>> f.hidden_layers
ceil_log(n, 2)
>>> f.evaluate(16)["widths"], f.evaluate(16)["parameters"]
([16, 8, 4, 2], 457)

For ``n = k^d`` (``d >= 1``) the tree's sums close up (:func:`tree_at_powers`):

>>> f.at_powers["neurons"], f.at_powers["nonzero_weights"]
(2*(n - 1), 6*(n - 1))
>>> formulas("symmetric").parameters
(n + 1)**2
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy
from expressivity.errors import InputError, check_int
from sympy import Eq, Max, Mod, Piecewise, Sum, ceiling, floor

#: The number of input bits, the XOR tree's arity, and a hidden layer's index.
n, k, l = sympy.symbols("n k l", integer=True, positive=True)

CONSTRUCTIONS = ("xor_tree", "xor_chain", "dnf", "minterm", "symmetric", "skip", "zigzag")
QUANTITIES = ("hidden_layers", "neurons", "parameters", "nonzero_weights", "gates")


class ceil_log(sympy.Function):
    """``ceil(log_b a)``: the least ``L >= 0`` with ``b^L >= a``, exactly, for integers.

    Examples
    --------
    >>> ceil_log(8, 2), ceil_log(9, 2), ceil_log(1, 3), ceil_log(243, 3)
    (3, 4, 0, 5)
    >>> sympy.latex(ceil_log(n, k))
    '\\\\lceil \\\\log_{k} n \\\\rceil'
    """

    nargs = 2
    is_integer = True
    is_nonnegative = True

    @classmethod
    def eval(cls, a, b):
        if a.is_Integer and b.is_Integer:
            a, b = int(a), int(b)
            if a < 1 or b < 2:
                raise ValueError(f"ceil_log needs a >= 1 and b >= 2, got {a}, {b}")
            depth, power = 0, 1
            while power < a:
                power *= b
                depth += 1
            return sympy.Integer(depth)
        return None

    def _latex(self, printer):
        a, b = self.args
        return r"\lceil \log_{%s} %s \rceil" % (printer._print(b), printer._print(a))


#: The largest n the formulas are evaluated at (the ``count --bits`` limit): the XOR chain's
#: n - 1 widths are listed, and 2^(n-1) is written out exactly.
MAX_EVALUATE_BITS = 100_000


@dataclass(frozen=True)
class SizeFormulas:
    """The sizes of one construction as sympy expressions in ``n`` (and ``k``).

    ``width`` is the width of hidden layer ``l`` (the symbol :data:`l`), for
    ``1 <= l <= hidden_layers``.  ``gates`` is ``None`` where there is no
    Boolean circuit.  The formulas hold for ``n >= min_bits``.  ``at_powers``
    (the XOR tree only) holds simpler closed forms of some quantities that hold
    for ``n = k^d``, ``d >= 1``.
    """

    construction: str
    description: str
    hidden_layers: sympy.Expr
    width: sympy.Expr
    neurons: sympy.Expr
    parameters: sympy.Expr
    nonzero_weights: sympy.Expr
    gates: sympy.Expr | None
    min_bits: int = 1
    gates_note: str = ""
    at_powers: dict[str, sympy.Expr] | None = field(default=None, hash=False)

    def evaluate(self, bits: int, arity: int | None = None) -> dict[str, Any]:
        """Exact integer values at ``n = bits`` (and ``k = arity``); ``bits`` at most :data:`MAX_EVALUATE_BITS`.

        Examples
        --------
        >>> formulas("dnf").evaluate(4)
        {'hidden_layers': 2, 'widths': [8, 1], 'neurons': 9, 'parameters': 51, 'nonzero_weights': 41, 'gates': 13}
        """
        check_int(bits, "bits", maximum=MAX_EVALUATE_BITS, why="(the chain's n - 1 widths are listed)")
        if arity is not None and not isinstance(arity, sympy.Symbol):
            check_int(arity, "arity", minimum=2)
        if bits < self.min_bits:
            raise InputError(f"the {self.construction} formulas hold for n >= {self.min_bits}, got n = {bits}")
        values = {n: sympy.Integer(bits)}
        if arity is not None:
            values[k] = sympy.Integer(arity)
        depth = _integer(self.hidden_layers, values)
        result = {"hidden_layers": depth, "widths": _widths(self.width, values, depth)}
        for name in ("neurons", "parameters", "nonzero_weights", "gates"):
            expression = getattr(self, name)
            result[name] = None if expression is None else _integer(expression, values)
        return result

    def as_strings(self) -> dict[str, str | None]:
        """Each formula as text (for ``--json``)."""
        return {
            "hidden_layers": str(self.hidden_layers),
            "width(l)": str(self.width),
            "neurons": str(self.neurons),
            "parameters": str(self.parameters),
            "nonzero_weights": str(self.nonzero_weights),
            "gates": None if self.gates is None else str(self.gates),
        }


def _expand_sum(term, limits):
    variable, low, high = limits
    if not (low.is_Integer and high.is_Integer):
        return Sum(term, limits)
    return sympy.Add(*(term.xreplace({variable: sympy.Integer(i)}) for i in range(int(low), int(high) + 1)))


def _widths(width: sympy.Expr, values: dict, depth: int) -> list[int]:
    # A width polynomial in l (the chain's n + 1 - l) is evaluated with Python integers:
    # the chain has n - 1 layers, and sympy takes about 0.5 ms a layer.
    at_n = sympy.sympify(width).xreplace(values)
    if not at_n.is_polynomial(l):
        return [_integer(width, values | {l: sympy.Integer(i)}) for i in range(1, depth + 1)]
    coefficients = sympy.Poly(at_n, l).all_coeffs()
    denominator = math.lcm(*(int(c.q) for c in coefficients))
    numerators = [int(c * denominator) for c in coefficients]
    widths = []
    for layer in range(1, depth + 1):
        value = 0
        for c in numerators:
            value = value * layer + c
        quotient, remainder = divmod(value, denominator)
        if remainder:
            raise ValueError(f"width {width} at {values}, l = {layer} is {value}/{denominator}, not an integer")
        widths.append(quotient)
    return widths


def _integer(expression: sympy.Expr, values: dict) -> int:
    # Sums over layers are spelled out term by term (ten times faster than Sum.doit).
    value = sympy.sympify(expression).xreplace(values)
    value = value.replace(lambda e: isinstance(e, Sum) and len(e.limits) == 1, lambda e: _expand_sum(e.function, e.limits[0]))
    if not value.is_Integer:
        value = value.doit()
    if not value.is_Integer:
        raise ValueError(f"{expression} at {values} is {value}, not an integer")
    return int(value)


def xor_tree(arity: int | sympy.Symbol = k) -> SizeFormulas:
    """The compiled balanced XOR tree of fan-in ``arity`` (see the module docstring).

    Examples
    --------
    >>> f = xor_tree(3)
    >>> f.evaluate(9)["widths"], f.evaluate(10)["widths"]
    ([9, 3], [10, 4, 2])
    """
    a = sympy.sympify(arity)
    depth = ceil_log(n, a)

    def values_at(level):  # m_level = ceil(n / a^level)
        return ceiling(n / a**level)

    below = values_at(Max(l - 2, 0))  # units (or inputs) in layer l - 1
    width = values_at(l - 1)
    last_width = values_at(Max(depth - 1, 0))  # what the output reads (the inputs when n = 1)
    remainder = Mod(width, a)
    full_units = Piecewise((1, Eq(l, 1)), (a, True))  # units of every value of level l-1 but the last
    last_units = below - full_units * (width - 1)
    last_group = (remainder - 1) * full_units + last_units
    layer_nonzeros = Piecewise((a * below, Eq(remainder, 0)), (a * below - (a - remainder) * last_group, True))
    xor_gates = floor(width / a) + Piecewise((1, remainder >= 2), (0, True))
    gates = n - 1 if a == 2 else Sum(xor_gates, (l, 1, depth))
    return SizeFormulas(
        "xor_tree",
        f"compiled XOR tree of arity {a}",
        depth,
        width,
        Sum(width, (l, 1, depth)),
        Sum(width * (below + 1), (l, 1, depth)) + last_width + 1,
        Sum(layer_nonzeros, (l, 1, depth)) + last_width,
        gates,
        gates_note="XOR gates" + (": each merges two values into one" if a == 2 else ""),
        at_powers=tree_at_powers(a),
    )


def tree_at_powers(arity: int | sympy.Symbol = k) -> dict[str, sympy.Expr]:
    """Neurons, parameters and nonzero weights of the XOR tree for ``n = k^d``, ``d >= 1``.

    Every group is full: hidden layer ``l`` has ``k^(d-l+1)`` units (``k`` per
    gate), layer 1 reads the ``n`` inputs and layer ``l >= 2`` the ``k^(d-l+2)``
    units below it, and the output reads the ``k`` units of the last gate.  So

    * neurons ``= k + k^2 + ... + k^d = k (n - 1) / (k - 1)``;
    * parameters ``= n (n + 1) + sum_{l=2}^{d} k^(d-l+1) (k^(d-l+2) + 1) + k + 1
      = n (n + 1) + k (n^2 - k^2) / (k^2 - 1) + (n - k) / (k - 1) + k + 1``;
    * nonzero weights: each unit reads all ``k`` units of each of its gate's ``k``
      operands (``k`` inputs in layer 1), so layer 1 has ``k n``, layer ``l >= 2``
      has ``k^(d-l+3)``, and the output ``k``:
      ``k n + k^2 (n - k) / (k - 1) + k``.

    Examples
    --------
    >>> tree_at_powers(2)
    {'neurons': 2*(n - 1), 'parameters': (5*n**2 + 6*n - 5)/3, 'nonzero_weights': 6*(n - 1)}
    >>> [f.subs(n, 27) for f in tree_at_powers(3).values()]
    [39, 1042, 192]
    """
    a = sympy.sympify(arity)
    forms = {
        "neurons": a * (n - 1) / (a - 1),
        "parameters": n * (n + 1) + a * (n**2 - a**2) / (a**2 - 1) + (n - a) / (a - 1) + a + 1,
        "nonzero_weights": a * n + a**2 * (n - a) / (a - 1) + a,
    }
    return {name: sympy.factor(form) for name, form in forms.items()}


def xor_chain() -> SizeFormulas:
    """The compiled chain ``((x0 ^ x1) ^ x2) ^ ...``: layer ``l`` is an XOR gadget plus ``n - 1 - l`` copies.

    Examples
    --------
    >>> xor_chain().evaluate(5)["widths"]
    [5, 4, 3, 2]
    """
    width = n + 1 - l
    # layer 1: the XOR reads x0, x1 (2 units x 2) and n - 2 inputs are copied;
    # layer l >= 2: the XOR reads a gadget (2 units) and a copy (1 unit), twice, plus n - 1 - l copies.
    later = sympy.summation(width * (width + 2), (l, 2, n - 1))
    later_nonzeros = sympy.summation(n + 5 - l, (l, 2, n - 1))
    return SizeFormulas(
        "xor_chain",
        "compiled XOR chain",
        n - 1,
        width,
        sympy.factor(sympy.summation(width, (l, 1, n - 1))),
        sympy.expand(n * (n + 1) + later + 3),
        sympy.expand(n + 2 + later_nonzeros + 2),
        n - 1,
        min_bits=2,
        gates_note="XOR gates",
    )


def dnf() -> SizeFormulas:
    """The compiled parity DNF: 2^(n-1) AND units, one OR unit (NOT folded into the weights).

    Examples
    --------
    >>> dnf().parameters
    2**(n - 1)*(n + 2) + 3
    """
    terms = 2 ** (n - 1)
    return SizeFormulas(
        "dnf",
        "compiled DNF (AND of literals, then OR)",
        sympy.Integer(2),
        Piecewise((terms, Eq(l, 1)), (1, True)),
        terms + 1,
        terms * (n + 2) + 3,
        terms * (n + 1) + 1,
        terms + n + 1,
        gates_note="AND, OR and NOT gates (metrics.size)",
    )


def minterm() -> SizeFormulas:
    """One unit per odd-weight pattern (:func:`expressivity.networks.shallow.minterm`).

    Examples
    --------
    >>> minterm().evaluate(20)["neurons"]
    524288
    """
    terms = 2 ** (n - 1)
    return SizeFormulas(
        "minterm",
        "one hidden layer, one unit per odd pattern",
        sympy.Integer(1),
        terms,
        terms,
        terms * (n + 2) + 1,
        terms * (n + 1),
        terms + n + 1,
        gates_note="gates of the matching circuit parity_dnf(n)",
    )


def symmetric() -> SizeFormulas:
    """``n`` units ``relu(s - j)`` (:func:`expressivity.networks.shallow.symmetric`).

    Examples
    --------
    >>> symmetric().nonzero_weights
    n**2 + n
    """
    return SizeFormulas(
        "symmetric", "one hidden layer on s = sum(x)", sympy.Integer(1), n, n,
        (n + 1) ** 2, n**2 + n, None, gates_note="no Boolean circuit",
    )


def skip() -> SizeFormulas:
    """``n - 1`` units and a direct link (:func:`expressivity.networks.shallow.skip`).

    Examples
    --------
    >>> skip().parameters
    n**2 + 2*n - 1
    """
    return SizeFormulas(
        "skip", "one hidden layer on s = sum(x), direct input-output link", sympy.Integer(1), n - 1, n - 1,
        n**2 + 2 * n - 1, n**2 + n - 1, None, min_bits=2, gates_note="no Boolean circuit",
    )


def zigzag() -> SizeFormulas:
    """``n - 1`` units read with a threshold (:func:`expressivity.networks.shallow.zigzag`).

    Examples
    --------
    >>> zigzag().parameters
    n**2 + n - 1
    """
    return SizeFormulas(
        "zigzag", "one hidden layer on s = sum(x), thresholded output", sympy.Integer(1), n - 1, n - 1,
        n**2 + n - 1, n**2 - 1, None, min_bits=4, gates_note="no Boolean circuit",
    )


def formulas(construction: str, arity: int | sympy.Symbol = 2) -> SizeFormulas:
    """The formulas of ``construction`` (one of :data:`CONSTRUCTIONS`).

    Examples
    --------
    >>> formulas("xor_chain").neurons
    (n - 1)*(n + 2)/2
    """
    if not isinstance(arity, sympy.Symbol):
        check_int(arity, "arity", minimum=2)
    if construction == "xor_tree":
        return xor_tree(arity)
    makers = {"xor_chain": xor_chain, "dnf": dnf, "minterm": minterm, "symmetric": symmetric, "skip": skip,
              "zigzag": zigzag}
    if not isinstance(construction, str) or construction not in makers:
        raise InputError(f"unknown construction {construction!r}; choose from {', '.join(CONSTRUCTIONS)}"[:300])
    return makers[construction]()


def all_formulas(arity: int | sympy.Symbol = 2) -> dict[str, SizeFormulas]:
    """Every construction's formulas, in :data:`CONSTRUCTIONS` order."""
    return {name: formulas(name, arity) for name in CONSTRUCTIONS}


#: The shallow constructions :func:`ratios` compares with the deep one.
SHALLOW = ("minterm", "symmetric", "skip", "zigzag")


def ratios(bits: int, arity: int = 2, deep: str = "xor_tree") -> dict[str, dict[str, Fraction | None] | None]:
    """How many times larger each shallow construction is than ``deep``, at ``n = bits``, exactly.

    Each ratio is a :class:`fractions.Fraction` of the two exact sizes (``None``
    where ``deep`` has none of that quantity, as the tree has no units at
    ``n = 1``); a construction whose formulas do not hold at ``bits`` (zigzag
    below 4) maps to ``None``.

    Examples
    --------
    >>> gap = ratios(16)
    >>> gap["minterm"]["neurons"], float(gap["minterm"]["neurons"])
    (Fraction(16384, 15), 1092.2666666666667)
    >>> ratios(3)["zigzag"] is None, ratios(1)["symmetric"]["neurons"]
    (True, None)
    """
    reference = formulas(deep, arity).evaluate(bits, arity)
    result: dict[str, dict[str, Fraction | None] | None] = {}
    for name in SHALLOW:
        f = formulas(name, arity)
        if bits < f.min_bits:
            result[name] = None
            continue
        value = f.evaluate(bits, arity)
        result[name] = {q: Fraction(value[q], reference[q]) if reference[q] else None
                        for q in ("neurons", "parameters", "nonzero_weights")}
    return result


def power_terms(expression: sympy.Expr, values: dict) -> list[tuple[int, int]] | None:
    """``expression`` at ``values`` as exact terms ``(c, e)`` meaning ``sum c * 2**e``, highest first.

    Powers ``2**(n - 1)`` stay powers, so a value of a hundred thousand digits is
    written with a few (the CLI prints such values this way instead of in
    decimal).  ``None`` where the value is not a polynomial in ``2**(n - 1)``
    with integer coefficients.

    Examples
    --------
    >>> power_terms(minterm().parameters, {n: sympy.Integer(100000)})
    [(100002, 99999), (1, 0)]
    >>> power_terms(dnf().width, {n: sympy.Integer(10), l: sympy.Integer(1)})
    [(1, 9)]
    """
    power = sympy.Dummy("power")
    at = sympy.sympify(expression).xreplace({2 ** (n - 1): power}).xreplace(values)
    exponent = sympy.sympify(n - 1).xreplace(values)
    if not exponent.is_Integer:
        return None
    try:
        poly = sympy.Poly(sympy.expand(at), power)
    except sympy.PolynomialError:
        return None
    terms = []
    for (degree,), c in poly.terms():
        if not c.is_Integer:
            return None
        terms.append((int(c), degree * int(exponent)))
    return sorted(terms, key=lambda term: -term[1])
