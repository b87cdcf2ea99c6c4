"""Region bounds (expressivity.counts.region_bounds) against brute force, their formulas, and exact counts."""
from __future__ import annotations

import itertools
import json
import math

import pytest
from click.testing import CliRunner

from expressivity.cli import main
from expressivity.counts.region_bounds import (
    formulas, montufar_lower, region_bounds, serra_lower, serra_upper, telgarsky_pieces, zaslavsky,
)
from expressivity.regions.sawtooth import sawtooth, zigzag
from expressivity.regions.segment import segment_partition


def brute_serra_upper(n0, widths):
    """Enumerate every j vector of Serra et al.'s set J and add up prod C(n_l, j_l)."""
    total = 0
    for js in itertools.product(*(range(n + 1) for n in widths)):
        ok = all(j <= min([n0, widths[l]] + [widths[k] - js[k] for k in range(l)]) for l, j in enumerate(js))
        if ok:
            total += math.prod(math.comb(n, j) for n, j in zip(widths, js))
    return total


@pytest.mark.parametrize("n0, widths", [(1, (2, 2, 2)), (2, (3, 2)), (2, (4, 4, 4)), (3, (2, 5)), (1, (1, 3)),
                                        (3, (3, 3, 3))])
def test_serra_upper_against_enumeration(n0, widths):
    assert serra_upper(n0, widths) == brute_serra_upper(n0, widths)


def test_one_dimension_bounds_meet_at_the_product():
    for widths in [(2,) * 5, (3, 2, 4), (5,)]:
        product = math.prod(n + 1 for n in widths)
        assert serra_upper(1, widths) == serra_lower(1, widths) == product
    assert telgarsky_pieces((2,) * 20) == 4**20 and zaslavsky(7, 1) == 8


@pytest.mark.parametrize("n0, width, layers", [(1, 2, 3), (2, 4, 2), (2, 5, 1), (3, 6, 2)])
def test_formulas_match_the_values(n0, width, layers):
    import sympy

    forms = formulas()

    symbols = {s.name: s for f in forms.values() for s in f.free_symbols}
    values = {symbols["n_0"]: n0, symbols["w"]: width}
    if "L" in symbols:
        values[symbols["L"]] = layers
    widths = (width,) * layers
    assert int(forms["montufar_lower"].subs(values).doit()) == montufar_lower(n0, widths)
    assert int(forms["serra_lower"].subs(values).doit()) == serra_lower(n0, widths)
    if layers == 1:
        assert int(forms["zaslavsky"].subs(values).doit()) == zaslavsky(width, n0)
    if n0 == 1:
        assert int(forms["serra_upper_1d"].subs(values).doit()) == serra_upper(1, widths)
    assert isinstance(forms["zaslavsky"], sympy.Sum)


@pytest.mark.parametrize("k", [1, 3, 6])
def test_exact_counts_sit_within_the_bounds(k):
    part = segment_partition(sawtooth(k), 0, 1)
    bounds = {(b.name, b.kind): b.value for b in region_bounds(1, (2,) * k)}
    assert part.regions <= bounds[("Serra et al. 2018", "upper")]
    assert part.pieces <= bounds[("Telgarsky 2016", "upper")]
    assert bounds[("Montufar et al. 2014", "lower")] <= bounds[("Serra et al. 2018", "lower")] <= part.regions * 2**k
    three = segment_partition(zigzag(k, 3), 0, 1)
    assert three.regions == 3**k <= serra_upper(1, (3,) * k)


def test_count_regions_command():
    result = CliRunner().invoke(main, ["count", "--regions", "2,3,3", "--json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    values = {(b["name"], b["kind"]): b["value"] for b in payload["bounds"]}
    assert values[("Serra et al. 2018", "upper")] == brute_serra_upper(2, (3, 3))
    table = CliRunner().invoke(main, ["count", "--regions", "1,4"])
    assert table.exit_code == 0 and "Zaslavsky" in table.stdout


@pytest.mark.parametrize("text", ["2", "x,3", "0,3", "2,0", "65,3", "2," + ",".join(["3"] * 1000)])
def test_count_regions_bad_input(text):
    result = CliRunner().invoke(main, ["count", "--regions", text])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--regions" in result.stderr
