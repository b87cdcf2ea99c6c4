"""Proven minimum widths: solve the MILP of :mod:`expressivity.search.milp` and certify what it says.

The class is one hidden layer of ``w`` ReLU units with an affine output
(bias included), fed bits as 0/1; see :mod:`expressivity.search.milp` for the
normal form and the symmetry breaking.  For one ``(n, w)`` the program is solved
once per count ``P`` of positive output weights, and the answer is one of

``"feasible-certified"``
    A network of width ``w`` exists, and here it is: the solution's activation
    pattern is re-solved as a linear program (best margin for that pattern), the
    weights are made exact rationals (``Fraction.limit_denominator`` with a
    growing limit), the output bias is then recomputed exactly (the midpoint
    of the admissible interval for the sign variant, ``parity(0) - S(0)`` for the
    exact one), everything is scaled to integers, and the integer ``LayeredNet``
    is checked on all ``2^n`` inputs by ``verify_exhaustive`` in integer
    arithmetic.  Only a verified network makes this claim; if every rounding
    fails, the width is ``"unknown"`` and the reason says so.
``"proven-infeasible"``
    No network of width ``w`` exists.  Sign variant: for every ``P`` HiGHS
    reports ``Optimal`` with its proven upper bound on the margin (the dual
    bound) at most ``ZERO_MARGIN`` (1e-6, HiGHS's MIP feasibility tolerance) and
    no exact certificate can be made from what it found.  The margin is measured
    after the normalisation ``max |z_j(x)| = 1``, so the claim reads: no network
    of width ``w`` separates the odd from the even inputs with a margin above
    1e-6 of its largest pre-activation, to HiGHS's floating-point tolerances.
    This is the solver's word, not an exact-arithmetic proof: HiGHS computes in
    floating point, and a network whose best normalised margin is positive but
    below 1e-6 could in principle be missed (the margin of a fixed activation
    pattern is a rational whose denominator is only bounded by Hadamard's
    inequality, far too loosely to rule that out).  A tiny positive optimum (at most ``ZERO_MARGIN``) is tried as a certificate
    first; only if it fails is it read as the zero of a solver with tolerances.
    Exact variant: HiGHS reports ``Infeasible`` for every ``P`` (claims are about
    the class ``|z_j(x)| <= bound``).
``"unknown"``
    Anything else: a time limit, a solver status other than the two above, a
    positive margin with no exact certificate.  Never counted as either answer.
``"no-tied-network"``
    Only for tied weights (``groups``, see :mod:`expressivity.search.milp`): what
    ``"proven-infeasible"`` would say, for the smaller class of networks whose
    weights are equal within each group of bits.  It is no lower bound on the
    width and is never counted as one; a tied network that *is* found is
    certified on all ``2^n`` inputs and is an upper bound like any other.

Upper bounds for the summary also come from the known construction (``n``
units: ``relu(s) - relu(2s - 2) + relu(2s - 4) - ...`` with ``s = sum x``
computes parity exactly, hence also by sign) and from ``search-width`` records.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from expressivity.networks.layered import LayeredNet
from expressivity.search.milp import (
    STRONG, Formulation, MilpModel, activation_pattern, build_model, check_groups, default_bound, is_tied,
    positive_counts, read_network, solve_model,
)
from expressivity.verify.exhaustive import input_bits, parity_reference, verify_exhaustive
from expressivity.verify.record import Verification

#: A proven upper bound on the normalised margin at or below this counts as zero.
ZERO_MARGIN = 1e-6
#: Denominator limits tried, in order, when the weights are made rational.
DENOMINATOR_LIMITS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 30, 60, 100, 360, 1000, 5040, 10**4, 10**5, 10**6)
#: Binaries (units x inputs, or x grid points when tied) of one program beyond which it is not
#: built.  Building measured 14-43 us and 1.4-2.5 kB per binary (n = 5..12, two shared cores),
#: so this is about 5 s and 300 MB before HiGHS starts; HiGHS has settled no program a
#: tenth this size here (n = 6, five units: 320 binaries, unknown after 600 s).
MAX_BINARIES = 1 << 17
#: Seconds per binary to build a program (the slow end of the measurements above).
BUILD_SECONDS_PER_BINARY = 4e-5
#: (unit, input) pairs of a certificate: it is made exact in rational arithmetic on every
#: input (a few microseconds per pair, per denominator tried), so beyond this it takes minutes.
MAX_CERTIFIED_PAIRS = 1 << 17
STATUSES = ("proven-infeasible", "feasible-certified", "unknown", "no-tied-network")
SUMMARY_STATUSES = ("exact", "gap", "unknown", "conflict")


@dataclass(frozen=True)
class SplitOutcome:
    """The program for one count ``positive`` of +1 output weights."""

    positive: int
    outcome: str  # "infeasible", "feasible" or "unknown"
    solver_status: str
    objective: float | None
    dual_bound: float | None
    gap: float | None
    nodes: int
    seconds: float
    time_limit: float | None


@dataclass(frozen=True)
class Certificate:
    """An integer network found by the solver and verified on every input.

    The network computes ``scale * f`` where ``f`` is the real network (sign
    variant: only the sign matters; exact variant: ``scale * parity`` exactly).
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


