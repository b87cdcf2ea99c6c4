"""``expressivity count``: bad input, huge n, the ratio section, the tree's closed forms, --json everywhere.

Large values are checked against Python integers and :mod:`decimal`, computed here
from the constructions' definitions, never from the toolkit's formulas.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
import uuid
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from expressivity.cli import main
from expressivity.cli.count import EXACT_DIGITS, MAX_BITS, _Value, scientific
from expressivity.counts.symbolic import n


def run(*args: str):
    return CliRunner().invoke(main, ["count", *args])


def tree_widths(bits: int, arity: int = 2) -> list[int]:
    """Hidden widths of the compiled XOR tree: layer l holds the m_{l-1} = ceil(n / k^(l-1)) values' units."""
    widths, values = [], bits
    while values > 1:
        widths.append(values)
        values = -(-values // arity)
    return widths


def minterm_sizes(bits: int) -> dict[str, int]:
    """One hidden layer of 2^(n-1) units, each reading all n inputs, and one output unit."""
    units = 2 ** (bits - 1)
    return {"neurons": units, "parameters": units * bits + units + units + 1, "nonzero_weights": units * (bits + 1)}


def decimal_reference(value: Fraction, digits: int = 6) -> str:
    """``value`` to ``digits`` significant digits (half up) by :mod:`decimal`, at 60-digit working precision."""
    work = Context(prec=60, Emax=10**9, Emin=-(10**9))
    exact = work.divide(_decimal(value.numerator, work), _decimal(value.denominator, work))
    rounded = Context(prec=digits, rounding=ROUND_HALF_UP, Emax=10**9, Emin=-(10**9)).plus(exact)
    mantissa, exponent = f"{rounded:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def _decimal(integer: int, context: Context) -> Decimal:
    # summed from 60-bit pieces: Python refuses str() of an int of more than 4,300 digits
    result, shift = Decimal(0), 0
    while integer:
        piece = integer & (2**60 - 1)
        if piece:
            result = context.add(result, context.multiply(Decimal(piece), context.power(Decimal(2), shift)))
        integer >>= 60
        shift += 60
    return result


def parse_power_sum(text: str) -> int:
    """Read back a long value as printed, ``2**e*c + 2**e - c`` (no eval)."""
    total = 0
    for token in text.replace(" - ", " + -").split(" + "):
        sign = -1 if token.startswith("-") else 1
        match = re.fullmatch(r"2\*\*(\d+)(?:\*(\d+))?|(\d+)", token.lstrip("-"))
        assert match, (token, text)
        total += sign * (2 ** int(match[1]) * int(match[2] or 1) if match[1] else int(match[3]))
    return total


# -- bad input ------------------------------------------------------------------------------

BAD = [
    (["--spec", "mlp 3,4,1", "--arity", "3"], "--arity"),
    (["--spec", "mlp 3,4,1", "--arity", "2"], "--arity"),
    (["--module", "some.module:factory", "--arity", "3"], "--arity"),
    (["--bits", "16", "--arity", "1"], "--arity"),
    (["--bits", "16", "--arity", "two"], "--arity"),
    (["--bits", "16", "--arity", "9" * 2500], "--arity"),  # its square would have 5,000 digits
    (["--bits", "0"], "--bits"),
    (["--bits", "-3"], "--bits"),
    (["--bits", "sixteen"], "--bits"),
    (["--bits", "2..8"], "--bits"),
    (["--bits", str(MAX_BITS + 1)], "--bits"),
    (["--bits", "100000000000000000000"], "--bits"),
    (["--bits", "16", "--latex", "--json"], "--latex"),
    (["--module", "some.module:factory", "--latex"], "--latex"),
    (["--bits", "4", "--spec", "mlp 1,1"], "--bits"),
    ([], "--bits"),
    (["--spec", "mlp 3,,1"], "--spec"),
    (["--spec", "mlp " + "9" * 5000 + ",1"], "--spec"),  # Python would refuse to print it
    (["--spec", "conv " + ",".join(["3x3/s" + "9" * 30] * 40)], "--spec"),  # strides multiply to 1,200 digits
    (["--module", "no_colon"], "--module"),
]


@pytest.mark.parametrize("args, option", BAD)
def test_bad_input_is_one_line_naming_the_option(args, option):
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and option in lines[0], result.stderr
    assert result.stdout == ""


def test_too_many_bits_say_why():
    message = run("--bits", str(MAX_BITS + 1)).stderr
    assert f"goes up to {MAX_BITS}" in message and "2^(n-1) has n bits" in message


def test_huge_bits_are_refused_within_seconds():
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "expressivity", "count", "--bits", "100000000000000000000"],
                            capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - start
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("Error: --bits")
    assert elapsed < 15, elapsed  # start-up (imports) only: no work is done


