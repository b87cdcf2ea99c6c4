"""Proven minimum widths: the proofs for widths 1, 2, ... of one ``n`` and the known upper bounds, combined.

Lower bounds come from widths proven impossible and upper bounds from certified
networks (:mod:`expressivity.prove.milp.width`).  Upper bounds for the summary also
come from ``search-width`` records and from constructions
(:func:`constructions`):

* parity: ``n`` units, ``relu(s) - relu(2s - 2) + relu(2s - 4) - ...`` with
  ``s = sum x`` computes it exactly, hence also by sign; ``zigzag``'s ``n - 1``
  units for the sign variant, ``n >= 4`` (its negated output for NOT parity);
* every non-constant function: the minterm construction, one unit
  ``relu(1 - |x - a|_1)`` per one ``a`` of ``f`` (output ``sum - 1/2`` for the
  sign variant, ``sum`` for the exact one), or per zero ``a`` with the output
  negated: ``min(#ones, #zeros)`` units, pre-activations in ``[1 - n, 1]``;
* a symmetric function ``f(x) = v(s)``: the piecewise-linear interpolation of
  ``v`` on ``s``, ``v(0) + sum_j (slope_j - slope_{j-1}) relu(s - j)``, one unit
  per ``j`` in ``0..n-1`` where the slope changes (at most ``n``), exact (and
  sign after ``- 1/2``), pre-activations at most ``2n - 2`` once the output
  weights are normalised to +-1;
* a constant function: width 0 (the output bias alone); there is no program.

The constructions other than parity's are built and checked on every input
before they count.  Threshold functions need one unit; the program finds it
(``prove_width(n, 1)``) rather than a construction.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from expressivity.errors import check_int
from expressivity.prove.milp.formulation import STRONG, Formulation, default_bound, is_constant, target_function
from expressivity.prove.milp.width import WidthProof, check_prove_arguments, format_groups, prove_width

SUMMARY_STATUSES = ("exact", "gap", "unknown", "conflict")


@dataclass(frozen=True)
class WidthSummary:
    """What is proven about the minimum width for ``n`` bits of ``function`` (a spec; parity by default).

    ``lower_bound``: every width below it is proven impossible (1 when nothing
    is proven: a network without units is a constant, which computes no
    non-constant function; 0 for a constant function, which width 0 computes).  ``upper_bound``: a width
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
    function: str = "parity"
    function_hex: str = ""

    def __post_init__(self) -> None:
        if not self.function_hex:
            object.__setattr__(self, "function_hex", target_function(self.function, self.n).hex)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n, "variant": self.variant, "lower_bound": self.lower_bound,
            "upper_bound": self.upper_bound, "upper_source": self.upper_source, "status": self.status,
            "widths": {p.width: p.status for p in self.widths},
            "function": self.function, "function_hex": self.function_hex,
        }


def construction_upper_bound(n: int, variant: str, bound: float, function=None) -> int | None:
    """Width of the smallest known construction for ``function`` (default parity), if it lies in the class.

    Parity, sign variant: ``zigzag`` has ``n - 1`` units for ``n >= 4``, ``symmetric`` ``n`` (any
    network rescales into the normalised class, so ``bound`` does not matter).  Exact
    variant: ``symmetric``'s ``n`` units, whose pre-activations reach ``2n - 2``.  Other
    functions: see :func:`constructions` (0 for a constant function).

    Examples
    --------
    >>> construction_upper_bound(5, "sign", 1.0), construction_upper_bound(3, "sign", 1.0)
    (4, 3)
    >>> construction_upper_bound(5, "exact", 10.0), construction_upper_bound(5, "exact", 4.0)
    (5, None)
    >>> construction_upper_bound(3, "sign", 1.0, "exactly:1"), construction_upper_bound(3, "exact", 6.0, "threshold:3")
    (3, 1)
    """
    found = constructions(n, variant, bound, function)
    return found[0][0] if found else None


def constructions(n: int, variant: str, bound: float, function=None) -> list[tuple[int, str]]:
    """The known constructions for ``function`` on ``n`` bits in the class: ``(width, name)``, smallest first.

    Parity keeps its names (``zigzag``, ``symmetric``).  For other functions each
    network is built and checked on all ``2^n`` inputs first (see the module docstring).

    Examples
    --------
    >>> constructions(3, "sign", 1.0, "majority")
    [(2, 'interpolation on sum(x)'), (4, 'minterms of the ones')]
    >>> constructions(3, "exact", 6.0, "hex:00")
    [(0, 'constant function, output bias alone')]
    """
    f = target_function(function, n)
    if is_constant(f):
        return [(0, "constant function, output bias alone")]
    from expressivity.functions import parity

    parity_n = parity(n)
    if f == parity_n:
        if variant == "exact":
            return [(n, "symmetric")] if bound >= max(n, 2 * n - 2) else []
        return [(n - 1, "zigzag")] if n >= 4 else [(n, "symmetric")]
    found = []
    if f == parity_n.negate() and variant == "sign" and n >= 4:
        found.append(_checked(f, variant, bound, *_negated(_zigzag(n)), "zigzag, output negated"))
    ones = f.count_ones
    on_zeros = ones > (1 << n) - ones
    found.append(_checked(f, variant, bound, *_minterms(f, on_zeros, variant),
                          f"minterms of the {'zeros' if on_zeros else 'ones'}"))
    if f.is_symmetric:
        found.append(_checked(f, variant, bound, *_interpolation(f, variant), "interpolation on sum(x)"))
    return sorted((item for item in found if item is not None), key=lambda item: item[0])


