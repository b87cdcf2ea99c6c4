"""Proven widths: solve the MILP of :mod:`expressivity.prove.milp.program` for one ``(n, w)`` and certify what it says.

The class is one hidden layer of ``w`` ReLU units with an affine output
(bias included), fed bits as 0/1; see :mod:`expressivity.prove.milp.formulation` for the
normal form and :mod:`expressivity.prove.milp.symmetry` for the symmetry breaking.  For one
``(n, w)`` the program is solved once per count ``P`` of positive output weights,
and the answer is one of

``"feasible-certified"``
    A network of width ``w`` exists, and here it is: the solution's activation
    pattern is re-solved as a linear program (best margin for that pattern), the
    weights are made exact rationals (``Fraction.limit_denominator`` with a
    growing limit), the output bias is then recomputed exactly (the midpoint
    of the admissible interval for the sign variant, ``f(0) - S(0)`` for the
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
    of width ``w`` separates the ones of ``f`` from its zeros (for parity: the odd
    from the even inputs) with a margin above
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
    Only for tied weights (``groups``, see :mod:`expressivity.prove.milp.formulation`): what
    ``"proven-infeasible"`` would say, for the smaller class of networks whose
    weights are equal within each group of bits.  It is no lower bound on the
    width and is never counted as one; a tied network that *is* found is
    certified on all ``2^n`` inputs and is an upper bound like any other.

The target ``f`` is parity unless ``function`` says otherwise (see
:mod:`expressivity.prove.milp.formulation`); every proof records it as ``function``
(its spec) and ``function_hex``, and a record without them (written before
functions were a parameter) is parity's.

The minimum width for each ``n``, from these proofs and the known upper bounds,
is settled in :mod:`expressivity.prove.milp.summary`.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping

from expressivity.errors import InputError, SizeLimitError, check_int
from expressivity.prove.milp.certificate import Certificate, certify
from expressivity.prove.milp.formulation import (
    STRONG, VARIANTS, Formulation, check_groups, default_bound, is_constant, is_tied, positive_counts,
    target_function,
)
from expressivity.prove.milp.program import build_model
from expressivity.prove.milp.solve import solve_model

#: A proven upper bound on the normalised margin at or below this counts as zero.
ZERO_MARGIN = 1e-6
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
    function: str = "parity"  # the target's spec
    function_hex: str = ""  # its truth table in hex; "" is filled in from the spec at n

    def __post_init__(self) -> None:
        if not self.function_hex:
            object.__setattr__(self, "function_hex", target_function(self.function, self.n).hex)
        if self.status not in STATUSES:
            raise InputError(f"status must be one of {STATUSES}, got {self.status!r}"[:200])
        if self.status == "feasible-certified" and (self.certificate is None or not self.certificate.verification.verified):
            raise ValueError("a feasible-certified width needs a verified certificate")
        if (self.status == "proven-infeasible" and self.tied) or (self.status == "no-tied-network" and not self.tied):
            raise ValueError("'proven-infeasible' is for untied networks and 'no-tied-network' for tied ones")

    @property
    def tied(self) -> bool:
        return is_tied(self.groups)

    @property
    def key(self) -> tuple:
        return (self.n, self.width, self.variant, self.formulation, self.bound, self.function_hex, self.groups)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "prove-width", "n": self.n, "width": self.width, "variant": self.variant,
            "formulation": self.formulation, "bound": self.bound, "status": self.status, "reason": self.reason,
            "splits": [asdict(s) for s in self.splits],
            "certificate": None if self.certificate is None else self.certificate.to_dict(),
            "seconds": self.seconds, "time_limit": self.time_limit,  # unrounded: --resume prints the same table
            "groups": None if self.groups is None else list(self.groups),
            "function": self.function, "function_hex": self.function_hex,
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
            str(data.get("function", "parity")), str(data.get("function_hex", "")),  # no field: parity
        )


# -- one width ---------------------------------------------------------------------

def program_binaries(n: int, width: int, groups: tuple[int, ...] | None = None) -> int:
    """Binaries of the program for ``width`` units: one per unit and input (per grid point when tied).

    Examples
    --------
    >>> program_binaries(6, 4), program_binaries(6, 4, (3, 3))
    (256, 64)
    """
    points = math.prod(g + 1 for g in groups) if is_tied(groups) else 1 << n
    return width * points


def check_program_size(n: int, width: int, groups: tuple[int, ...] | None = None) -> None:
    """``ValueError`` with the estimate when the program for ``width`` units is too large to build and certify.

    Examples
    --------
    >>> check_program_size(5, 4, (3, 2))
    >>> check_program_size(5, 10**6, (3, 2))
    Traceback (most recent call last):
    ...
    expressivity.errors.SizeLimitError: 1000000 units x 12 grid points = 12,000,000 binaries per program, about 480 s and 30 GB to build (at most 131,072 binaries)
    """
    binaries = program_binaries(n, width, groups)
    points = binaries // width
    what = "grid points" if is_tied(groups) else "inputs"
    if binaries > MAX_BINARIES:
        raise SizeLimitError(f"{width} units x {points} {what} = {binaries:,} binaries per program, about "
                         f"{binaries * BUILD_SECONDS_PER_BINARY:.0f} s and {binaries * 2.5e3 / 1e9:.2g} GB to build "
                         f"(at most {MAX_BINARIES:,} binaries)")
    if width << n > MAX_CERTIFIED_PAIRS:
        raise SizeLimitError(f"{width} units x 2^{n} inputs = {width << n:,} (unit, input) pairs to certify in exact "
                         f"rational arithmetic (at most {MAX_CERTIFIED_PAIRS:,})")


def check_prove_arguments(n, width=..., *, variant="sign", formulation=STRONG, time_limit=None, threads=1,
                          seed=0, bound=None) -> None:
    """:class:`~expressivity.errors.InputError` (one line) for arguments no program can take, before any work.

    ``n`` and ``width`` (``...``, the default: not asked) are integers, at least 0 and 1, and at
    most what :data:`MAX_BINARIES` allows (a program has ``width x 2^n``
    binaries, fewer when tied); ``time_limit`` is ``None`` or positive seconds.

    Examples
    --------
    >>> check_prove_arguments(4, 0)
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: width must be at least 1, got 0
    """
    check_int(n, "n", minimum=0, maximum=MAX_BINARIES.bit_length() - 1,
              why=f"(a program has 2^n binaries per unit, at most {MAX_BINARIES:,})")
    if width is not ...:  # None is a width no program has
        check_int(width, "width", minimum=1, maximum=MAX_BINARIES,
                  why=f"(a program has at least one binary per unit, at most {MAX_BINARIES:,})")
    if variant not in VARIANTS:
        raise InputError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}"[:200])
    if not isinstance(formulation, Formulation):
        raise InputError(f"formulation must be a Formulation (such as STRONG), got {type(formulation).__name__}")
    for name, value in (("time_limit", time_limit), ("bound", bound)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or math.isnan(value) or value <= 0 or (name == "bound" and math.isinf(value))):
            raise InputError(f"{name} must be None or a positive number, got {value!r}"[:200])
    check_int(threads, "threads", minimum=1)
    check_int(seed, "seed", minimum=0, maximum=2**31 - 1, why="(HiGHS's random seed)")


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
    function=None,
    backend=None,
) -> WidthProof:
    """Decide whether ``width`` ReLU units suffice for the ``n``-bit ``function`` (default parity).

    ``time_limit`` (seconds) is shared by the programs for every count ``P`` of
    positive output weights: each gets the time left divided by the programs left;
    what quick programs leave over goes to a second try of those that timed out.
    Building a program counts against that time: a program whose building alone
    would take more than its share (about ``BUILD_SECONDS_PER_BINARY`` per binary)
    is not built, and its split is ``"unknown"``.  ``groups`` asks only about
    networks whose weights are tied within each group of bits (a network found is
    certified on all ``2^n`` inputs all the same).  Programs beyond
    :func:`check_program_size` raise ``SizeLimitError``, bad arguments
    :class:`~expressivity.errors.InputError` (:func:`check_prove_arguments`), and so does a constant
    ``function`` (width 0 computes it; :func:`~expressivity.prove.milp.summary.prove_minimum_width`
    reports that case).

    With a ``backend`` (:mod:`expressivity.backends`) the programs run as
    independent tasks, each with ``time_limit`` divided by the number of rounds
    of ``backend.workers`` tasks (so the width still takes about ``time_limit``),
    in one pass; the first certified network cancels the rest.

    Examples
    --------
    >>> prove_width(2, 1).status
    'proven-infeasible'
    >>> p = prove_width(2, 2)
    >>> p.status, p.certificate.verification.status
    ('feasible-certified', 'verified')
    >>> prove_width(4, 2, groups=(2, 2)).status  # no lower bound: the class is smaller
    'no-tied-network'
    >>> p = prove_width(3, 1, function="majority")  # a threshold function: one unit
    >>> p.status, p.function, p.function_hex
    ('feasible-certified', 'majority', 'e8')
    """
    check_prove_arguments(n, width, variant=variant, formulation=formulation, time_limit=time_limit,
                          threads=threads, seed=seed, bound=bound)
    f = target_function(function, n)
    if is_constant(f):
        raise InputError(f"{f.spec} is constant on {n} bits: width 0 (the output bias alone) computes it")
    label = dict(function=f.spec, function_hex=f.hex)
    bound = default_bound(n, variant, formulation) if bound is None else float(bound)
    started = time.perf_counter()
    groups = None if groups is None else check_groups(n, groups)
    tied = is_tied(groups)
    groups = groups if tied else None  # all groups of one bit: the untied program
    check_program_size(n, width, groups)
    build_seconds = program_binaries(n, width, groups) * BUILD_SECONDS_PER_BINARY
    counts = positive_counts(width, formulation, groups, function=f)
    outcomes: dict[int, SplitOutcome] = {}
    details: dict[int, str] = {}  # why a split is unknown
    found: tuple[int, Certificate] | None = None
    solve = functools.partial(_solve_split, (f.hex, n), width, variant, formulation, bound, groups, threads, seed)
    if backend is not None:
        # Independent tasks, one pass: a round of `workers` splits shares the time limit, so the
        # width's wall time stays within it as in one process (no second try).
        rounds = math.ceil(len(counts) / max(backend.workers, 1))
        share = None if time_limit is None else time_limit / rounds
        if share is not None and build_seconds > share:
            why = f"building it would take about {build_seconds:.2g} s of the {share:.2g} s left to it"
            outcomes = {p: _not_run(p, why) for p in counts}
        stream = backend.map_unordered(functools.partial(solve, share), [p for p in counts if p not in outcomes])
        try:
            for positive, (outcome, certificate, detail) in stream:
                outcomes[positive] = outcome
                if certificate is not None:
                    found = (positive, certificate)
                    break
                if detail:
                    details[positive] = f"P = {positive}: {detail}"
        finally:
            stream.close()
    # Balanced splits come first (that is where networks were found).  A split that
    # times out while later ones finish quickly gets a second try with the time they
    # left, if that is more than it had (HiGHS starts over: the first try is lost).
    pending = list(counts) if backend is None else []
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
                        outcomes[positive] = _not_run(positive, why)
                    continue
            outcomes[positive], certificate, detail = solve(share, positive)
            details.pop(positive, None)
            if certificate is not None:
                found = (positive, certificate)
                break
            if detail:
                details[positive] = f"P = {positive}: {detail}"
        if found is not None or time_limit is None:
            break
        retry = [p for p in counts if outcomes[p].outcome == "unknown" and outcomes[p].time_limit]
        left = time_limit - (time.perf_counter() - started)
        if not retry or left / len(retry) <= 1.5 * max(outcomes[p].time_limit for p in retry):
            break
        pending = retry
    if found is not None:
        positive, certificate = found
        reason = (f"P = {positive} positive output weights; network verified on all {1 << n} inputs "
                  f"(denominators <= {certificate.denominator_limit})")
        if tied:
            reason += f"; weights tied in groups {format_groups(groups)}"
        splits = tuple(outcomes[p] for p in counts if p in outcomes)
        return WidthProof(n, width, variant, formulation.name, bound, "feasible-certified", reason,
                          splits, certificate, time.perf_counter() - started, time_limit, groups, **label)
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
                          tuple(splits), None, seconds, time_limit, groups, **label)
    skipped = [f"P = {s.positive}: {s.solver_status}" for s in splits if s.solver_status.startswith("not run")]
    return WidthProof(n, width, variant, formulation.name, bound, "unknown", "; ".join(failures + skipped),
                      tuple(splits), None, seconds, time_limit, groups, **label)


def format_groups(groups: Iterable[int] | None) -> str:
    """``3+3`` for tied groups, ``-`` for none.

    Examples
    --------
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


