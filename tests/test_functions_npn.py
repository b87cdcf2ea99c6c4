"""NPN transforms, canonical forms and symmetry groups against brute force written here.

The reference code below works on functions as Python integers (bit k = f(row k)) and
implements the documented convention directly:
    (T f)(x) = negate XOR f(y),   y[perm[i]] = x[i] XOR flips[i].
"""
from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from expressivity.functions import (
    BooleanFunction,
    FunctionError,
    NPNTransform,
    input_transforms,
    majority,
    npn_canonical,
    npn_canonical_values,
    parity,
    random_function,
    symmetry_group,
    threshold,
)


def reference_apply(value: int, n: int, perm, flips, negate: bool) -> int:
    """T f as an integer, by the definition, one input at a time."""
    out = 0
    for k in range(1 << n):
        x = [(k >> i) & 1 for i in range(n)]
        y = [0] * n
        for i in range(n):
            y[perm[i]] = x[i] ^ flips[i]
        source = sum(bit << j for j, bit in enumerate(y))
        out |= (((value >> source) & 1) ^ int(negate)) << k
    return out


def reference_sources(n: int) -> list[tuple[tuple, tuple, list[int]]]:
    """Every input transform (perm, flips) with, per row k of T f, the row of f it reads."""
    result = []
    for perm in itertools.permutations(range(n)):
        for flips in itertools.product((0, 1), repeat=n):
            sources = []
            for k in range(1 << n):
                y = [0] * n
                for i in range(n):
                    y[perm[i]] = ((k >> i) & 1) ^ flips[i]
                sources.append(sum(bit << j for j, bit in enumerate(y)))
            result.append((perm, flips, sources))
    return result


def orbit_minima(n: int) -> list[int]:
    """For every function of n bits (as an integer), the smallest integer in its NPN orbit, by orbit enumeration."""
    transforms = [sources for _, _, sources in reference_sources(n)]
    full = (1 << (1 << n)) - 1
    minimum = [-1] * (1 << (1 << n))
    for start in range(1 << (1 << n)):
        if minimum[start] >= 0:
            continue  # start is in an orbit already enumerated
        orbit = set()
        for sources in transforms:
            image = 0
            for k, source in enumerate(sources):
                image |= ((start >> source) & 1) << k
            orbit.add(image)
            orbit.add(full ^ image)
        lowest = min(orbit)
        for member in orbit:
            minimum[member] = lowest
    return minimum


def as_int(f: BooleanFunction) -> int:
    return sum(int(v) << k for k, v in enumerate(f.table.tolist()))


def from_int(value: int, n: int) -> BooleanFunction:
    return BooleanFunction([(value >> k) & 1 for k in range(1 << n)])


def random_transform(rng: random.Random, n: int) -> NPNTransform:
    perm = list(range(n))
    rng.shuffle(perm)
    return NPNTransform(tuple(perm), tuple(rng.randint(0, 1) for _ in range(n)), rng.random() < 0.5)


# -- the transform ------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 7])
def test_apply_follows_the_definition(n):
    rng = random.Random(n)
    for seed in range(5):
        f = random_function(n, seed)
        t = random_transform(rng, n)
        g = t.apply(f)
        assert as_int(g) == reference_apply(as_int(f), n, t.perm, t.flips, t.negate_output)
        x = np.array([[(k >> i) & 1 for i in range(n)] for k in range(1 << n)]).reshape(1 << n, n)
        assert (g.table == (f.evaluate(t.map_inputs(x)) ^ t.negate_output)).all()


def test_composition_and_inverse():
    rng = random.Random(0)
    for n in (1, 3, 4, 6):
        f = random_function(n, n)
        for _ in range(10):
            s, t = random_transform(rng, n), random_transform(rng, n)
            assert s.after(t).apply(f) == s.apply(t.apply(f))
            assert t.inverse().apply(t.apply(f)) == f and t.apply(t.inverse().apply(f)) == f
            assert t.after(t.inverse()) == NPNTransform.identity(n) == t.inverse().after(t)


@pytest.mark.parametrize("n", range(0, 5))
def test_input_transform_table(n):
    perms, index = input_transforms(n)
    expected = {(perm, flips): sources for perm, flips, sources in reference_sources(n)}
    assert index.shape == (math.factorial(n) << n, 1 << n) and not index.flags.writeable
    assert [tuple(p) for p in perms.tolist()] == list(itertools.permutations(range(n)))
    for t in range(len(index)):  # row t = (permutation t >> n, flips of mask t mod 2^n)
        flips = tuple((t >> i) & 1 for i in range(n))
        assert index[t].tolist() == expected[tuple(perms[t >> n].tolist()), flips]

# -- canonical form -------------------------------------------------------------------------

