"""Upper bounds on the minimum width from networks whose weights are tied within groups of bits.

The untied program of :mod:`expressivity.prove.milp.program` has ``2^n`` binaries per
unit and stops being solvable around n = 6.  Parity is symmetric, so a natural
smaller class is networks whose units give one weight to every bit of a group:
they read only the group counts, and the program shrinks to one row per point
of the grid ``{0..g_1} x ... x {0..g_k}``.  Bits are interchangeable and
flipping a bit maps parity networks to parity networks, so groupings are taken
up to order (partitions of n) and up to signs within a group.

What the answers mean:

* a network found for some grouping is certified on all ``2^n`` inputs: an
  *upper bound* on the minimum width, as good as any other;
* ``"no-tied-network"`` for every grouping tried is *not* a lower bound: untied
  networks may still do better.  The one-group class (all weights equal, units
  read only ``s = sum x``) needs ``n - 1`` units for ``n >= 4`` (the output
  alternates in sign over ``s = 0..n``), which the ``zigzag`` construction meets.
"""
from __future__ import annotations

import functools

import math
from typing import Callable, Iterable, Iterator

from expressivity.errors import InputError
from expressivity.prove.milp.formulation import STRONG, Formulation, check_groups, is_tied, target_function
from expressivity.prove.milp.summary import construction_upper_bound
from expressivity.prove.milp.width import WidthProof, check_prove_arguments, prove_width

#: Grid points (binaries per unit) above which a grouping is not tried.
MAX_GRID_POINTS = 2048
#: Largest n: a network found is certified on all 2^n inputs in exact rational
#: arithmetic, and past about eight units HiGHS rarely finds one in minutes anyway
#: (n = 10, nine units tied 5+5: none in 120 s, though the zigzag is such a network).
MAX_TIED_BITS = 12


def partitions(n: int, max_groups: int | None = None) -> Iterator[tuple[int, ...]]:
    """Groupings of ``n`` bits up to order, largest group first; all single bits (untied) excluded.

    Examples
    --------
    >>> list(partitions(4))
    [(4,), (3, 1), (2, 2), (2, 1, 1)]
    >>> list(partitions(6, max_groups=2))
    [(6,), (5, 1), (4, 2), (3, 3)]
    """
    def parts(left: int, largest: int, slots: int) -> Iterator[tuple[int, ...]]:
        if left == 0:
            yield ()
            return
        if slots == 0:
            return
        for first in range(min(left, largest), 0, -1):
            for rest in parts(left - first, first, slots - 1):
                yield (first,) + rest

    limit = n if max_groups is None else max_groups
    for groups in parts(n, n, limit):
        if is_tied(groups):
            yield groups


def grid_size(groups: Iterable[int]) -> int:
    """Points of the grid of group counts: the binaries per unit of the tied program.

    Examples
    --------
    >>> grid_size((3, 3)), grid_size((1,) * 6)
    (16, 64)
    """
    return math.prod(g + 1 for g in groups)


def default_tied_width(n: int) -> int:
    """One unit fewer than the best construction: the width worth looking for.

    Examples
    --------
    >>> default_tied_width(6), default_tied_width(3)
    (4, 2)
    """
    return construction_upper_bound(n, "sign", 1.0) - 1


def search_tied(
    n: int,
    width: int,
    groupings: Iterable[tuple[int, ...]],
    *,
    variant: str = "sign",
    formulation: Formulation = STRONG,
    time_limit: float | None = 60.0,
    stop_at_first: bool = True,
    known: dict[tuple, WidthProof] | None = None,
    on_start: Callable[[tuple[int, ...]], None] | None = None,
    on_proof: Callable[[WidthProof], None] | None = None,
    function=None,
    backend=None,
) -> list[WidthProof]:
    """Try ``width`` units with each grouping, smallest grid first; one proof per grouping tried.

    ``function`` (default parity) must be a function of the group counts of every
    grouping tried (``ValueError`` otherwise), as every symmetric function is.

    ``known`` maps :attr:`WidthProof.key` to proofs of earlier runs, reused as
    they are.  With ``stop_at_first`` the search ends at the first certified
    network (in grid order; with a backend running several groupings at once,
    at the first to finish, and the proofs are those of the groupings up to it).
    ``backend``: an :class:`expressivity.backends.Backend` running the
    groupings as independent tasks (default: in this process, in order).

    Examples
    --------
    Two units on ``s = x0 + x1 + x2`` do not classify 3-bit parity (nor do two untied
    units: three bits need three):

    >>> [p.status for p in search_tied(3, 2, [(3,)])]
    ['no-tied-network']

    Five bits need four units (proven); four units on ``s`` alone do it (the
    zigzag), and so do four units on two group counts:

    >>> found = search_tied(5, 4, [(3, 2), (5,)], stop_at_first=False)
    >>> [(p.groups, p.status, p.certificate.verification.status) for p in found]
    [((5,), 'feasible-certified', 'verified'), ((3, 2), 'feasible-certified', 'verified')]
    """
    from expressivity.backends import LocalBackend

    check_prove_arguments(n, width, variant=variant, formulation=formulation, time_limit=time_limit)  # before any work
    backend = LocalBackend() if backend is None else backend
    known = known or {}
    f = target_function(function, n)
    try:
        ordered = [check_groups(n, g) for g in sorted(groupings, key=lambda g: (grid_size(g), g))]
    except TypeError:
        raise InputError(f"groupings must be sequences of group sizes, got {type(groupings).__name__}") from None
    proofs: dict[tuple[int, ...], WidthProof] = {}
    for groups in ordered:
        key = (n, width, variant, formulation.name, 1.0 if variant == "sign" else 2.0 * n, f.hex, groups)
        if key in known:
            proofs[groups] = known[key]
    # with stop_at_first, nothing after a grouping already known to work needs proving
    last = next((i for i, g in enumerate(ordered) if g in proofs and proofs[g].status == "feasible-certified"),
                len(ordered)) if stop_at_first else len(ordered)
    if any(g not in proofs for g in ordered[:last]):

        def to_prove():          # lazily, so that on_start marks the moment a grouping is handed out
            for groups in ordered[:last]:
                if groups not in proofs:
                    if on_start is not None:
                        on_start(groups)
                    yield groups

        task = functools.partial(_prove_grouping, n, width, variant, formulation, time_limit, f)
        for groups, proof in backend.map_unordered(task, to_prove()):
            proofs[groups] = proof
            if on_proof is not None:
                on_proof(proof)
            if stop_at_first and proof.status == "feasible-certified":
                break            # closing the iteration cancels the groupings still running
    found = [proofs[g] for g in ordered if g in proofs]
    if stop_at_first:
        first = next((i for i, p in enumerate(found) if p.status == "feasible-certified"), None)
        found = found if first is None else found[:first + 1]
    return found


def _prove_grouping(n, width, variant, formulation, time_limit, f, groups) -> WidthProof:
    """One grouping's proof: a module-level function, so that any backend can run it."""
    return prove_width(n, width, variant=variant, formulation=formulation, time_limit=time_limit,
                       groups=tuple(groups), function=f)

__all__ = ["MAX_GRID_POINTS", "MAX_TIED_BITS", "partitions", "grid_size", "default_tied_width", "search_tied"]