# -- large n: exact, and never a decimal of thousands of digits -------------------------------

@pytest.mark.parametrize("bits", [1028, 5000, 20000, MAX_BITS])
def test_large_bits_print_exact_values_without_long_decimals(bits):
    result = run("--bits", str(bits))
    assert result.exit_code == 0, result.output
    assert max(len(run_) for run_ in re.findall(r"\d+", result.output)) < EXACT_DIGITS + 10
    minterm = result.output.split("\nminterm:", 1)[1]
    line = re.search(r"\n  neurons +(.+?) \(about (\S+)\)  = 2\*\*\(n - 1\)", minterm)
    units = 2 ** (bits - 1)
    assert parse_power_sum(line.group(1)) == units
    assert line.group(2) == decimal_reference(Fraction(units))
    tree_neurons = sum(tree_widths(bits))
    ratio = re.search(r"\n  minterm: neurons x(\S+),", result.output).group(1)
    assert ratio == decimal_reference(Fraction(units, tree_neurons))
    assert f"\n  zigzag: neurons x{float(Fraction(bits - 1, tree_neurons)):.2f}," in result.output


@pytest.mark.parametrize("bits", [1028, 5000, 20000])
def test_large_bits_json_is_exact(bits):
    result = run("--bits", str(bits), "--json")
    assert result.exit_code == 0, result.output[-500:]
    payload = json.loads(result.output)
    minterm = payload["constructions"]["minterm"]["values"]
    expected = minterm_sizes(bits)
    for quantity, value in expected.items():
        assert isinstance(minterm[quantity], str) and parse_power_sum(minterm[quantity]) == value
    assert payload["constructions"]["xor_chain"]["values"]["widths"] == list(range(bits, 1, -1))
    assert payload["constructions"]["xor_tree"]["values"]["widths"] == tree_widths(bits)
    ratio = Fraction(expected["neurons"], sum(tree_widths(bits)))
    got = payload["ratios"]["minterm"]["neurons"]
    if ratio <= Fraction(sys.float_info.max):
        assert got == float(ratio)  # the correctly rounded float
    else:
        assert got == decimal_reference(ratio)
    assert payload["ratios"]["symmetric"]["neurons"] == float(Fraction(bits, sum(tree_widths(bits))))


def test_small_values_stay_integers_in_json():
    payload = json.loads(run("--bits", "100", "--json").output)  # 2^99 has 30 digits
    assert payload["constructions"]["minterm"]["values"]["neurons"] == 2**99
    assert parse_power_sum(payload["constructions"]["dnf"]["values"]["parameters"]) == 2**99 * 102 + 3  # 32 digits
    assert payload["constructions"]["minterm"]["values"]["widths"] == [2**99]
    assert "30 digits" in payload["number_format"]
    long = json.loads(run("--bits", "101", "--json").output)["constructions"]["minterm"]["values"]
    assert long["widths"] == ["2**100"] and long["neurons"] == "2**100"


