"""Re-derive a three-unit refutation from its record: ``python expressivity/prove/rederive.py N HEX [LEMMA...]``.

A second, small program for the pattern method at width 3 (the solver is
``expressivity.prove.exact.three_units``; this file shares no code with it and,
like ``check.py``, imports only the standard library and numpy).  It counts the
combinations of three units ``out = c + sum_i s_i relu(w_i.x + b_i)`` (sign
variant: ``out > 0`` exactly on the ones of ``f``) that pass these exact
necessary conditions; a record whose count is 0 is then a refutation resting
only on its face lemmas, and on nothing else where those are re-derived too.
Each step loses no network:

(a) *Patterns.*  Unit ``i`` is active on ``{w_i.x + b_i > 0}``, a threshold
    function.  All of them, for ``n <= 5``: integer weights in ``[-B, B]^n``,
    every cut of their values; the count must be 2, 4, 14, 104, 1882, 94572
    (OEIS A000609), else nothing is derived.
(b) *Signs.*  With ``P`` positive output weights: if ``out`` computes ``f``
    with least value ``d > 0`` on the ones, ``d/2 - out`` computes ``NOT f``
    with ``3 - P``; so ``P in {0..3}`` for ``f`` are ``P in {2, 3}`` for ``f``
    and ``NOT f``.  With ``P = 3`` the seven sets of ones by active units must
    each be separable from all zeros (step (e)), so if 7 times the largest such
    set is below the number of ones, there is no network.
(c) *Faces.*  On a face whose restriction needs three units, a unit inactive
    on all of it leaves two units computing the restriction: every unit is
    active somewhere on every such face.  The faces are the record's lemmas,
    each restriction recomputed and compared with its hex; that they need three
    units is re-derived where the sandwiches (e) leave no two units
    (:func:`two_units_refuted`; for parity of 3 and 4 bits they do), and
    :attr:`Rederivation.faces` says where not (it then rests on another record).
(d) *Normal form.*  A transform of the inputs preserving ``f`` maps networks
    to networks, pattern ``t`` to ``t o sigma``; the face list must be closed
    under these (checked), so the candidates are too.  ``P = 2``: the negative
    unit is an orbit minimum and ``a <= b``; ``P = 3``: the first unit is the
    orbit minimum of the least orbit, the others ``b <= c`` from orbits >= it.
(e) *Sandwiches.*  For a set ``S`` of units, ``L_S = c + sum_{i in S} s_i z_i``
    is ``<= out`` where ``S`` and the active units agree on the negative ones
    and ``>= out`` where they agree on the positive ones; so a threshold
    function holds the ones of the first kind and none of the zeros of the
    second (for ``S`` empty ``L_S = c``: one side empty).  ``P = 2``: the parts
    ``ones & a & b``, ``& a & ~b``, ``& ~a & b`` are separable from ``Z0`` and
    ``Z1`` (zeros with ``c`` inactive, active); ``ones & ~a & ~b`` from ``Z1``,
    and empty unless ``Z0`` is.  Separable sets of ones are closed under
    subsets: a table over the subsets of the ones decides each part.

Examples
--------
>>> rederive_three_units([0, 1, 1, 0, 1, 0, 0, 1], []).survivors        # 3-bit parity: three units do
23928
"""
from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: Threshold functions of n = 0..5 variables (OEIS A000609, Muroga 1971).
COUNTS = (2, 4, 14, 104, 1882, 94572)
#: Integer weights in [-B, B] per n: enough, as the count check shows every time.
BOUNDS = (1, 1, 1, 2, 3, 5)
#: Tables over the subsets of the ones hold 2^ones entries.
MAX_ONES = 20
#: Pair tests (first units times pairs of ones-sets) at most, decided before the work: about a minute.
MAX_TESTS = 1 << 31
LEMMA = re.compile(r"(NOT f, )?(x\d+=[01](?:,x\d+=[01])*): ([0-9a-f]+)")


class LemmaError(ValueError):
    """A face lemma of the record that is unreadable or whose restriction is not the function it names."""


@dataclass(frozen=True)
class Rederivation:
    """``survivors``: combinations passing (b)-(e) for ``f`` and ``NOT f``; ``candidates``: units passing (c)
    for each; ``faces``: the distinct restrictions ``(bits, hex, re-derived)`` that (c) uses as needing three
    units, ``re-derived`` True where :func:`two_units_refuted` shows it."""

    survivors: int
    candidates: tuple[int, int]
    faces: tuple[tuple[int, str, bool], ...]