def _minterms(f, on_zeros: bool, variant: str):
    rows = np.flatnonzero(~f.table if on_zeros else f.table)
    bits = ((rows[:, None] >> np.arange(f.n)) & 1).astype(np.int64)
    weights = 2 * bits - 1  # z_a(x) = 1 - |x - a|_1: 1 at a, <= 0 elsewhere
    biases = 1 - bits.sum(axis=1)
    sign = -1 if on_zeros else 1
    if variant == "exact":
        return weights, biases, np.full(len(rows), sign), 1 if on_zeros else 0, 1
    return weights, biases, np.full(len(rows), 2 * sign), 1 if on_zeros else -1, 1


def _interpolation(f, variant: str):
    n = f.n
    v = np.array(f.values_by_weight(), dtype=np.int64)
    slopes = np.diff(v)
    changes = np.diff(np.concatenate([[0], slopes]))  # coefficient of relu(s - j), j = 0..n-1
    used = np.flatnonzero(changes)
    weights = np.ones((len(used), n), dtype=np.int64)
    biases = -used.astype(np.int64)
    if variant == "exact":
        return weights, biases, changes[used], int(v[0]), 1
    return weights, biases, 2 * changes[used], 2 * int(v[0]) - 1, 1


def _zigzag(n: int):
    from expressivity.networks.shallow import zigzag

    net = zigzag(n)
    return (net.weights[0].toarray(), np.asarray(net.biases[0]), net.weights[1].toarray()[0],
            int(np.asarray(net.biases[1])[0]), 1)


def _negated(network):
    weights, biases, out, c, scale = network
    return weights, biases, -np.asarray(out), -c, scale


def _checked(f, variant: str, bound: float, weights, biases, out, c, scale, name: str):
    """``(width, name)`` if the network computes ``f`` on every input (and, exact variant, lies in the class)."""
    weights, biases, out = (np.asarray(a, dtype=np.int64) for a in (weights, biases, out))
    n = f.n
    x = ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1).astype(np.int64)
    z = x @ weights.T + biases  # (2^n, units)
    g = np.maximum(z, 0) @ out + c
    target = f.table.astype(np.int64)
    if variant == "exact":
        # normal form a relu(z) = sign(a) relu(|a| z): the class bounds |a| |z| by ``bound``
        if not (np.array_equal(g, scale * target) and (np.abs(out) * np.abs(z)).max(initial=0) <= bound * scale):
            return None
    elif not np.array_equal(g > 0, target.astype(bool)) or (g == 0).any():
        return None
    return len(out), name


def summarize(
    n: int,
    variant: str,
    proofs: Iterable[WidthProof],
    *,
    bound: float | None = None,
    search_upper: int | None = None,
    function=None,
) -> WidthSummary:
    """Combine the proofs for one ``n`` and ``function`` (default parity) with the constructions and ``search-width``'s bound.

    Examples
    --------
    >>> proofs = [prove_width(2, 1), prove_width(2, 2)]
    >>> s = summarize(2, "sign", proofs)
    >>> s.lower_bound, s.upper_bound, s.upper_source, s.status
    (2, 2, 'solver (verified network)', 'exact')
    >>> s = summarize(3, "sign", [], function="hex:ff")
    >>> s.lower_bound, s.upper_bound, s.upper_source, s.status
    (0, 0, 'construction (constant function, output bias alone)', 'exact')
    """
    f = target_function(function, n)
    bound = default_bound(n, variant) if bound is None else bound
    proofs = tuple(sorted((p for p in proofs if p.n == n and p.variant == variant and p.function_hex == f.hex),
                          key=lambda p: p.width))
    infeasible = [p.width for p in proofs if p.status == "proven-infeasible"]
    lower = max(infeasible) + 1 if infeasible else (0 if is_constant(f) else 1)
    candidates: list[tuple[int, str]] = [
        (p.width, "solver (verified network" + (f", weights tied {format_groups(p.groups)})" if p.tied else ")"))
        for p in proofs if p.status == "feasible-certified"]
    if search_upper is not None:
        candidates.append((search_upper, "search-width records"))
    found = constructions(n, variant, bound, f)
    if found:
        width, name = found[0]
        units = "" if width == 0 else f", {width} unit{'s' if width != 1 else ''}"
        candidates.append((width, f"construction ({name}{units})"))
    # The first smallest wins: the solver's own network, then search records, then the construction.
    upper, source = min(candidates, key=lambda item: item[0]) if candidates else (math.inf, "none")
    if lower > upper:
        status = "conflict"
    elif lower == upper:
        status = "exact"
    else:
        status = "gap" if infeasible else "unknown"
    return WidthSummary(n, variant, lower, upper, source, status, proofs, f.spec, f.hex)


