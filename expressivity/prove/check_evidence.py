"""The evidence the records checker reads, checked in integer and Fraction arithmetic: networks, Farkas, hulls.

Part of the standalone checker (:mod:`expressivity.prove.check`): like its
siblings this file imports only the standard library and numpy.  A network is
evaluated on every input with Python integers (each layer scaled by the lcm of
its denominators, which ``relu`` commutes with); Farkas multipliers are summed
over rows rebuilt from a combination's patterns and signs alone; a hull
certificate is one point written twice with integer weights.  :class:`Report`
is the tally the census and cube checks write into.

Examples
--------
>>> table_of("6996", 4)[:8]
[0, 1, 1, 0, 1, 0, 0, 1]
>>> check_farkas([0, 1, 1, 0], {"patterns": [2], "signs": [1], "rows": [[0, 1], [6, 1], [5, 1]]})
'Farkas multipliers do not sum the rows to 0 = positive'
>>> restrict(0b0110, 2, 0, 1)      # XOR on x0 = 1 is NOT x1: rows 1 and 3 hold 1, 0
1
"""
from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction

import numpy as np

#: The largest n whose networks are evaluated on every input here.
MAX_BITS = 16


#: The largest n of a cube closed through a facet that is checked (its facet's input transforms are listed).
MAX_FACET_BITS = 7


class BadRecord(ValueError):
    """A record whose evidence is malformed: a failed check, not bad input."""