def _pack(bits: np.ndarray) -> np.ndarray:
    """0/1 rows (last axis: row k) as int bitmasks, bit k = row k."""
    packed = np.packbits(bits, axis=-1, bitorder="little").astype(np.int64)
    return packed @ (1 << 8 * np.arange(packed.shape[-1], dtype=np.int64))


@lru_cache(maxsize=None)
def threshold_functions(n: int) -> np.ndarray:
    """(a): every threshold function of ``n <= 5`` variables as a bitmask over the rows, sorted.

    >>> threshold_functions(1).tolist(), len(threshold_functions(3))
    ([0, 1, 2, 3], 104)
    """
    x = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
    weights = list(itertools.product(range(-BOUNDS[n], BOUNDS[n] + 1), repeat=n))
    weights = np.array(weights, dtype=np.int64).reshape(len(weights), n)
    found = [np.zeros(1, dtype=np.int64)]                          # the empty cut
    for start in range(0, len(weights), 2048):
        values = weights[start:start + 2048] @ x.T
        # the cut just below the value of row j keeps the rows at least as high: every nonempty cut
        found.append(np.unique(_pack(values[:, None, :] >= values[:, :, None])))
    patterns = np.unique(np.concatenate(found))
    if len(patterns) != COUNTS[n]:
        raise ArithmeticError(f"{len(patterns)} threshold functions of {n} variables, not {COUNTS[n]}")
    patterns.setflags(write=False)                                 # cached: shared by every caller
    return patterns


def to_hex(bits) -> str:
    """The record's hex of a table: row k in bit k, ``max(1, 2^n/4)`` digits.

    >>> to_hex([0, 1, 1, 0, 1, 0, 0, 1])
    '96'
    """
    return format(int(_pack(np.asarray(bits, dtype=bool))), f"0{max(1, len(bits) // 4)}x")


def parse_lemma(lemma: str, bits: np.ndarray) -> tuple[bool, int, int, str]:
    """(c): ``(of NOT f, face rows bitmask, face dimension, hex)``, the restriction recomputed and compared.

    >>> parse_lemma("NOT f, x0=1: 6", np.array([0, 1, 1, 0, 1, 0, 0, 1]))      # rows 1, 3, 5, 7
    (True, 170, 2, '6')
    """
    n = len(bits).bit_length() - 1
    found = LEMMA.fullmatch(lemma) if isinstance(lemma, str) else None
    fixed = {int(i): int(v) for i, v in re.findall(r"x(\d+)=([01])", found.group(2))} if found else {}
    if not found or len(fixed) != found.group(2).count("=") or not max(fixed) < n or len(fixed) >= n:
        raise LemmaError(f"face lemma {str(lemma)[:60]!r} is not a proper face of {n} inputs")
    rows = np.arange(1 << n)
    on_face = np.logical_and.reduce([(rows >> i) & 1 == v for i, v in fixed.items()])
    g = bits ^ bool(found.group(1))
    restricted = to_hex(g[on_face])                # free inputs in their order: face rows ascending
    if restricted != found.group(3):
        raise LemmaError(f"face lemma {lemma!r}: the restriction is {restricted}")
    return bool(found.group(1)), int(_pack(on_face)), n - len(fixed), restricted


def preserving_maps(bits: np.ndarray) -> np.ndarray:
    """(d): row maps ``sigma`` of the input transforms (permute, negate some) with ``g[sigma] == g``."""
    n = len(bits).bit_length() - 1
    rows = np.arange(1 << n)
    maps = [sum(((rows >> i) & 1) << p for i, p in enumerate(perm)) ^ flips
            for perm in itertools.permutations(range(n)) for flips in range(1 << n)]
    maps = np.array(maps).reshape(-1, 1 << n)
    return maps[(bits[maps] == bits).all(axis=1)]


def images(masks: np.ndarray, maps: np.ndarray, n: int) -> np.ndarray:
    """Every ``t o sigma`` (bit k taken from bit ``sigma[k]`` of ``t``), one column per map.

    A matrix product of 0/1 rows with powers of two, exact in float64 (sums of distinct powers below 2^53).
    """
    power = np.zeros((1 << n, len(maps)))
    power[maps, np.arange(len(maps))[:, None]] = 2.0 ** np.arange(1 << n)
    return (((masks[:, None] >> np.arange(1 << n)) & 1).astype(float) @ power).astype(np.int64)


def orbit_minima(masks: np.ndarray, maps: np.ndarray, n: int) -> np.ndarray:
    """The least image of each mask under the maps (a group), in blocks of rows.

    >>> orbit_minima(np.array([1, 2, 4, 8]), preserving_maps(np.array([0, 1, 1, 0], dtype=bool)), 2).tolist()
    [1, 2, 2, 1]
    """
    minima = [images(masks[s:s + 2048], maps, n).min(axis=1) for s in range(0, len(masks), 2048)]
    return np.concatenate(minima) if minima else np.zeros(0, dtype=np.int64)


