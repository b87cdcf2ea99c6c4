"""``expressivity count``: sizes as formulas (constructions, specs) or numbers (any torch module).

``--bits N`` evaluates every formula exactly, with Python integers, for
``N <= MAX_BITS``.  A value of more than :data:`EXACT_DIGITS` digits is never
written out in decimal (Python refuses beyond 4,300 digits, and the conversion
takes time quadratic in the length): it is printed exactly with its powers of
two kept, followed in the table by its leading digits (minterm's parameters at
n = 10^5: ``2**99999*100002 + 1 (about 4.99511e+30107)``); ``--json`` gives it
as that exact string, where a shorter value is a JSON integer.  The
shallow/deep ratios are exact fractions, printed rounded: a float in ``--json``,
or beyond a float's range a string with six significant digits (minterm's
neurons over the tree's at n = 10^5: ``2.49744e+30097``).
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

import click

from expressivity.cli import main
from expressivity.cli.common import bits_option, fail, format_axes, json_option, parse_bits, print_json
from expressivity.results.tables import format_table

QUANTITY_LABELS = {
    "hidden_layers": "hidden layers",
    "neurons": "neurons",
    "parameters": "parameters",
    "nonzero_weights": "nonzero weights",
    "gates": "gates",
}

#: Values with more digits than this are printed as exact sums of powers of two, not in decimal.
EXACT_DIGITS = 30
#: The largest n for ``--bits``; see :data:`MAX_BITS_WHY`.
MAX_BITS = 100_000
MAX_BITS_WHY = ("the work grows with n: the XOR chain has n - 1 layers, all listed by --json, and 2^(n-1) has "
                "n bits; about 1 s of work at n = 10^5, 5 s at 10^6")
#: Width lists longer than this are shortened in the table and in LaTeX (never in --json).
SHOWN_WIDTHS = 20


@main.command("count")
@bits_option(required=False, ranges=False, extra=f"Formulas of every parity construction, and their values at n = N (N <= {MAX_BITS:,}).")
@click.option("--arity", type=click.IntRange(min=2, max=MAX_BITS), default=None,
              help="Fan-in of the XOR tree (with --bits; default 2; a fan-in of n or more is one gate).")
@click.option("--spec", "spec_text", help='An architecture spec, e.g. "mlp 3,4,4,1", "mlp n,w,1", "conv 3x3,3x3".')
@click.option("--module", "module_path", metavar="PKG.MOD:FACTORY",
              help="A torch module as package.module:factory.")
@click.option("--regions", "regions_text", metavar="N0,W1,...",
              help="Bounds on the activation regions of ReLU networks with N0 inputs and these hidden widths "
                   "(Zaslavsky, Montufar et al., Serra et al., Telgarsky).")
@click.option("--latex", is_flag=True, help="Print the table as LaTeX (with --bits or --spec).")
@json_option()
def count_command(bits, arity, spec_text, module_path, regions_text, latex, as_json):
    """Count neurons, parameters and nonzero weights: symbolic where sizes are symbolic.

    Give exactly one of --bits, --spec, --module, --regions.
    """
    given = [name for name, value in (("--bits", bits), ("--spec", spec_text), ("--module", module_path),
                                      ("--regions", regions_text)) if value is not None]
    if len(given) != 1:
        fail("give exactly one of --bits, --spec, --module, --regions" + (f" (got {', '.join(given)})" if given else ""))
    if regions_text is not None:
        if latex:
            fail("--latex applies to --bits and --spec")
        _region_bounds(regions_text, as_json)
        return
    if latex and as_json:
        fail("--latex and --json exclude each other")
    if arity is not None and bits is None:
        fail(f"--arity is the XOR tree's fan-in and applies to --bits only (got it with {given[0]})")
    if latex and module_path is not None:
        fail("--latex applies to --bits and --spec")
    if bits is not None:
        _constructions(parse_bits(bits, ranges=False, maximum=MAX_BITS, why=MAX_BITS_WHY), arity or 2, latex, as_json)
    elif spec_text is not None:
        _spec(spec_text, latex, as_json)
    else:
        _module(module_path, as_json)


# -- constructions ----------------------------------------------------------------------

def _constructions(bits: int, arity: int, latex: bool, as_json: bool) -> None:
    import sympy

    from expressivity.counts.symbolic import QUANTITIES, all_formulas, k, n, ratios

    table = all_formulas(arity)
    at = {n: sympy.Integer(bits), k: sympy.Integer(arity)}
    power = _power_of(bits, arity)
    rows, payload = [], {"bits": bits, "arity": arity, "constructions": {}}
    for name, f in table.items():
        applicable = bits >= f.min_bits
        values = f.evaluate(bits, arity) if applicable else None
        shown = None
        if values is not None:
            shown = {q: _Value(values[q], getattr(f, q), at) for q in QUANTITIES if values[q] is not None}
            shown["widths"] = _Widths(values["widths"], f.width, at)
        entry = {
            "description": f.description,
            "formulas": f.as_strings(),
            "values": None if values is None else {q: _jsonable(shown.get(q)) for q in values},
            "holds_for": f"n >= {f.min_bits}",
            "gates_note": f.gates_note,
        }
        for quantity in QUANTITIES:
            expression = getattr(f, quantity)
            if expression is not None:
                rows.append((name, QUANTITY_LABELS[quantity], expression, "n/a" if shown is None else shown[quantity]))
        rows.append((name, "widths", _WidthFormula(f.width), "n/a" if shown is None else shown["widths"]))
        if f.at_powers:
            forms = f.at_powers
            entry["formulas_at_powers"] = {q: str(e) for q, e in forms.items()}
            entry["at_powers_hold_for"] = f"n = {arity}^d, d >= 1"
            exact = {q: _integer(e.xreplace(at)) for q, e in forms.items()} if power else None
            entry["values_at_powers"] = exact
            for quantity, expression in forms.items():
                value = "n/a" if exact is None else _Value(exact[quantity], expression, at)
                rows.append((name, f"{QUANTITY_LABELS[quantity]}, n = {arity}^d", expression, value))
        payload["constructions"][name] = entry
    gap = ratios(bits, arity)
    payload["ratios"] = {name: None if r is None else {q: None if v is None else _ratio_json(v) for q, v in r.items()}
                         for name, r in gap.items()}
    payload["number_format"] = (f"integers of more than {EXACT_DIGITS} digits are exact strings in Python syntax "
                          "(e.g. '2**99999*100002 + 1'); ratios are floats, or strings like '2.49744e+30097' "
                          "(six significant digits) beyond a float's range")
    if as_json:
        print_json(payload)
        return
    if latex:
        click.echo(_latex_table(rows, f"value at $n = {bits}$"))
        return
    # One block per construction, formula last: the XOR tree's formulas are long.
    for name, f in table.items():
        holds = f"formulas hold for n >= {f.min_bits}" + (f", the n = {arity}^d ones for d >= 1" if f.at_powers else "")
        click.echo(f"{name}: {f.description} ({holds}; gates: {f.gates_note})")
        block = [(quantity, str(value), str(expression)) for row_name, quantity, expression, value in rows if row_name == name]
        label = max(len(q) for q, _, _ in block)
        number = max(len(v) for _, v, _ in block)
        for quantity, value, expression in block:
            click.echo(f"  {quantity.ljust(label)}  {value.rjust(number)}  = {expression}")
    click.echo(f"values at n = {bits}; shallow / deep (compiled XOR tree of arity {arity}) at n = {bits}:")
    for name, ratio in gap.items():
        if ratio is None:
            click.echo(f"  {name}: n/a (its formulas hold for n >= {table[name].min_bits})")
            continue
        click.echo("  " + f"{name}: " + ", ".join(f"{q.replace('_', ' ')} {_ratio_text(v)}" for q, v in ratio.items()))
    if any(v is None for r in gap.values() if r for v in r.values()):
        click.echo(f"  (n/a: the XOR tree has none at n = {bits})")


def _integer(value) -> int:
    if not value.is_Integer:
        raise ValueError(f"{value} is not an integer")
    return int(value)


def _power_of(bits: int, arity: int) -> bool:
    """Whether ``bits = arity^d`` with ``d >= 1``."""
    if bits < arity:
        return False
    while bits % arity == 0:
        bits //= arity
    return bits == 1


def scientific(value: Fraction | int, digits: int = 6) -> str:
    """A positive ``value`` rounded (half up) to ``digits`` significant digits, exactly, as ``d.ddddde+E``.

    Integer arithmetic only, so the exponent and the digits are right for any size.

    >>> scientific(2**99999 * 100002 + 1)
    '4.99511e+30107'
    >>> scientific(Fraction(16384, 15)), scientific(Fraction(1, 3), 3), scientific(999999.5)
    ('1.09227e+3', '3.33e-1', '1.00000e+6')
    """
    value = Fraction(value)
    if value <= 0:
        raise ValueError(f"scientific() needs a positive value, got {value}")
    p, q = value.numerator, value.denominator
    exponent = math.floor((p.bit_length() - q.bit_length()) * math.log10(2))  # within 1 of the truth
    while True:
        shift = exponent - digits  # one guard digit: 10^digits <= scaled < 10^(digits + 1)
        scaled = p * 10**-shift // q if shift < 0 else p // (q * 10**shift)
        if scaled >= 10 ** (digits + 1):
            exponent += 1
        elif scaled < 10**digits:
            exponent -= 1
        else:
            break
    rounded = (scaled + 5) // 10
    if rounded == 10**digits:
        rounded, exponent = rounded // 10, exponent + 1
    text = str(rounded)
    return f"{text[0]}{'.' + text[1:] if digits > 1 else ''}e{exponent:+d}"


class _Value:
    """An exact integer, printed in decimal when short and as powers of two when long."""

    def __init__(self, value: int, expression, values: dict) -> None:
        self.value = value
        self.long = abs(value) >= 10**EXACT_DIGITS
        self.terms = None
        if self.long:
            from expressivity.counts.symbolic import power_terms

            self.terms = power_terms(expression, values)

    def _sum(self, power, times) -> str:
        text = ""
        for c, e in self.terms:
            size = abs(c)
            term = str(size) if e == 0 else power(e) if size == 1 else times(power(e), size)
            text += ("-" if c < 0 else "") + term if not text else (" - " if c < 0 else " + ") + term
        return text

    def exact(self) -> str:
        """Exact text: decimal, or ``2**e*c + ...`` (hexadecimal where no such form was found)."""
        if not self.long:
            return str(self.value)
        if self.terms is None:
            return hex(self.value)
        return self._sum(lambda e: f"2**{e}", lambda p, c: f"{p}*{c}")

    def __str__(self) -> str:
        return f"{self.exact()} (about {scientific(self.value)})" if self.long else f"{self.value:,}"

    def latex(self) -> str:
        if not self.long:
            return f"{self.value:,}".replace(",", "{,}")
        if self.terms is None:
            return rf"\texttt{{{hex(self.value)}}}"
        return "$" + self._sum(lambda e: f"2^{{{e}}}", lambda p, c: rf"{c} \cdot {p}") + "$"


def _jsonable(value):
    if value is None:
        return None
    if isinstance(value, _Widths):
        return value.json()
    return value.exact() if value.long else value.value


class _Widths:
    """A construction's widths, shortened when there are more than :data:`SHOWN_WIDTHS` layers.

    The chain has n - 1 layers: a :class:`_Value` is made only for a width that is shown or long.
    """

    def __init__(self, widths: list[int], expression, values: dict) -> None:
        self.widths, self.expression, self.values = widths, expression, values

    def _value(self, index: int) -> _Value:
        import sympy

        from expressivity.counts.symbolic import l

        return _Value(self.widths[index], self.expression, self.values | {l: sympy.Integer(index + 1)})

    def json(self) -> list[int | str]:
        return [w if abs(w) < 10**EXACT_DIGITS else self._value(i).exact() for i, w in enumerate(self.widths)]

    def _parts(self, show, dots):
        count = len(self.widths)
        if count <= SHOWN_WIDTHS:
            return ", ".join(show(self._value(i)) for i in range(count)) or "none"
        head = ", ".join(show(self._value(i)) for i in range(4))
        tail = ", ".join(show(self._value(i)) for i in range(count - 2, count))
        return f"{head}, {dots}, {tail} ({count:,} layers)"

    def __str__(self) -> str:
        return self._parts(lambda w: w.exact(), "...")

    def latex(self) -> str:
        return self._parts(lambda w: w.latex() if w.long else w.exact(), r"\dots").replace(",", "{,}")


def _ratio_text(ratio: Fraction | None) -> str:
    if ratio is None:
        return "n/a"
    if Fraction(1, 100) <= ratio < 10**9:
        return f"x{float(ratio):,.2f}"
    return f"x{scientific(ratio)}"


def _ratio_json(ratio: Fraction) -> float | str:
    try:
        return float(ratio)
    except OverflowError:
        return scientific(ratio)


class _WidthFormula:
    """``width(l) = expression``, printed as text or as LaTeX."""

    def __init__(self, expression) -> None:
        self.expression = expression

    def __str__(self) -> str:
        return f"width(l) = {self.expression}"

    def latex(self) -> str:
        import sympy

        return rf"\mathrm{{width}}(l) = {sympy.latex(self.expression)}"


def _latex_table(rows, value_header: str) -> str:
    import sympy

    lines = [
        r"\begin{tabular}{llll}",
        r"\hline",
        rf"Construction & Quantity & Formula & {value_header} \\",
        r"\hline",
    ]
    for name, quantity, expression, value in rows:
        if isinstance(expression, _WidthFormula):
            formula = expression.latex()
        elif isinstance(expression, sympy.Basic):
            formula = sympy.latex(expression)
        else:
            formula = str(expression).replace("_", r"\_")
        value = value.latex() if hasattr(value, "latex") else str(value).replace(",", "{,}")
        quantity = re.sub(r"n = (\d+)\^d", r"$n = \1^d$", quantity)
        lines.append(rf"{name.replace('_', ' ')} & {quantity} & ${formula}$ & {value} \\")
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines)


# -- specs ----------------------------------------------------------------------------

def _spec(text: str, latex: bool, as_json: bool) -> None:
    import sympy

    from expressivity.counts.spec import SpecError, parse_spec

    try:
        spec = parse_spec(text)
    except SpecError as error:
        shown = text if len(text) <= 80 else text[:60] + f"... ({len(text)} characters)"
        fail(f"bad --spec {shown!r}: {error}")
    if as_json:
        print_json(spec.to_dict())
        return
    convolutional = spec.kind == "conv"
    header = ["layer", "weights", "biases", "parameters"] + (["field", "stride", "padding"] if convolutional else [])
    rows = []
    for layer in spec.layers:
        row = [layer.name, spec.display(layer.weights), spec.display(layer.biases), spec.display(layer.parameters)]
        if convolutional:
            row += [format_axes(layer.field.size), format_axes(layer.field.stride), format_axes(layer.field.padding)]
        rows.append(row)
    total = spec.display()
    if latex:
        lines = [rf"\begin{{tabular}}{{{'l' * len(header)}}}", r"\hline", " & ".join(header) + r" \\", r"\hline"]
        for row in rows:
            lines.append(" & ".join(f"${sympy.latex(sympy.sympify(c))}$" if i else c for i, c in enumerate(row)) + r" \\")
        lines += [r"\hline", rf"total & & & ${sympy.latex(sympy.sympify(total))}$ \\", r"\end{tabular}"]
        click.echo("\n".join(lines))
        return
    click.echo(format_table(header, rows))
    click.echo(f"total parameters: {total}")


# -- region bounds ------------------------------------------------------------------------

def _region_bounds(text: str, as_json: bool) -> None:
    from expressivity.counts.region_bounds import parse_architecture, region_bounds
    from expressivity.errors import InputError

    try:
        dimension, widths = parse_architecture(text)
    except InputError as error:
        fail(f"--regions: {error}")
    bounds = region_bounds(dimension, widths)
    if as_json:
        print_json({"inputs": dimension, "widths": list(widths), "bounds": [b.to_dict() for b in bounds]})
        return
    rows = [(b.name, b.kind, b.counts, f"about {scientific(b.value)} (--json: exact)" if b.value >= 10**EXACT_DIGITS else f"{b.value:,}",
             "" if b.formula is None else str(b.formula)) for b in bounds]
    click.echo(format_table(["bound", "kind", "counts", "value", "formula (L layers of width w)"], rows))


# -- torch modules ------------------------------------------------------------------------

def _module(path: str, as_json: bool) -> None:
    from expressivity.counts.modules import ModuleLoadError, count_module, load_module

    try:
        module = load_module(path)
    except ModuleLoadError as error:
        fail(f"--module: {error}")
    count = count_module(module, name=path)
    if as_json:
        print_json(count.to_dict())
        return
    rows = [
        (layer.name, layer.type, f"{layer.parameters:,}", f"{layer.trainable:,}", f"{layer.frozen:,}",
         f"{layer.buffers:,}", "; ".join(layer.shared))
        for layer in count.layers
    ]
    click.echo(format_table(["layer", "type", "parameters", "trainable", "frozen", "buffers", "shared (counted once)"], rows))
    click.echo(
        f"total: {count.parameters:,} parameters ({count.trainable:,} trainable, {count.frozen:,} frozen), "
        f"{count.buffers:,} buffer values"
    )
    if count.tied:
        click.echo(f"tied parameters counted once: adding up every place gives {count.naive_parameters:,} (+{count.tied:,})")
