"""Exact certificates: a solver's floating-point solution made into an integer network checked on every input.

The solution's activation pattern is re-solved as a linear program (best margin
for that pattern), the weights are made exact rationals, the output bias is
recomputed exactly, everything is scaled to integers, and the integer
``LayeredNet`` is checked by ``verify_exhaustive``; what a certificate lets a
proof claim is said in :mod:`expressivity.prove.milp.width`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Mapping

import numpy as np

from expressivity.networks.layered import LayeredNet
from expressivity.prove.milp.program import MilpModel
from expressivity.prove.milp.solve import activation_pattern, read_network, solve_model
from expressivity.verify.exhaustive import input_bits, table_reference, verify_exhaustive
from expressivity.verify.record import Verification

#: Denominator limits tried, in order, when the weights are made rational.
DENOMINATOR_LIMITS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 30, 60, 100, 360, 1000, 5040, 10**4, 10**5, 10**6)


@dataclass(frozen=True)
class Certificate:
    """An integer network found by the solver and verified on every input.

    The network computes ``scale * g`` where ``g`` is the real network (sign
    variant: only the sign matters; exact variant: ``scale * f`` exactly, ``f``
    the program's target).
    """

    weights: tuple[tuple[int, ...], ...]
    biases: tuple[int, ...]
    output_weights: tuple[int, ...]
    output_bias: int
    scale: int
    denominator_limit: int
    verification: Verification

    def network(self, name: str = "") -> LayeredNet:
        """The certified network as a ``LayeredNet`` (int64)."""
        return LayeredNet.from_dense(
            [np.array(self.weights, dtype=np.int64), np.array([self.output_weights], dtype=np.int64)],
            [np.array(self.biases, dtype=np.int64), np.array([self.output_bias], dtype=np.int64)],
            name=name,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": [list(row) for row in self.weights], "biases": list(self.biases),
            "output_weights": list(self.output_weights), "output_bias": self.output_bias,
            "scale": self.scale, "denominator_limit": self.denominator_limit,
            "verification": self.verification.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Certificate":
        v = dict(data["verification"])
        v["counterexample"] = None  # only verified certificates are stored
        return cls(
            tuple(tuple(int(x) for x in row) for row in data["weights"]), tuple(int(x) for x in data["biases"]),
            tuple(int(x) for x in data["output_weights"]), int(data["output_bias"]), int(data["scale"]),
            int(data["denominator_limit"]), Verification(**v),
        )


def _lcm(values: Iterable[int]) -> int:
    result = 1
    for value in values:
        result = result * value // math.gcd(result, value)
    return result


def _exact_network(model: MilpModel, weights, biases, limit: int):
    """Rational first layer, exact output bias, integer LayeredNet; ``None`` if no bias works."""
    n, width = model.n, model.width
    w = [[Fraction(float(v)).limit_denominator(limit) for v in row] for row in weights]
    b = [Fraction(float(v)).limit_denominator(limit) for v in biases]
    inputs = input_bits(n, 0, 1 << n)
    target = model.target  # row i of inputs is row i of f.table
    # S(x) = sum_j a_j relu(z_j(x)) exactly, then the output bias.
    sums = []
    for bits in inputs:
        total = Fraction(0)
        for j in range(width):
            z = b[j] + sum((w[j][k] for k in range(n) if bits[k]), Fraction(0))
            if z > 0:
                total += int(model.output_signs[j]) * z
        sums.append(total)
    if model.variant == "sign":
        highest_zero = max(s for s, p in zip(sums, target) if p == 0)
        lowest_one = min(s for s, p in zip(sums, target) if p == 1)
        if not highest_zero < lowest_one:
            return None
        c = -(highest_zero + lowest_one) / 2
    else:
        c = Fraction(int(target[0])) - sums[0]
    # Integer first layer per unit (relu(D z) = D relu(z)), then a common output denominator.
    int_w, int_b, out = [], [], []
    for j in range(width):
        scale = _lcm([x.denominator for x in w[j]] + [b[j].denominator])
        row = [int(x * scale) for x in w[j]]
        bias = int(b[j] * scale)
        g = math.gcd(*row, bias) or 1
        int_w.append(tuple(x // g for x in row))
        int_b.append(bias // g)
        out.append(Fraction(int(model.output_signs[j]) * g, scale))
    common = _lcm([x.denominator for x in out] + [c.denominator])
    out_int = [int(x * common) for x in out]
    c_int = int(c * common)
    if model.variant == "sign":  # only the sign matters: make the output row small
        g = math.gcd(*out_int, c_int) or 1
        out_int, c_int, common = [x // g for x in out_int], c_int // g, 1
    return tuple(int_w), tuple(int_b), tuple(out_int), c_int, common


def certify(model: MilpModel, values: np.ndarray) -> tuple[Certificate | None, str]:
    """Turn a solver solution into a verified integer network, or say why not.

    Examples
    --------
    >>> from expressivity.prove.milp.program import build_model
    >>> model = build_model(2, 2, 1)
    >>> cert, why = certify(model, solve_model(model).values)
    >>> cert.verification.status, cert.network().widths
    ('verified', (2,))
    """
    pattern = activation_pattern(model, values)
    polished = solve_model(model, fixed_pattern=pattern)
    candidates = [v for v in (polished.values, values) if v is not None]
    reference = table_reference(model.target)
    last = "no candidate weights"
    for vals in candidates:
        net = read_network(model, vals)
        for limit in DENOMINATOR_LIMITS:
            try:
                exact = _exact_network(model, net.weights, net.biases, limit)
                if exact is None:
                    last = f"after rounding to denominators <= {limit} no output bias separates the classes"
                    continue
                weights, biases, out, c, scale = exact
                if model.variant == "exact":
                    reference = table_reference(scale * model.target)
                candidate = Certificate(weights, biases, out, c, scale, limit,
                                        Verification("skipped", "none", model.n))
                verification = verify_exhaustive(
                    candidate.network(), reference, mode="sign" if model.variant == "sign" else "exact")
            except OverflowError:
                last = f"denominators <= {limit} overflow int64"
                continue
            if verification.verified:
                return Certificate(weights, biases, out, c, scale, limit, verification), "verified"
            last = f"denominators <= {limit}: {verification.reason}"
    return None, f"no exact certificate: {last}"


__all__ = ["DENOMINATOR_LIMITS", "Certificate", "certify"]