def _on_ones(masks: np.ndarray, ones: np.ndarray) -> np.ndarray:
    """Each mask's rows among ``ones``, as a bitmask over the ones (bit j = ``ones[j]``)."""
    return _pack((masks[:, None] >> ones) & 1)


def _separable(thresholds, on_ones, zeros: int, m: int) -> np.ndarray:
    """(e): over the subsets of the ones, those that a threshold function missing ``zeros`` holds."""
    table = np.zeros(1 << m, dtype=bool)
    table[on_ones[(thresholds & zeros) == 0]] = True
    for j in range(m):                          # every subset of a marked set: drop bit j
        view = table.reshape(-1, 2, 1 << j)
        view[:, 0] |= view[:, 1]
    return table


def _count_pairs(keys, sizes, ok) -> int:
    """Unordered pairs ``a <= b`` of units whose ones-sets pass ``ok(keys_i, keys_j)`` (a symmetric test)."""
    total = 0
    for s in range(0, len(keys), 512):
        block = ok(keys[s:s + 512, None], keys[None, :])
        total += int(sizes[s:s + 512] @ block @ sizes) + int(sizes[s:s + 512] @ block[:, s:s + 512].diagonal())
    return total // 2


def _covering_pairs(keys, sizes, good, full: int) -> int:
    """Pairs ``a <= b`` with ``a | b`` all the ones and ``a & b``, ``full & ~a``, ``full & ~b`` in ``good``."""
    keep = good[full & ~keys]                  # a & ~b = full & ~b when a | b = full: a test of b alone
    return _count_pairs(keys[keep], sizes[keep], lambda a, b: ((a | b) == full) & good[a & b])


def _ones_view(bits: np.ndarray, units: np.ndarray):
    """The ones, their number, the zeros (a mask), all ones (a mask over the ones), the threshold functions on the
    ones, the distinct ones-sets of the units and how many units have each."""
    n = len(bits).bit_length() - 1
    ones = np.flatnonzero(bits)
    keys, sizes = np.unique(_on_ones(units, ones), return_counts=True)
    return ones, len(ones), int(_pack(~bits)), (1 << len(ones)) - 1, _on_ones(threshold_functions(n), ones), keys, sizes


def _count(bits: np.ndarray, units: np.ndarray, minima: np.ndarray) -> int:
    """(b), (d), (e) for one ``g``: combinations with ``P = 2`` and ``P = 3`` positive units."""
    thresholds = threshold_functions(len(bits).bit_length() - 1)
    ones, m, zeros, full, on_ones, keys, sizes = _ones_view(bits, units)
    total, firsts = 0, np.unique(minima)
    if len(firsts) * len(keys) ** 2 > MAX_TESTS:
        raise ValueError(f"{len(firsts)} first units and {len(keys)} ones-sets: too many pairs to test here")
    for c in firsts:                                        # P = 2: c the negative unit, an orbit minimum
        z1, z0 = int(c) & zeros, zeros & ~int(c)
        good = _separable(thresholds, on_ones, z0, m) & _separable(thresholds, on_ones, z1, m)
        if z0:                                              # ones & ~a & ~b empty
            total += _covering_pairs(keys, sizes, good, full)
        else:
            total += _count_pairs(keys, sizes, lambda a, b: good[a & b] & good[a & ~b & full]
                                  & good[~a & b & full] & good[~a & ~b & full])
    good = _separable(thresholds, on_ones, zeros, m)        # P = 3: every part against all zeros
    separable = np.flatnonzero(good)
    if 7 * int(sum((separable >> j) & 1 for j in range(m)).max()) < m:
        return total
    for first, a in zip(firsts, _on_ones(firsts, ones)):
        k, s = np.unique(_on_ones(units[minima >= first], ones), return_counts=True)
        total += _count_pairs(k, s, lambda b, c, a=int(a): ((a | b | c) == full) & np.logical_and.reduce(
            [good[p & full] for p in (a & b & c, a & b & ~c, a & ~b & c, ~a & b & c, a & ~b & ~c, ~a & b & ~c,
                                      ~a & ~b & c)]))
    return total