def _solve_split(spec: tuple[str, int], width: int, variant: str, formulation: Formulation, bound: float,
                 groups, threads: int, seed: int, share: float | None, positive: int):
    """Build and solve the program of one count ``positive``; certify what it finds.

    Returns ``(SplitOutcome, Certificate or None, detail)``, ``detail`` saying why an
    unknown split is unknown.  A module-level function of small arguments, so that
    it can run as a backend's task.
    """
    from expressivity.functions import function_from_hex

    hex_digits, n = spec
    building = time.perf_counter()
    model = build_model(n, width, positive, variant=variant, formulation=formulation, bound=bound,
                        groups=groups, function=function_from_hex(hex_digits, n))
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
        return _split(positive, "feasible", solution, share), certificate, ""
    if _proves_infeasible(variant, solution):
        return _split(positive, "infeasible", solution, share), None, ""
    detail = solution.status
    if why and (variant == "exact" or solution.objective > ZERO_MARGIN):
        detail += f", margin {solution.objective:.3g} but {why}"
    return _split(positive, "unknown", solution, share), None, detail


def _not_run(positive: int, why: str) -> SplitOutcome:
    return SplitOutcome(positive, "unknown", f"not run ({why})", None, None, None, 0, 0.0, 0.0)


def _split(positive: int, outcome: str, solution, time_limit) -> SplitOutcome:
    return SplitOutcome(positive, outcome, solution.status, solution.objective, solution.dual_bound,
                        solution.gap, solution.nodes, round(solution.seconds, 3), time_limit)


__all__ = [
    "ZERO_MARGIN", "MAX_BINARIES", "BUILD_SECONDS_PER_BINARY", "MAX_CERTIFIED_PAIRS", "STATUSES",
    "SplitOutcome", "WidthProof", "program_binaries", "check_program_size", "check_prove_arguments", "prove_width",
    "format_groups",
]