def table_of(hex_: str, n: int) -> list[int]:
    """The truth table of ``n`` bits written as ``hex_`` (module docstring), rows 0..2^n-1."""
    if not isinstance(hex_, str) or not isinstance(n, int) or not 0 <= n <= MAX_BITS:
        raise BadRecord(f"no function: hex {hex_!r}, n {n!r}")
    if len(hex_) != max(1, (1 << n) // 4) or not re.fullmatch(r"[0-9a-fA-F]+", hex_):
        raise BadRecord(f"hex {hex_[:40]!r} is not a table of {n} bits")
    mask = int(hex_, 16)
    if mask >> (1 << n):
        raise BadRecord(f"hex {hex_} has bits beyond row {(1 << n) - 1}")
    return [(mask >> k) & 1 for k in range(1 << n)]


def parity_table(n: int) -> list[int]:
    """The table of parity, the target of prove-width records written before functions were a parameter."""
    return [bin(k).count("1") & 1 for k in range(1 << n)]


def as_int(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRecord(f"expected an integer, got {value!r}"[:80])
    return value


def as_rational(value) -> Fraction:
    """An exact rational from an int, a string ``"p/q"`` or a float (a float is a dyadic rational, read exactly)."""
    if isinstance(value, bool):
        raise BadRecord(f"expected a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not np.isfinite(value):
            raise BadRecord(f"not a finite number: {value!r}")
        return Fraction(value.item() if hasattr(value, "item") else value)
    if isinstance(value, str):
        try:
            return Fraction(value)
        except (ValueError, ZeroDivisionError):
            pass
    raise BadRecord(f"expected a rational, got {value!r}"[:80])


def _inputs(n: int, encoding: str = "01") -> np.ndarray:
    rows = np.arange(1 << n)
    bits = ((rows[:, None] >> np.arange(n)) & 1).astype(object)
    return bits if encoding == "01" else 2 * bits - 1


def evaluate(layers, n: int, encoding: str = "01") -> tuple[np.ndarray, int]:
    """Exact outputs of a ReLU network on all ``2^n`` inputs, as integers and one positive scale.

    ``layers``: ``(W, b)`` pairs of rationals, hidden layers then the one-output
    layer.  Returns ``(values, scale)`` with output ``= values / scale``: each
    layer is scaled to integers by the lcm of its denominators (``relu`` commutes
    with a positive scale), so only Python integers are multiplied.

    Examples
    --------
    >>> values, scale = evaluate([([[1, 1], [1, 1]], [0, -1]), ([[1, -2]], [0])], 2)   # XOR
    >>> [int(v) for v in values], scale
    ([0, 1, 1, 0], 1)
    """
    h, scale = _inputs(n, encoding), 1
    for depth, (weights, bias) in enumerate(layers):
        w = [[as_rational(v) for v in row] for row in weights]
        b = [as_rational(v) for v in bias]
        if len(w) != len(b) or any(len(row) != h.shape[1] for row in w) or (depth == len(layers) - 1 and len(w) != 1):
            raise BadRecord(f"layer {depth} has the wrong shape")
        common = 1
        for v in itertools.chain(b, *w):
            common = common * v.denominator // math.gcd(common, v.denominator)
        w_int = np.array([[int(v * common) for v in row] for row in w], dtype=object).reshape(len(w), h.shape[1])
        b_int = np.array([int(v * common * scale) for v in b], dtype=object)
        # h holds scale * h_true with scale an integer; z = common * scale * z_true
        z = h.dot(w_int.T) + b_int[None, :] if len(b) else np.zeros((len(h), 0), dtype=object)
        scale = scale * common
        h = z if depth == len(layers) - 1 else np.where(z > 0, z, 0)
    return h[:, 0], scale


def judge(values, scale: int, table, variant: str, target_scale: int = 1) -> str:
    """"" if the outputs compute ``table`` in ``variant``, else the first input where they do not."""
    for k, (value, bit) in enumerate(zip(values, table)):
        ok = (value > 0) == bool(bit) if variant == "sign" else Fraction(value) / scale == target_scale * bit
        if not ok:
            return f"the network is wrong on input row {k} (f = {bit}, output {Fraction(value) / scale})"
    return ""


def check_certificate(cert, table, n: int, variant: str = "sign") -> str:
    """An integer certificate ``{weights, biases, output_weights, output_bias, scale}``: "" if it computes ``table``."""
    try:
        weights = [[as_int(v) for v in row] for row in cert["weights"]]
        biases = [as_int(v) for v in cert["biases"]]
        out = [as_int(v) for v in cert["output_weights"]]
        scale = as_int(cert.get("scale", 1))
        values, s = evaluate([(weights, biases), ([out], [as_int(cert["output_bias"])])], n)
    except (KeyError, TypeError) as error:
        return f"a malformed network: {error!r}"[:120]
    except BadRecord as error:
        return str(error)
    return judge(values, s, table, variant, scale)


def check_rational_network(net, table, n: int) -> str:
    """``c + sum_i signs[i] relu(weights[i] . x + biases[i])`` (rationals as strings): "" if it computes ``table``."""
    try:
        signs = [as_int(s) for s in net["signs"]]
        if any(s not in (1, -1) for s in signs):
            raise BadRecord(f"output signs must be +-1, got {signs}")
        values, s = evaluate([(net["weights"], net["biases"]), ([signs], [net["c"]])], n)
    except (KeyError, TypeError) as error:
        return f"a malformed network: {error!r}"[:120]
    except BadRecord as error:
        return str(error)
    return judge(values, s, table, "sign")


def _row(table, patterns, signs, n: int, index: int):
    """``(coefficients over (w_1, b_1, ..., w_W, b_W, c), h)`` of row ``index`` of ``G v >= h`` (see duals.py).

    Rows ``unit * 2^n + k`` (``unit < W``) are the patterns, ``z_unit(x_k) >= 1`` on the
    unit's pattern and ``-z_unit(x_k) >= 0`` elsewhere; rows ``W * 2^n + k`` the output,
    ``out(x_k) >= 1`` where f = 1 and ``-out(x_k) >= 0`` where f = 0.
    """
    size, width = 1 << n, len(patterns)
    coefficients = [0] * (width * (n + 1) + 1)
    unit, k = divmod(index, size)
    x = [(k >> i) & 1 for i in range(n)] + [1]
    if unit < width:
        active = (patterns[unit] >> k) & 1
        for j, bit in enumerate(x):
            coefficients[unit * (n + 1) + j] = bit if active else -bit
        return coefficients, 1 if active else 0
    sign = 1 if table[k] else -1
    coefficients[-1] = sign
    for i in range(width):
        if (patterns[i] >> k) & 1:
            for j, bit in enumerate(x):
                coefficients[i * (n + 1) + j] += sign * signs[i] * bit
    return coefficients, int(table[k])


def check_farkas(table, certificate) -> str:
    """Farkas multipliers of one combination: "" if they prove that no network has its patterns and signs.

    ``"complement": true`` (the three-unit method's step 1): the rows are those of
    ``NOT f``, the combination being a network for ``NOT f`` with the signs given.
    """
    n = len(table).bit_length() - 1
    if certificate.get("complement") is True:
        table = [1 - int(v) for v in table]
    try:
        patterns = [as_int(p) for p in certificate["patterns"]]
        signs = [as_int(s) for s in certificate["signs"]]
        pairs = [(as_int(i), as_int(y)) for i, y in certificate["rows"]]
    except (KeyError, TypeError, ValueError, BadRecord) as error:
        return f"malformed Farkas multipliers: {error}"[:120]
    if len(patterns) != len(signs) or any(s not in (1, -1) for s in signs) \
            or any(not 0 <= p < 1 << (1 << n) for p in patterns):
        return "a combination needs one pattern of 2^n rows and one sign +-1 per unit"
    count = (len(patterns) + 1) << n           # only the rows the multipliers use are built
    total, right = [0] * (len(patterns) * (n + 1) + 1), 0
    for index, y in pairs:
        if not 0 <= index < count or y < 0:
            return f"a Farkas multiplier ({index}, {y}) is negative or on no row"
        coefficients, h = _row(table, patterns, signs, n, index)
        total = [t + y * a for t, a in zip(total, coefficients)]
        right += y * h
    if any(total) or right <= 0:
        return "Farkas multipliers do not sum the rows to 0 = positive"
    return ""


def check_hull(table, certificate) -> str:
    """A point in both convex hulls (integer weights, the same total on each side): "" if it checks."""
    n = len(table).bit_length() - 1
    points, totals = [], []
    try:
        for side, value in (("ones", 1), ("zeros", 0)):
            point, total = [0] * n, 0
            for k, weight in certificate[side]:
                k, weight = as_int(k), as_int(weight)
                if not 0 <= k < len(table) or table[k] != value or weight < 0:
                    return f"hull weight ({k}, {weight}) is negative or on a row of the other value"
                total += weight
                point = [p + weight * ((k >> i) & 1) for i, p in enumerate(point)]
            points.append(point)
            totals.append(total)
    except (KeyError, TypeError, ValueError, BadRecord) as error:
        return f"malformed hull certificate: {error}"[:120]
    if totals[0] != totals[1] or totals[0] <= 0 or points[0] != points[1]:
        return "the weighted ones and zeros are not the same point"
    return ""


def restrict(mask: int, n: int, bit: int, value: int) -> int:
    """The ``(n-1)``-bit mask of ``mask`` on the facet ``x_bit = value`` (its rows in order)."""
    out, position = 0, 0
    for row in range(1 << n):
        if (row >> bit) & 1 == value:
            out |= ((mask >> row) & 1) << position
            position += 1
    return out


_TRANSFORMS: dict[int, np.ndarray] = {}


def transforms(m: int) -> np.ndarray:
    """Every input transform of ``m`` bits (permute, negate some) as a row map: ``(g o T)[k] = g[T[k]]``."""
    if m not in _TRANSFORMS:
        rows = np.arange(1 << m)
        maps = []
        for perm in itertools.permutations(range(m)):
            moved = np.zeros_like(rows)
            for i, target in enumerate(perm):
                moved |= ((rows >> i) & 1) << target
            maps.extend(moved[rows ^ flips] for flips in range(1 << m))
        _TRANSFORMS[m] = np.array(maps).reshape(-1, 1 << m)
    return _TRANSFORMS[m]


class Report:
    """What one file's checks found: counts of exact checks, floating-point closures, missing evidence, failures."""

    def __init__(self, path: str, census_rows: dict | None = None):
        self.path, self.records = path, 0
        self.exact = {"networks": 0, "farkas": 0, "hulls": 0, "constructions": 0, "facets": 0, "rederived": 0,
                      "complete splits": 0}
        self.census_rows = census_rows      # --rederive: census rows of <= 4 bits by class, to cite; else None
        self.census_by_hex: dict = {}       # every census row of the files given by (n, hex), for facet citations
        self.cubes: dict = {}               # every cube of the files given (check_cubes.cube_index), for cube citations
        self.floating: list[str] = []
        self.unchecked: list[str] = []
        self.failures: list[str] = []
        self.nothing_claimed = 0

    def to_dict(self) -> dict:
        return {"path": self.path, "records": self.records, "checked_exactly": self.exact,
                "floating_point": self.floating, "not_checked": self.unchecked, "failures": self.failures,
                "nothing_claimed": self.nothing_claimed}


def count(report: Report, label: str, why: str) -> None:
    if why:
        report.failures.append(f"{label}: {why}")
    else:
        report.exact["networks"] += 1