@lru_cache(maxsize=64)
def two_units_refuted(hex_: str, n: int) -> bool:
    """Whether the sandwiches (e) leave no combination of two units for this table: a face lemma re-derived.

    Width 2, by (b): ``P = 2`` for ``g`` and ``NOT g`` (``P = 0``), where
    ``ones & a & b``, ``& a & ~b``, ``& ~a & b`` are separable from all zeros
    and ``ones & ~a & ~b`` is empty; ``P = 1`` for ``g`` (``a`` positive, ``c``
    negative, an orbit minimum), where ``ones & a`` is separable from ``Z0`` and
    ``Z1``, ``ones & ~a`` from ``Z1``, and empty unless ``Z0`` is.

    >>> two_units_refuted("96", 3), two_units_refuted("6996", 4), two_units_refuted("e8", 3)   # majority: one unit
    (True, True, False)
    """
    f = np.array([(int(hex_, 16) >> k) & 1 for k in range(1 << n)], dtype=bool)
    if f.all() or not f.any():
        return False
    thresholds = threshold_functions(n)
    for g in (f, ~f):
        ones, m, zeros, full, on_ones, keys, sizes = _ones_view(g, thresholds)
        if _covering_pairs(keys, sizes, _separable(thresholds, on_ones, zeros, m), full):
            return False
    ones, m, zeros, full, on_ones, keys, sizes = _ones_view(f, thresholds)
    for c in np.unique(orbit_minima(thresholds, preserving_maps(f), n)):
        z1, z0 = int(c) & zeros, zeros & ~int(c)
        bad_z1 = ~_separable(thresholds, on_ones, z1, m)
        if (~(bad_z1[keys] | bad_z1[full & ~keys] | ~_separable(thresholds, on_ones, z0, m)[keys])
                & ((z0 == 0) | ((full & ~keys) == 0))).any():
            return False
    return True


def rederive_three_units(bits, lemmas) -> Rederivation:
    """Count the combinations of three units for ``f`` (a 0/1 table, row k = input k) given the face lemmas.

    ``LemmaError`` for a lemma that is not its face's restriction, or a face
    list not closed under the transforms preserving ``f``; ``ValueError`` for a
    table out of reach (``n > 5``, constant, more than 20 ones or zeros).

    >>> r = rederive_three_units([0, 1, 1, 1, 0, 1, 1, 1], [])             # x0 OR x1: a single unit does
    >>> r.survivors > 0, r.candidates
    (True, (104, 104))
    """
    f = np.asarray(bits, dtype=bool).ravel()
    n = len(f).bit_length() - 1
    if len(f) != 1 << n or not 1 <= n <= 5 or f.all() or not f.any() or max(f.sum(), (~f).sum()) > MAX_ONES:
        raise ValueError(f"re-derived for non-constant tables of 1..5 bits, at most {MAX_ONES} ones and zeros")
    parsed = [parse_lemma(lemma, f) for lemma in lemmas]
    thresholds, total, candidates = threshold_functions(n), 0, []
    for negated in (False, True):
        g = f ^ negated
        faces = np.array([mask for of_not, mask, _, _ in parsed if of_not == negated], dtype=np.int64)
        maps = preserving_maps(g)
        if not np.isin(images(faces, maps, n), faces).all():
            raise LemmaError("the faces listed are not closed under the transforms preserving the function")
        units = thresholds[((thresholds[:, None] & faces[None, :]) != 0).all(axis=1)]
        minima = orbit_minima(units, maps, n)
        candidates.append(len(units))
        total += _count(g, units, minima)
    faces = sorted({(dim, hex_, two_units_refuted(hex_, dim)) for _, _, dim, hex_ in parsed})
    return Rederivation(total, tuple(candidates), tuple(faces))


def class_key(bits) -> tuple[int, int]:
    """``(n, least mask)`` over input transforms and output negation: the census row proving a face lemma.

    >>> class_key([0, 1, 1, 0, 1, 0, 0, 1]) == class_key([1, 0, 0, 1, 0, 1, 1, 0])
    True
    """
    g = np.asarray(bits, dtype=bool).ravel()
    n = len(g).bit_length() - 1
    return n, int(min(orbit_minima(np.array([_pack(g), _pack(~g)]), _every_transform(n), n)))


@lru_cache(maxsize=None)
def _every_transform(n: int) -> np.ndarray:
    return preserving_maps(np.zeros(1 << n, dtype=bool))          # every transform preserves a constant


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: rederive.py N HEX [LEMMA...]", file=sys.stderr)
        return 2
    try:
        n = int(args[0])
        bits = np.array([(int(args[1], 16) >> k) & 1 for k in range(1 << n)], dtype=bool)
        found = rederive_three_units(bits, args[2:])
    except ValueError as error:
        print(f"error: {error}".splitlines()[0][:300], file=sys.stderr)
        return 2
    print(json.dumps({"survivors": found.survivors, "candidates": found.candidates, "faces": found.faces}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