@dataclass(frozen=True)
class WidthProof:
    """What is known about one ``(n, width)``: see the module docstring for the three statuses."""

    n: int
    width: int
    variant: str
    formulation: str
    bound: float
    status: str
    reason: str
    splits: tuple[SplitOutcome, ...] = ()
    certificate: Certificate | None = None
    seconds: float = 0.0
    time_limit: float | None = None
    groups: tuple[int, ...] | None = None  # None: every bit has its own weight

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if self.status == "feasible-certified" and (self.certificate is None or not self.certificate.verification.verified):
            raise ValueError("a feasible-certified width needs a verified certificate")
        if (self.status == "proven-infeasible" and self.tied) or (self.status == "no-tied-network" and not self.tied):
            raise ValueError("'proven-infeasible' is for untied networks and 'no-tied-network' for tied ones")

    @property
    def tied(self) -> bool:
        return is_tied(self.groups)

    @property
    def key(self) -> tuple:
        return (self.n, self.width, self.variant, self.formulation, self.bound, self.groups)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "prove-width", "n": self.n, "width": self.width, "variant": self.variant,
            "formulation": self.formulation, "bound": self.bound, "status": self.status, "reason": self.reason,
            "splits": [asdict(s) for s in self.splits],
            "certificate": None if self.certificate is None else self.certificate.to_dict(),
            "seconds": self.seconds, "time_limit": self.time_limit,  # unrounded: --resume prints the same table
            "groups": None if self.groups is None else list(self.groups),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "WidthProof":
        groups = data.get("groups")
        return cls(
            int(data["n"]), int(data["width"]), str(data["variant"]), str(data["formulation"]),
            float(data["bound"]), str(data["status"]), str(data.get("reason", "")),
            tuple(SplitOutcome(**s) for s in data.get("splits", ())),
            None if data.get("certificate") is None else Certificate.from_dict(data["certificate"]),
            float(data.get("seconds", 0.0)), data.get("time_limit"),
            None if groups is None else tuple(int(g) for g in groups),
        )