def test_long_width_lists_are_shortened_except_in_json():
    table = run("--bits", "40").output
    assert "40, 39, 38, 37, ..., 3, 2 (39 layers)  = width(l) = -l + n + 1\n" in table
    latex = run("--bits", "40", "--latex").output
    assert r"40{,} 39{,} 38{,} 37{,} \dots{,} 3{,} 2 (39 layers)" in latex


# -- the ratio section -----------------------------------------------------------------------

def test_ratios_include_zigzag_where_it_holds():
    tree = sum(tree_widths(16))
    table = run("--bits", "16").output
    assert f"  zigzag: neurons x{float(Fraction(15, tree)):.2f}, parameters x" in table
    payload = json.loads(run("--bits", "16", "--json").output)
    assert payload["ratios"]["zigzag"]["neurons"] == float(Fraction(15, tree))
    small = run("--bits", "3")
    assert small.exit_code == 0 and "  zigzag: n/a (its formulas hold for n >= 4)" in small.output
    assert json.loads(run("--bits", "3", "--json").output)["ratios"]["zigzag"] is None


def test_one_bit_has_no_tree_units_to_divide_by():
    result = run("--bits", "1")
    assert result.exit_code == 0 and "minterm: neurons n/a, parameters x" in result.output
    assert "(n/a: the XOR tree has none at n = 1)" in result.output
    ratios = json.loads(run("--bits", "1", "--json").output)["ratios"]
    assert ratios["minterm"]["neurons"] is None and ratios["skip"] is None


# -- the tree's closed forms at n = k^d -----------------------------------------------------

def test_tree_closed_forms_are_printed_with_their_values():
    from expressivity.circuits.build import xor_tree
    from expressivity.networks.compiler import compile_network

    net = compile_network(xor_tree(27, 3))
    table = run("--bits", "27", "--arity", "3").output
    assert re.search(rf"\n  neurons, n = 3\^d +{net.neurons}  = 3\*\(n - 1\)/2\n", table)
    assert re.search(rf"\n  nonzero weights, n = 3\^d +{net.nonzero_weights}  = ", table)
    tree = json.loads(run("--bits", "27", "--arity", "3", "--json").output)["constructions"]["xor_tree"]
    assert tree["values_at_powers"] == {"neurons": net.neurons, "parameters": net.parameters,
                                        "nonzero_weights": net.nonzero_weights}
    assert tree["at_powers_hold_for"] == "n = 3^d, d >= 1"
    off = json.loads(run("--bits", "12", "--json").output)["constructions"]["xor_tree"]
    assert off["values_at_powers"] is None and off["formulas_at_powers"]["neurons"] == "2*(n - 1)"
    assert re.search(r"\n  neurons, n = 2\^d +n/a  = 2\*\(n - 1\)\n", run("--bits", "12").output)


# -- --json on every path --------------------------------------------------------------------

def test_json_on_every_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = f"factory_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent("""
        from torch import nn
        def make():
            return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    """))
    for args, check in [
        (["--bits", "8", "--arity", "3"], lambda p: p["arity"] == 3 and p["constructions"]["xor_tree"]["values"]["widths"] == tree_widths(8, 3)),
        (["--spec", "mlp 3,4,1"], lambda p: p["parameters"] == 3 * 4 + 4 + 4 + 1),
        (["--module", f"{name}:make"], lambda p: p["parameters"] == 21),
    ]:
        result = run(*args, "--json")
        assert result.exit_code == 0, result.output
        assert check(json.loads(result.stdout)), args


# -- number formatting -------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 2**3000), st.integers(1, 2**200), st.integers(1, 8))
def test_scientific_matches_decimal(numerator, denominator, digits):
    value = Fraction(numerator, denominator)
    assert scientific(value, digits) == decimal_reference(value, digits)


def test_a_value_without_a_power_form_is_written_in_hexadecimal():
    value = _Value(10**40 + 7, n / 3, {n: 2})  # n/3 is no polynomial in 2^(n-1) with integer coefficients
    assert int(value.exact(), 16) == 10**40 + 7 and "about 1.00000e+40" in str(value)
