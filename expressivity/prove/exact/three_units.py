"""The pattern method for three units: every combination that could compute ``f``, pruned by exact lemmas, then exact LPs.

:mod:`~expressivity.prove.exact.patterns` lists combinations of one or two
units one by one; with three units at ``n = 5`` that would be about
``94572^3`` of them.  Here the same necessary conditions (the *sandwiches* of
that module's step 3) are read as conditions on *sets of ones*, decided for
all candidate units at once with tables, and four lemmas shrink the question
first.  Each step loses no network:

1. *Output signs (negation).*  Write ``P`` for the number of units with a
   positive output weight (signs as in :mod:`~expressivity.prove.exact.patterns`,
   step 1).  If ``out`` computes ``f`` (``> 0`` exactly on the ones), let
   ``delta > 0`` be its least value on the ones; then ``delta/2 - out`` is
   ``>= delta/2 > 0`` on the zeros and ``<= -delta/2`` on the ones: the same
   units with every output weight negated compute ``NOT f``.  So ``f`` has a
   network with ``P`` positive units iff ``NOT f`` has one with ``3 - P``,
   and the cases ``(f, P)`` for ``P = 0..3`` are exactly the cases
   ``(g, P)`` for ``g`` in ``{f, NOT f}`` and ``P`` in ``{2, 3}``.
2. *Units empty on a face.*  Restrict a network to a face ``F`` of the cube
   (some inputs fixed): every unit is again a unit of the free inputs, and a
   unit inactive on all of ``F`` adds 0 there, so the restriction is a network
   of the two other units computing ``g|F``.  When ``g|F`` has no network of
   two units, every unit must be active somewhere on ``F``.  Which faces need
   three units is decided by the exact method itself
   (:func:`~expressivity.prove.exact.by_patterns.prove_width_by_patterns` at
   width 2, every answer a checked Farkas certificate), so this pruning is as
   exact as the rest; the faces used are listed in the answer (``lemmas``).
   The candidates are the threshold functions that pass (the set is mapped to
   itself by every transform preserving ``g``, since those map faces to faces
   and ``g|F`` to a transform of itself).
3. *Sandwiches as tables.*  Fix the signs.  For a set ``B`` of units, step 3 of
   :mod:`~expressivity.prove.exact.patterns` says: the ones whose *positive*
   active units are those of ``B`` must be separable by a threshold function
   from the zeros whose *negative* active units are those of ``B`` (and for
   ``B`` empty one of the two sets is empty, the piece being the constant
   ``c``).  With ``P = 2`` (units ``a, b`` positive, ``c`` negative) the zeros
   side depends on ``c`` alone: ``Z0`` (zeros where ``c`` is inactive) and
   ``Z1`` (where it is active).  So for ``c`` fixed, each of the three parts
   ``ones & a & b``, ``ones & a & ~b``, ``ones & ~a & b`` must be separable
   from ``Z0`` and from ``Z1``; the fourth part, ``ones & ~a & ~b``, must be
   empty unless ``Z0`` is, and separable from ``Z1``.  "Separable from ``Z``"
   is closed under subsets, so the sets of ones that are form a table over the
   ``2^|ones|`` subsets: the subsets of ``t & ones`` over the threshold
   functions ``t`` missing ``Z`` (a complete list, :func:`~expressivity.prove.exact.patterns.threshold_patterns`).
   One table lookup per part decides a pair ``(a, b)``; the pairs are
   decided by their ones alone, so each distinct ``a & ones`` is tried once.
   With ``P = 3`` every zero is on the zeros side of every ``B``: each of the
   seven parts (ones by their exact set of active units) must be separable
   from all zeros, and ``ones & ~a & ~b & ~c`` empty.  If even seven of the
   largest such sets cannot hold all the ones, nothing is enumerated (for
   parity, the separable sets are single ones: two ones ``u, v`` give two
   zeros ``p, q`` with ``p + q = u + v``, flip one coordinate where they
   differ in each, so no threshold function holds ``u, v`` and no zero).
4. *Normal form.*  The units of one sign are interchangeable, and the
   transforms preserving ``g`` map networks to networks (step 2 of
   :mod:`~expressivity.prove.exact.patterns`): with ``P = 2`` the negative
   unit's pattern is an orbit minimum and ``a <= b``; with ``P = 3`` the first
   unit is an orbit minimum, the others have orbit numbers at least its, and
   ``b <= c``.

What survives is a list of combinations; each is decided by
:func:`~expressivity.prove.exact.duals.solve_combination` (a Farkas
certificate checked in integers, or a network checked in Fractions).  A
network found for ``NOT f`` is turned into one for ``f`` by step 1 and checked
again.  For 5-bit parity no combination survives: every case is refuted by
steps 1-3, with no LP.

Examples
--------
>>> from expressivity.functions import parse_function
>>> five = enumerate_three_units(parse_function("parity", 5).table)
>>> five.candidates, five.first_units, len(five.survivors), len(five.faces)
((20177, 20177), 120, 0, 100)

:func:`~expressivity.prove.exact.by_patterns.prove_width_by_patterns` with
``width=3`` runs it and decides the survivors.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from expressivity.errors import InputError
from expressivity.prove.exact.duals import ExactNetwork, _LinearPrograms, solve_combination
from expressivity.prove.exact.patterns import (
    Combination, enumerate_combinations, orbit_minima, preserving_row_maps, table_mask, threshold_patterns,
)

#: The largest n handled (the threshold functions of n <= 5 inputs are listed).
MAX_BITS = 5
#: The most ones (and zeros) of a function of 5 bits: the tables hold 2^ones entries.
MAX_TABLE_BITS = 20
#: The most pairs of distinct ones-sets decided for one negative unit (memory: one byte each, in blocks).
MAX_PAIRS = 1 << 34
#: Ones-sets of the three positive units tried at most, for P = 3 (K^2 per first unit).
MAX_TRIPLE_KEYS = 4096
#: Surviving combinations decided by LPs at most; past it the answer is "undecided" and says so.
#: (Step 3 reads a positive unit on the ones only, so a function whose conditions are weak keeps every
#: pattern of each positive unit on the zeros: many survivors, each an LP.)
MAX_SURVIVORS = 20_000


@dataclass(frozen=True)
class ThreeUnitEnumeration:
    """The combinations of three units that pass steps 1-4, and what was counted on the way.

    ``candidates``: threshold functions left by step 2, for ``f`` and for ``NOT f``;
    ``first_units``: negative (``P = 2``) or first (``P = 3``) units tried;
    ``pairs``: pairs of ones-sets decided by tables; ``survivors``: ``(g_is_f,
    Combination)``; ``faces``: the faces ``(mask, restriction hex)`` used by
    step 2; ``complete``: False when a deadline or a size limit stopped it
    (``reason`` says which).
    """

    n: int
    candidates: tuple[int, int]
    first_units: int
    pairs: int
    survivors: tuple[tuple[bool, Combination], ...]
    faces: tuple[str, ...]
    complete: bool = True
    reason: str = ""


def _rows_bits(n: int) -> np.ndarray:
    rows = np.arange(1 << n)
    return (rows[:, None] >> np.arange(n)) & 1


def face_masks(n: int, dimension: int) -> list[tuple[tuple[int, ...], tuple[int, ...], int]]:
    """Every face of ``{0,1}^n`` of that dimension: ``(fixed inputs, their values, rows bitmask)``.

    Examples
    --------
    >>> [bin(m) for _, _, m in face_masks(2, 1)]       # x0 = 0, x0 = 1, x1 = 0, x1 = 1
    ['0b101', '0b1010', '0b11', '0b1100']
    """
    bits = _rows_bits(n)
    faces = []
    for fixed in itertools.combinations(range(n), n - dimension):
        for values in itertools.product((0, 1), repeat=n - dimension):
            rows = np.flatnonzero((bits[:, list(fixed)] == values).all(axis=1)) if fixed else np.arange(1 << n)
            faces.append((fixed, values, sum(1 << int(r) for r in rows)))
    return faces


def restriction(table: np.ndarray, fixed, values) -> np.ndarray:
    """``g`` on a face, as a table of its free inputs (in their order)."""
    n = len(table).bit_length() - 1
    free = [i for i in range(n) if i not in fixed]
    out = np.zeros(1 << len(free), dtype=bool)
    for k in range(1 << len(free)):
        row = sum(((k >> j) & 1) << i for j, i in enumerate(free)) + sum(v << i for i, v in zip(fixed, values))
        out[k] = table[row]
    return out


@lru_cache(maxsize=256)
def _needs_three(restricted: tuple[bool, ...]) -> bool:
    """Whether no two units compute this function, proven exactly: every width-2 combination that survives
    :func:`~expressivity.prove.exact.patterns.enumerate_combinations` has a checked Farkas certificate.

    (The same answer as ``prove_width_by_patterns(table, 2)``, decided here so that the driver of
    width 3 in :mod:`~expressivity.prove.exact.by_patterns` can import this module.)
    """
    table = np.array(restricted, dtype=bool)
    if table.all() or not table.any():
        return False
    programs = _LinearPrograms()
    return all(solve_combination(table, combination, programs).status == "infeasible"
               for combination in enumerate_combinations(table, 2).survivors)


def unit_candidates(table: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Step 2: the threshold functions active somewhere on every face whose restriction needs three units.

    Returns the candidates (sorted bitmasks) and the faces used, as
    ``"x0=1,x3=0: hex"`` strings.

    Examples
    --------
    >>> from expressivity.functions import parse_function
    >>> units, faces = unit_candidates(parse_function("parity", 4).table)
    >>> len(units), len(faces), faces[0]                 # the eight facets, each 3-bit parity or its complement
    (1289, 8, 'x0=0: 96')
    """
    n = len(table).bit_length() - 1
    patterns = threshold_patterns(n).astype(np.int64)
    keep = np.ones(len(patterns), dtype=bool)
    used = []
    for dimension in range(2, n):
        for fixed, values, mask in face_masks(n, dimension):
            restricted = restriction(table, fixed, values)
            if _needs_three(tuple(bool(v) for v in restricted)):
                keep &= (patterns & mask) != 0
                name = ",".join(f"x{i}={v}" for i, v in zip(fixed, values))
                used.append(f"{name}: {format(table_mask(restricted), f'0{max(1, len(restricted) // 4)}x')}")
    return patterns[keep], tuple(used)


