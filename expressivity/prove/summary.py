"""Proven minimum widths: the proofs for widths 1, 2, ... of one ``n`` and the known upper bounds, combined.

Lower bounds come from widths proven impossible and upper bounds from certified
networks (:mod:`expressivity.prove.width`).  Upper bounds for the summary also
come from the known construction (``n`` units:
``relu(s) - relu(2s - 2) + relu(2s - 4) - ...`` with ``s = sum x`` computes
parity exactly, hence also by sign) and from ``search-width`` records.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from expressivity.prove.formulation import STRONG, Formulation, default_bound
from expressivity.prove.width import WidthProof, format_groups, prove_width

SUMMARY_STATUSES = ("exact", "gap", "unknown", "conflict")


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


__all__ = [
    "SUMMARY_STATUSES", "WidthSummary", "construction_upper_bound", "summarize", "reusable_proofs",
    "search_upper_bounds", "prove_minimum_width",
]