# -- certificates --------------------------------------------------------------------

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
    parity = inputs.sum(axis=1) % 2
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
        highest_even = max(s for s, p in zip(sums, parity) if p == 0)
        lowest_odd = min(s for s, p in zip(sums, parity) if p == 1)
        if not highest_even < lowest_odd:
            return None
        c = -(highest_even + lowest_odd) / 2
    else:
        c = Fraction(int(parity[0])) - sums[0]
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
    >>> from expressivity.search.milp import build_model, solve_model
    >>> model = build_model(2, 2, 1)
    >>> cert, why = certify(model, solve_model(model).values)
    >>> cert.verification.status, cert.network().widths
    ('verified', (2,))
    """
    pattern = activation_pattern(model, values)
    polished = solve_model(model, fixed_pattern=pattern)
    candidates = [v for v in (polished.values, values) if v is not None]
    reference = parity_reference
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
                    reference = (lambda bits, s=scale: s * parity_reference(bits))
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


# -- one width ---------------------------------------------------------------------

def program_binaries(n: int, width: int, groups: tuple[int, ...] | None = None) -> int:
    """Binaries of the program for ``width`` units: one per unit and input (per grid point when tied).

    >>> program_binaries(6, 4), program_binaries(6, 4, (3, 3))
    (256, 64)
    """
    points = math.prod(g + 1 for g in groups) if is_tied(groups) else 1 << n
    return width * points


def check_program_size(n: int, width: int, groups: tuple[int, ...] | None = None) -> None:
    """``ValueError`` with the estimate when the program for ``width`` units is too large to build and certify.

    >>> check_program_size(5, 4, (3, 2))
    >>> check_program_size(5, 10**6, (3, 2))
    Traceback (most recent call last):
    ...
    ValueError: 1000000 units x 12 grid points = 12,000,000 binaries per program, about 480 s and 30 GB to build (at most 131,072 binaries)
    """
    binaries = program_binaries(n, width, groups)
    points = binaries // width
    what = "grid points" if is_tied(groups) else "inputs"
    if binaries > MAX_BINARIES:
        raise ValueError(f"{width} units x {points} {what} = {binaries:,} binaries per program, about "
                         f"{binaries * BUILD_SECONDS_PER_BINARY:.0f} s and {binaries * 2.5e3 / 1e9:.2g} GB to build "
                         f"(at most {MAX_BINARIES:,} binaries)")
    if width << n > MAX_CERTIFIED_PAIRS:
        raise ValueError(f"{width} units x 2^{n} inputs = {width << n:,} (unit, input) pairs to certify in exact "
                         f"rational arithmetic (at most {MAX_CERTIFIED_PAIRS:,})")


def prove_width(
    n: int,
    width: int,
    *,
    variant: str = "sign",
    formulation: Formulation = STRONG,
    bound: float | None = None,
    time_limit: float | None = 60.0,
    threads: int = 1,
    seed: int = 0,
    groups: tuple[int, ...] | None = None,
) -> WidthProof:
    """Decide whether ``width`` ReLU units suffice for ``n``-bit parity.

    ``time_limit`` (seconds) is shared by the programs for every count ``P`` of
    positive output weights: each gets the time left divided by the programs left;
    what quick programs leave over goes to a second try of those that timed out.
    Building a program counts against that time: a program whose building alone
    would take more than its share (about ``BUILD_SECONDS_PER_BINARY`` per binary)
    is not built, and its split is ``"unknown"``.  ``groups`` asks only about
    networks whose weights are tied within each group of bits (a network found is
    certified on all ``2^n`` inputs all the same).  Programs beyond
    :func:`check_program_size` raise ``ValueError``.

    Examples
    --------
    >>> prove_width(2, 1).status
    'proven-infeasible'
    >>> p = prove_width(2, 2)
    >>> p.status, p.certificate.verification.status
    ('feasible-certified', 'verified')
    >>> prove_width(4, 2, groups=(2, 2)).status  # no lower bound: the class is smaller
    'no-tied-network'
    """
    bound = default_bound(n, variant, formulation) if bound is None else float(bound)
    started = time.perf_counter()
    groups = None if groups is None else check_groups(n, groups)
    tied = is_tied(groups)
    groups = groups if tied else None  # all groups of one bit: the untied program
    check_program_size(n, width, groups)
    build_seconds = program_binaries(n, width, groups) * BUILD_SECONDS_PER_BINARY
    counts = positive_counts(width, formulation, groups)
    outcomes: dict[int, SplitOutcome] = {}
    details: dict[int, str] = {}  # why a split is unknown
    # Balanced splits come first (that is where networks were found).  A split that
    # times out while later ones finish quickly gets a second try with the time they
    # left, if that is more than it had (HiGHS starts over: the first try is lost).
    pending = list(counts)
    for _ in range(2):  # the second pass only for splits that timed out
        for position, positive in enumerate(pending):
            share = None
            if time_limit is not None:
                left = time_limit - (time.perf_counter() - started)
                share = left / (len(pending) - position)
                if share <= 0.01 or build_seconds > share:
                    if positive not in outcomes:
                        why = "no time left" if share <= 0.01 else \
                            f"building it would take about {build_seconds:.2g} s of the {share:.2g} s left to it"
                        outcomes[positive] = SplitOutcome(positive, "unknown", f"not run ({why})", None,
                                                          None, None, 0, 0.0, 0.0)
                    continue
            building = time.perf_counter()
            model = build_model(n, width, positive, variant=variant, formulation=formulation, bound=bound,
                                groups=groups)
            if share is not None:  # the building came out of this program's share
                share = max(share - (time.perf_counter() - building), 0.01)
            solution = solve_model(model, time_limit=share, threads=threads, seed=seed)
            certificate, why = (None, "")
            # Worth certifying: any exact-variant solution, a sign-variant margin above the
            # zero threshold, and a tiny positive margin that HiGHS calls optimal.
            worth = solution.objective is not None and (
                variant == "exact" or solution.objective > ZERO_MARGIN
                or (solution.objective > 0 and solution.status == "Optimal"))
            if solution.values is not None and worth:
                certificate, why = certify(model, solution.values)
            if certificate is not None:
                outcomes[positive] = _split(positive, "feasible", solution, share)
                reason = (f"P = {positive} positive output weights; network verified on all {1 << n} inputs "
                          f"(denominators <= {certificate.denominator_limit})")
                if tied:
                    reason += f"; weights tied in groups {format_groups(groups)}"
                splits = tuple(outcomes[p] for p in counts if p in outcomes)
                return WidthProof(n, width, variant, formulation.name, bound, "feasible-certified", reason,
                                  splits, certificate, time.perf_counter() - started, time_limit, groups)
            if _proves_infeasible(variant, solution):
                outcomes[positive] = _split(positive, "infeasible", solution, share)
                details.pop(positive, None)
                continue
            outcomes[positive] = _split(positive, "unknown", solution, share)
            detail = solution.status
            if why and (variant == "exact" or solution.objective > ZERO_MARGIN):
                detail += f", margin {solution.objective:.3g} but {why}"
            details[positive] = f"P = {positive}: {detail}"
        if time_limit is None:
            break
        retry = [p for p in counts if outcomes[p].outcome == "unknown" and outcomes[p].time_limit]
        left = time_limit - (time.perf_counter() - started)
        if not retry or left / len(retry) <= 1.5 * max(outcomes[p].time_limit for p in retry):
            break
        pending = retry
    splits = [outcomes[p] for p in counts]
    failures = [details[p] for p in counts if p in details]
    seconds = time.perf_counter() - started
    if not failures and all(s.outcome == "infeasible" for s in splits):
        what = "dual bound on the margin <= 1e-6" if variant == "sign" else "Infeasible"
        reason = f"HiGHS: Optimal for every P in {list(counts)} ({what}); {formulation.name} formulation"
        if tied:
            reason += f"; only networks with weights tied in groups {format_groups(groups)}: no lower bound"
        return WidthProof(n, width, variant, formulation.name, bound,
                          "no-tied-network" if tied else "proven-infeasible", reason,
                          tuple(splits), None, seconds, time_limit, groups)
    skipped = [f"P = {s.positive}: {s.solver_status}" for s in splits if s.solver_status.startswith("not run")]
    return WidthProof(n, width, variant, formulation.name, bound, "unknown", "; ".join(failures + skipped),
                      tuple(splits), None, seconds, time_limit, groups)


def format_groups(groups: Iterable[int] | None) -> str:
    """``3+3`` for tied groups, ``-`` for none.

    >>> format_groups((3, 2, 1)), format_groups(None)
    ('3+2+1', '-')
    """
    return "-" if groups is None else "+".join(str(g) for g in groups)


def _proves_infeasible(variant: str, solution) -> bool:
    if variant == "exact":
        return solution.status == "Infeasible"
    return (
        solution.status == "Optimal"
        and solution.dual_bound is not None and solution.dual_bound <= ZERO_MARGIN
        and (solution.objective is None or solution.objective <= ZERO_MARGIN)
    )


def _split(positive: int, outcome: str, solution, time_limit) -> SplitOutcome:
    return SplitOutcome(positive, outcome, solution.status, solution.objective, solution.dual_bound,
                        solution.gap, solution.nodes, round(solution.seconds, 3), time_limit)


# -- per n ---------------------------------------------------------------------------

@dataclass(frozen=True)
class WidthSummary:
    """What is proven about the minimum width for ``n`` bits.

    ``lower_bound``: every width below it is proven impossible (1 when nothing
    is proven: a constant never classifies parity).  ``upper_bound``: a width
    that certainly suffices, and ``upper_source`` says why.  ``status``:
    ``"exact"`` (they meet), ``"gap"`` (a width was proven impossible but the
    bounds differ), ``"unknown"`` (no width proven impossible), ``"conflict"``
    (a proven-impossible width is at least a certified one: a bug or a solver
    tolerance, to be looked at).
    """

    n: int
    variant: str
    lower_bound: int
    upper_bound: int
    upper_source: str
    status: str
    widths: tuple[WidthProof, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n, "variant": self.variant, "lower_bound": self.lower_bound,
            "upper_bound": self.upper_bound, "upper_source": self.upper_source, "status": self.status,
            "widths": {p.width: p.status for p in self.widths},
        }


def construction_upper_bound(n: int, variant: str, bound: float) -> int | None:
    """Width of the known construction, if it lies in the class.

    Sign variant: ``zigzag`` has ``n - 1`` units for ``n >= 4``, ``symmetric`` ``n`` (any
    network rescales into the normalised class, so ``bound`` does not matter).  Exact
    variant: ``symmetric``'s ``n`` units, whose pre-activations reach ``2n - 2``.

    >>> construction_upper_bound(5, "sign", 1.0), construction_upper_bound(3, "sign", 1.0)
    (4, 3)
    >>> construction_upper_bound(5, "exact", 10.0), construction_upper_bound(5, "exact", 4.0)
    (5, None)
    """
    if variant == "exact":
        return n if bound >= max(n, 2 * n - 2) else None
    return n - 1 if n >= 4 else n


def summarize(
    n: int,
    variant: str,
    proofs: Iterable[WidthProof],
    *,
    bound: float | None = None,
    search_upper: int | None = None,
) -> WidthSummary:
    """Combine the proofs for one ``n`` with the construction and ``search-width``'s bound.

    >>> proofs = [prove_width(2, 1), prove_width(2, 2)]
    >>> s = summarize(2, "sign", proofs)
    >>> s.lower_bound, s.upper_bound, s.upper_source, s.status
    (2, 2, 'solver (verified network)', 'exact')
    """
    bound = default_bound(n, variant) if bound is None else bound
    proofs = tuple(sorted((p for p in proofs if p.n == n and p.variant == variant), key=lambda p: p.width))
    infeasible = [p.width for p in proofs if p.status == "proven-infeasible"]
    lower = max(infeasible) + 1 if infeasible else 1
    candidates: list[tuple[int, str]] = [
        (p.width, "solver (verified network" + (f", weights tied {format_groups(p.groups)})" if p.tied else ")"))
        for p in proofs if p.status == "feasible-certified"]
    if search_upper is not None:
        candidates.append((search_upper, "search-width records"))
    construction = construction_upper_bound(n, variant, bound)
    if construction is not None:
        name = "zigzag" if construction < n else "symmetric"
        candidates.append((construction, f"construction ({name}, {construction} units)"))
    # The first smallest wins: the solver's own network, then search records, then the construction.
    upper, source = min(candidates, key=lambda item: item[0]) if candidates else (math.inf, "none")
    if lower > upper:
        status = "conflict"
    elif lower == upper:
        status = "exact"
    else:
        status = "gap" if infeasible else "unknown"
    return WidthSummary(n, variant, lower, upper, source, status, proofs)


def reusable_proofs(
    records: Iterable[Mapping[str, Any]], variant: str, formulation: str, time_limit: float | None,
) -> dict[tuple, WidthProof]:
    """Proofs of earlier runs worth keeping, by :attr:`WidthProof.key` (later records win).

    Settled proofs are kept; an ``"unknown"`` only if it already had at least
    ``time_limit`` seconds.  ``ValueError`` for a prove-width record that cannot be read.

    >>> old = prove_width(2, 1).to_dict()
    >>> [key[:2] for key in reusable_proofs([old, {"kind": "other"}], "sign", "strong", 60.0)]
    [(2, 1)]
    """
    limit = math.inf if time_limit is None else time_limit
    reuse: dict[tuple, WidthProof] = {}
    for record in records:
        if record.get("kind") != "prove-width" or record.get("variant") != variant \
                or record.get("formulation") != formulation:
            continue
        try:
            proof = WidthProof.from_dict(record)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"a prove-width record cannot be read: {error}") from error
        had = proof.time_limit if proof.time_limit is not None else math.inf
        if proof.status != "unknown" or had >= limit:
            reuse[proof.key] = proof
    return reuse


def search_upper_bounds(records: Iterable[Mapping[str, Any]], variant: str = "sign") -> dict[int, int]:
    """The smallest width with a success per ``n`` in ``search-width`` records, read tolerantly.

    A record counts when it has integer ``n`` and ``width``, ``successes > 0``,
    and (if it says) one hidden layer.  For the exact variant only records that
    say their output was exact count (``mode``/``variant``/``output`` ==
    ``"exact"``); the sign variant takes both, since an exact network shifted by
    -1/2 is a sign classifier.

    >>> search_upper_bounds([{"n": 4, "width": 3, "successes": 2}, {"n": 4, "width": 5, "successes": 1},
    ...                      {"n": 5, "width": 4, "successes": 0}, {"bad": 1}])
    {4: 3}
    """
    best: dict[int, int] = {}
    for record in records:
        n, width, successes = record.get("n"), record.get("width"), record.get("successes")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (n, width)):
            continue
        if not isinstance(successes, (int, float)) or isinstance(successes, bool) or successes <= 0:
            continue
        layers = record.get("hidden_layers", record.get("depth", 1))
        if layers != 1:
            continue
        mode = next((record[k] for k in ("mode", "variant", "output") if k in record), "sign")
        if variant == "exact" and mode != "exact":
            continue
        best[n] = min(best.get(n, width), width)
    return best


def prove_minimum_width(
    n: int,
    *,
    variant: str = "sign",
    max_width: int | None = None,
    time_limit: float | None = 60.0,
    formulation: Formulation = STRONG,
    search_upper: int | None = None,
    known: Mapping[int, WidthProof] | None = None,
    on_proof: Callable[[WidthProof], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    threads: int = 1,
) -> WidthSummary:
    """Prove widths 1, 2, ... for ``n`` bits until the minimum is settled or nothing is left to try.

    Stops at the first certified width, at the smallest width known to suffice
    (construction, ``search_upper``) or past ``max_width``.  Timeouts do not
    stop it: proving a larger width impossible also settles the smaller ones.
    ``known`` holds proofs from earlier runs (``--resume``); ``on_proof`` is
    called with each new one.

    >>> s = prove_minimum_width(3, time_limit=30)
    >>> s.lower_bound, s.upper_bound, s.status
    (3, 3, 'exact')
    """
    known = dict(known or {})
    bound = default_bound(n, variant, formulation)
    construction = construction_upper_bound(n, variant, bound)
    ceilings = [w for w in (construction, search_upper) if w is not None]
    last = min(ceilings) - 1 if ceilings else n
    if max_width is not None:
        last = min(last, max_width)
    proofs: list[WidthProof] = []
    for width in range(1, last + 1):
        proof = known.get(width)
        if proof is None:
            if on_start is not None:
                on_start(width)
            proof = prove_width(n, width, variant=variant, formulation=formulation, bound=bound,
                                time_limit=time_limit, threads=threads)
            if on_proof is not None:
                on_proof(proof)
        proofs.append(proof)
        if proof.status == "feasible-certified":
            break
    return summarize(n, variant, proofs, bound=bound, search_upper=search_upper)