def _compress(masks: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Bits ``rows[j]`` of each mask as bit ``j``: a set of rows as a subset of ``rows``."""
    out = np.zeros_like(masks)
    for j, r in enumerate(rows):
        out |= ((masks >> int(r)) & 1) << j
    return out


def separable_subsets(n: int, ones: np.ndarray, zeros_mask: int) -> np.ndarray:
    """Table over the subsets ``S`` of ``ones`` (bit ``j`` = ``ones[j]``): some threshold function holds ``S`` and no row of ``zeros_mask``.

    The sets ``t & ones`` of the threshold functions ``t`` missing every zero
    of ``zeros_mask`` are marked, then every subset of a marked set (one pass
    per bit: a set is marked if it plus that bit is).

    Examples
    --------
    >>> table = separable_subsets(2, np.array([1, 2]), 0b1001)   # XOR's ones {01, 10} against its zeros
    >>> table.tolist()                                           # {}, {01}, {10} yes, both no
    [True, True, True, False]
    """
    patterns = threshold_patterns(n).astype(np.int64)
    marked = np.zeros(1 << len(ones), dtype=bool)
    marked[_compress(patterns[(patterns & zeros_mask) == 0], ones)] = True
    for bit in range(len(ones)):
        view = marked.reshape(-1, 2, 1 << bit)
        view[:, 0, :] |= view[:, 1, :]
    return marked


def _pairs_two_positive(good: np.ndarray, keys: np.ndarray, full: int, rest_empty: bool, block: int = 1024):
    """Pairs ``(i, j)``, ``i <= j``, of ones-sets whose three parts are in ``good`` (and fourth part as step 3 says).

    When the fourth part must be empty (``rest_empty``), the pairs whose union
    misses a one are dropped first, and the tables are read for the rest only.
    """
    found = []
    keys = keys.astype(np.int64)
    for start in range(0, len(keys), block):
        a = keys[start:start + block, None]
        b = keys[None, start:]                                   # j >= start: the pairs i <= j are among these
        rest = ~(a | b) & full
        i, j = np.nonzero(rest == 0) if rest_empty else np.nonzero(good[rest])
        j += start
        i += start
        keep = i <= j
        i, j = i[keep], j[keep]
        ka, kb = keys[i], keys[j]
        ok = good[ka & kb] & good[ka & ~kb & full] & good[kb & ~ka & full]
        found.append(np.stack([i[ok], j[ok]], axis=1))
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)


def _expand(units_by_key: list[np.ndarray], i: int, j: int):
    """The unit pairs ``a <= b`` with ones-sets ``keys[i]``, ``keys[j]`` (``i <= j``), each once."""
    for a in units_by_key[i]:
        for b in units_by_key[j]:
            if i != j or a <= b:
                yield int(min(a, b)), int(max(a, b))


def _two_positive(table: np.ndarray, units: np.ndarray, deadline: float | None):
    """Step 3-4 with ``P = 2``: ``(units tried, pairs decided, survivors)``, ``None`` past the deadline, or a reason."""
    n = len(table).bit_length() - 1
    rows = np.arange(1 << n)
    ones = rows[table]
    zeros_mask = table_mask(~table)
    full = (1 << len(ones)) - 1
    keys_all = _compress(units, ones)
    keys, inverse = np.unique(keys_all, return_inverse=True)
    by_key = [units[inverse == k] for k in range(len(keys))]
    firsts = np.unique(orbit_minima(units, preserving_row_maps(table)))
    decided, survivors = 0, []
    for negative in (int(u) for u in firsts):
        if deadline is not None and time.perf_counter() > deadline:
            return None
        z1, z0 = negative & zeros_mask, ~negative & zeros_mask
        good = separable_subsets(n, ones, z0) & separable_subsets(n, ones, z1)
        pairs = _pairs_two_positive(good, keys, full, rest_empty=z0 != 0)
        decided += len(keys) * (len(keys) + 1) // 2
        sizes = np.array([len(u) for u in by_key], dtype=np.int64)
        if len(survivors) + int((sizes[pairs[:, 0]] * sizes[pairs[:, 1]]).sum()) > MAX_SURVIVORS:
            return f"more than {MAX_SURVIVORS:,} surviving combinations of two positive units and a negative one"
        for i, j in pairs:
            survivors.extend(Combination((negative, a, b), (-1, 1, 1)) for a, b in _expand(by_key, i, j))
    return len(firsts), decided, survivors


def _three_positive(table: np.ndarray, units: np.ndarray, deadline: float | None):
    """Step 3-4 with ``P = 3``; ``(units tried, pairs decided, survivors)``, ``None`` past the deadline, or a reason."""
    n = len(table).bit_length() - 1
    rows = np.arange(1 << n)
    ones = rows[table]
    full = (1 << len(ones)) - 1
    good = separable_subsets(n, ones, table_mask(~table))
    largest = max(bin(s).count("1") for s in np.flatnonzero(good))
    if 7 * largest < len(ones):                       # seven parts cannot hold every one
        return 0, 0, []
    keys_all = _compress(units, ones)
    keys, inverse = np.unique(keys_all, return_inverse=True)
    if len(keys) > MAX_TRIPLE_KEYS:
        return f"{len(keys)} ones-sets of positive units (more than {MAX_TRIPLE_KEYS}) for three positive units"
    minima = orbit_minima(units, preserving_row_maps(table))
    firsts = np.unique(minima)
    decided, survivors = 0, []
    for first in (int(u) for u in firsts):
        if deadline is not None and time.perf_counter() > deadline:
            return None
        a = int(_compress(np.array([first]), ones)[0])
        others = units[minima >= first]
        k_others = np.unique(_compress(others, ones))
        b, c = k_others[:, None], k_others[None, :]
        parts = [a & b & c, a & b & ~c, a & ~b & c, ~a & b & c, a & ~b & ~c, ~a & b & ~c, ~a & ~b & c]
        ok = np.logical_and.reduce([good[p & full] for p in parts]) & ((~a & ~b & ~c & full) == 0)
        decided += ok.size
        compressed = _compress(others, ones)
        sizes = np.array([np.count_nonzero(compressed == k) for k in k_others], dtype=np.int64)
        if len(survivors) + int((sizes[:, None] * sizes[None, :])[ok].sum()) // 2 > MAX_SURVIVORS:
            return f"more than {MAX_SURVIVORS:,} surviving combinations of three positive units"
        for i, j in zip(*np.nonzero(ok)):
            for u in others[compressed == k_others[i]]:
                for v in others[compressed == k_others[j]]:
                    if u <= v:
                        survivors.append(Combination((first, int(u), int(v)), (1, 1, 1)))
    return len(firsts), decided, survivors


def enumerate_three_units(table, deadline: float | None = None) -> ThreeUnitEnumeration:
    """Every combination of three units that could compute ``f`` after steps 1-4 of the module docstring.

    Examples
    --------
    >>> from expressivity.functions import parse_function
    >>> e = enumerate_three_units(parse_function("parity", 4).table)
    >>> e.candidates, e.first_units, len(e.survivors), e.complete
    ((1289, 1289), 58, 4096, True)
    """
    table = np.asarray(table, dtype=bool).ravel()
    check_three_unit_size(table)
    if deadline is None:
        return _enumerate_complete(tuple(bool(v) for v in table))
    return _enumerate(table, deadline)


@lru_cache(maxsize=16)
def _enumerate_complete(table: tuple[bool, ...]) -> ThreeUnitEnumeration:
    """The enumeration with no deadline, kept for the functions asked again (the answer is immutable)."""
    return _enumerate(np.array(table, dtype=bool), None)


def _enumerate(table: np.ndarray, deadline: float | None) -> ThreeUnitEnumeration:
    n = len(table).bit_length() - 1
    candidates: list[int] = []
    first_units = pairs = 0
    survivors: list[tuple[bool, Combination]] = []
    faces: list[str] = []
    for g_is_f, g in ((True, table), (False, ~table)):
        units, used = unit_candidates(g)
        candidates.append(len(units))
        faces.extend(("" if g_is_f else "NOT f, ") + face for face in used)
        for case in (_two_positive, _three_positive):
            answer = case(g, units, deadline)
            if answer is None or isinstance(answer, str):
                reason = "the deadline passed" if answer is None else answer
                return ThreeUnitEnumeration(n, (*candidates, 0)[:2], first_units, pairs, tuple(survivors),
                                            tuple(faces), complete=False, reason=reason)
            first_units += answer[0]
            pairs += answer[1]
            survivors.extend((g_is_f, combination) for combination in answer[2])
    return ThreeUnitEnumeration(n, tuple(candidates), first_units, pairs, tuple(survivors), tuple(faces))


def check_three_unit_size(table: np.ndarray) -> None:
    """``InputError`` (one line) unless the tables of step 3 fit: ``n <= 5``, at most 20 ones and 20 zeros.

    Examples
    --------
    >>> check_three_unit_size(np.zeros(64, dtype=bool))
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: the three-unit pattern method takes n <= 5 inputs, got n = 6
    """
    n = len(table).bit_length() - 1
    if len(table) != 1 << n or not 1 <= n <= MAX_BITS:
        raise InputError(f"the three-unit pattern method takes n <= {MAX_BITS} inputs, got n = {n}")
    ones = int(np.count_nonzero(table))
    if max(ones, len(table) - ones) > MAX_TABLE_BITS:
        raise InputError(f"the three-unit pattern method takes at most {MAX_TABLE_BITS} ones and at most "
                         f"{MAX_TABLE_BITS} zeros (tables over the subsets of each), got {ones} ones and "
                         f"{len(table) - ones} zeros")


def negated_network(table: np.ndarray, network: ExactNetwork) -> ExactNetwork:
    """Step 1: a network for ``NOT g`` from one for ``g`` (output weights negated, ``c`` moved by half the least margin).

    Examples
    --------
    >>> net = ExactNetwork(((Fraction(1),),), (Fraction(0),), (1,), Fraction(-1, 2))   # relu(x) - 1/2 is x
    >>> from expressivity.prove.exact.duals import check_network
    >>> check_network([True, False], negated_network(np.array([False, True]), net))
    True
    """
    table = np.asarray(table, dtype=bool).ravel()
    n = len(table).bit_length() - 1
    values = []
    for k in np.flatnonzero(table):
        x = [(int(k) >> i) & 1 for i in range(n)]
        out = network.c + sum(s * max(sum((w for w, bit in zip(ws, x) if bit), Fraction(0)) + b, Fraction(0))
                              for ws, b, s in zip(network.weights, network.biases, network.signs))
        values.append(out)
    delta = min(values)
    return ExactNetwork(network.weights, network.biases, tuple(-s for s in network.signs), delta / 2 - network.c)


__all__ = [
    "MAX_BITS", "MAX_TABLE_BITS", "MAX_TRIPLE_KEYS", "MAX_SURVIVORS", "ThreeUnitEnumeration", "face_masks", "restriction",
    "unit_candidates", "separable_subsets", "enumerate_three_units", "check_three_unit_size", "negated_network",
]