def reusable_proofs(
    records: Iterable[Mapping[str, Any]], variant: str, formulation: str, time_limit: float | None,
) -> dict[tuple, WidthProof]:
    """Proofs of earlier runs worth keeping, by :attr:`WidthProof.key` (later records win).

    Settled proofs are kept; an ``"unknown"`` only if it already had at least
    ``time_limit`` seconds.  ``ValueError`` for a prove-width record that cannot be read.
    The key holds the function's hex table; a record without ``function`` (written
    before functions were a parameter) is parity's.

    Examples
    --------
    >>> old = prove_width(2, 1).to_dict()
    >>> [key[:2] for key in reusable_proofs([old, {"kind": "other"}], "sign", "strong", 60.0)]
    [(2, 1)]
    >>> del old["function"], old["function_hex"]  # as records were written before
    >>> [key[5] for key in reusable_proofs([old], "sign", "strong", 60.0)]  # 2-bit parity, XOR
    ['6']
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


def search_upper_bounds(records: Iterable[Mapping[str, Any]], variant: str = "sign",
                        function=None) -> dict[int, int]:
    """The smallest width with a success per ``n`` in ``search-width`` records, read tolerantly.

    A record counts when it has integer ``n`` and ``width``, ``successes > 0``,
    and (if it says) one hidden layer.  For the exact variant only records that
    say their output was exact count (``mode``/``variant``/``output`` ==
    ``"exact"``); the sign variant takes both, since an exact network shifted by
    -1/2 is a sign classifier.  Only records of ``function`` (a spec, parsed at
    each record's ``n``; default parity) count: their ``function_hex`` must be its
    table, and a record without one is parity's (written before functions).

    Examples
    --------
    >>> search_upper_bounds([{"n": 4, "width": 3, "successes": 2}, {"n": 4, "width": 5, "successes": 1},
    ...                      {"n": 5, "width": 4, "successes": 0}, {"bad": 1}])
    {4: 3}
    >>> search_upper_bounds([{"n": 3, "width": 1, "successes": 2, "function_hex": "e8"}], function="majority")
    {3: 1}
    """
    best: dict[int, int] = {}
    tables: dict[int, str | None] = {}
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
        if n not in tables:
            try:
                tables[n] = target_function(function, n).hex
            except ValueError:  # the spec means nothing at this n
                tables[n] = None
        parity_hex = None
        if "function_hex" not in record:
            try:
                parity_hex = target_function(None, n).hex
            except ValueError:
                continue
        if tables[n] is None or record.get("function_hex", parity_hex) != tables[n]:
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
    function=None,
    prover: Callable[[int, Any], WidthProof] | None = None,
) -> WidthSummary:
    """Prove widths 1, 2, ... for ``n`` bits of ``function`` (default parity) until the minimum is settled.

    Stops at the first certified width, at the smallest width known to suffice
    (construction, ``search_upper``) or past ``max_width``.  Timeouts do not
    stop it: proving a larger width impossible also settles the smaller ones.
    ``known`` holds proofs from earlier runs (``--resume``); ``on_proof`` is
    called with each new one.  A constant function is settled at once: width 0.
    ``prover(width, f)`` replaces :func:`~expressivity.prove.milp.width.prove_width`
    (for example the cubes of :mod:`expressivity.prove.cubes.cube`).

    Examples
    --------
    >>> s = prove_minimum_width(3, time_limit=30)
    >>> s.lower_bound, s.upper_bound, s.status
    (3, 3, 'exact')
    >>> s = prove_minimum_width(3, function="exactly:1", time_limit=30)
    >>> s.lower_bound, s.upper_bound, s.status, s.function_hex
    (2, 2, 'exact', '16')
    """
    check_prove_arguments(n, variant=variant, formulation=formulation, time_limit=time_limit, threads=threads)
    for name, value in (("max_width", max_width), ("search_upper", search_upper)):
        if value is not None:
            check_int(value, name, minimum=1 if name == "max_width" else 0)
    f = target_function(function, n)
    known = dict(known or {})
    bound = default_bound(n, variant, formulation)
    construction = construction_upper_bound(n, variant, bound, f)
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
            proof = prover(width, f) if prover is not None else prove_width(
                n, width, variant=variant, formulation=formulation, bound=bound, time_limit=time_limit,
                threads=threads, function=f)
            if on_proof is not None:
                on_proof(proof)
        proofs.append(proof)
        if proof.status == "feasible-certified":
            break
    return summarize(n, variant, proofs, bound=bound, search_upper=search_upper, function=f)


__all__ = [
    "SUMMARY_STATUSES", "WidthSummary", "construction_upper_bound", "constructions", "summarize", "reusable_proofs",
    "search_upper_bounds", "prove_minimum_width",
]