@pytest.mark.parametrize("n,classes", [(1, 2), (2, 4), (3, 14), (4, 222)])
def test_number_of_npn_classes(n, classes):
    # Literature: 2, 4, 14, 222 NPN classes of functions of 1, 2, 3, 4 variables (OEIS A000370).
    minima = orbit_minima(n)
    assert len(set(minima)) == classes
    all_tables = np.array([[(v >> k) & 1 for k in range(1 << n)] for v in range(1 << (1 << n))], dtype=bool)
    canonical = npn_canonical_values(all_tables)
    assert canonical.tolist() == minima  # the canonical form is the orbit's minimum, for every function
    assert len(set(canonical.tolist())) == classes
    sample = range(1 << (1 << n)) if n <= 3 else random.Random(4).sample(range(1 << 16), 300)
    for value in sample:
        f = from_int(value, n)
        form, transform = npn_canonical(f)
        assert as_int(form) == minima[value]
        assert as_int(form) == reference_apply(value, n, transform.perm, transform.flips, transform.negate_output)


@pytest.mark.parametrize("n", [4, 5, 6])
def test_canonical_form_is_invariant(n):
    rng = random.Random(10 + n)
    for seed in range(6 if n == 6 else 15):
        f = random_function(n, seed)
        form, transform = npn_canonical(f)
        assert transform.apply(f) == form
        assert as_int(form) == reference_apply(as_int(f), n, transform.perm, transform.flips, transform.negate_output)
        assert as_int(form) <= as_int(f) and as_int(form) <= as_int(~f)
        for _ in range(3):
            t = random_transform(rng, n)
            assert npn_canonical(t.apply(f))[0] == form
    assert npn_canonical_values(np.stack([random_function(n, s).table for s in range(4)])).tolist() == [
        as_int(npn_canonical(random_function(n, s))[0]) for s in range(4)]


def test_canonical_forms_of_known_functions():
    assert npn_canonical(parity(4))[0] == parity(4)  # 0x6996 < 0x9669
    assert npn_canonical(threshold(3, 1))[0].hex == "01"  # OR is NPN-equivalent to NOR to the AND of negations
    assert npn_canonical(threshold(3, 3))[0] == npn_canonical(threshold(3, 1))[0]
    assert npn_canonical(majority(3))[0].hex == "17"


def test_refuses_n_above_six():
    for call in (npn_canonical, symmetry_group):
        with pytest.raises(FunctionError, match=r"0 <= n <= 6 .* got n=7") as error:
            call(parity(7))
        assert "\n" not in str(error.value)


# -- symmetry groups -------------------------------------------------------------------------

def reference_group(f: BooleanFunction) -> set:
    n, value = f.n, as_int(f)
    full = (1 << (1 << n)) - 1
    group = set()
    for perm, flips, _ in reference_sources(n):
        image = reference_apply(value, n, perm, flips, False)
        if image == value:
            group.add((perm, flips, False))
        elif image == full ^ value:
            group.add((perm, flips, True))
    return group


def as_set(group) -> set:
    return {(t.perm, t.flips, t.negate_output) for t in group.elements}


@pytest.mark.parametrize("n", range(1, 6))
def test_groups_worked_out_by_hand(n):
    perms = list(itertools.permutations(range(n)))
    every_flip = list(itertools.product((0, 1), repeat=n))
    # Parity: every transform; flipping an odd number of inputs negates the output.
    group = symmetry_group(parity(n))
    assert group.size == math.factorial(n) * 2**n
    assert as_set(group) == {(p, c, sum(c) % 2 == 1) for p in perms for c in every_flip}
    if n == 1:
        return  # AND of one bit is x0 = parity(1)
    # AND of n >= 2 bits: only the permutations, all preserving.
    group = symmetry_group(threshold(n, n))
    assert group.size == math.factorial(n) and group.negating == ()
    assert as_set(group) == {(p, (0,) * n, False) for p in perms}


def test_majority_of_three():
    group = symmetry_group(majority(3))
    perms = list(itertools.permutations(range(3)))
    assert group.size == 12 and len(group.preserving) == 6 and len(group.negating) == 6
    assert as_set(group) == {(p, (0, 0, 0), False) for p in perms} | {(p, (1, 1, 1), True) for p in perms}
    assert NPNTransform((2, 0, 1), (1, 1, 1), True) in group
    assert NPNTransform((2, 0, 1), (1, 1, 1), False) not in group


@pytest.mark.parametrize("n", [0, 2, 3, 4])
def test_groups_against_brute_force(n):
    functions = [random_function(n, seed) for seed in range(4)]
    functions += [majority(n), threshold(n, 0), BooleanFunction([k & 1 for k in range(1 << n)]) if n else parity(0)]
    for f in functions:
        group = symmetry_group(f)
        assert as_set(group) == reference_group(f)
        assert NPNTransform.identity(n) in group and group.n == n and group.spec == f.spec
        members = set(group.elements)
        for s in group.elements[:8]:
            assert s.inverse() in members
            for t in group.elements[:8]:
                assert s.after(t) in members  # closed under composition
        assert all(t.apply(f) == f for t in group.elements)
