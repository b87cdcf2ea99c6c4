"""``expressivity count``: sizes as formulas (constructions, specs) or numbers (any torch module)."""
from __future__ import annotations

import click
import sympy

from expressivity.cli import main
from expressivity.cli.common import fail, format_axes, format_table, print_json

QUANTITY_LABELS = {
    "hidden_layers": "hidden layers",
    "neurons": "neurons",
    "parameters": "parameters",
    "nonzero_weights": "nonzero weights",
    "gates": "gates",
}


@main.command("count")
@click.option("--bits", type=click.IntRange(min=1), help="Formulas of every parity construction, and their values at n = BITS.")
@click.option("--arity", type=click.IntRange(min=2), default=2, show_default=True, help="Fan-in of the XOR tree (with --bits).")
@click.option("--spec", "spec_text", help='An architecture spec, e.g. "mlp 3,4,4,1", "mlp n,w,1", "conv 3x3,3x3".')
@click.option("--module", "module_path", help="A torch module as package.module:factory.")
@click.option("--latex", is_flag=True, help="Print the table as LaTeX (with --bits or --spec).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def count_command(bits, arity, spec_text, module_path, latex, as_json):
    """Count neurons, parameters and nonzero weights: symbolic where sizes are symbolic.

    Give exactly one of --bits, --spec, --module.
    """
    given = [name for name, value in (("--bits", bits), ("--spec", spec_text), ("--module", module_path)) if value is not None]
    if len(given) != 1:
        fail("give exactly one of --bits, --spec, --module" + (f" (got {', '.join(given)})" if given else ""))
    if latex and as_json:
        fail("--latex and --json exclude each other")
    if bits is not None:
        _constructions(bits, arity, latex, as_json)
    elif spec_text is not None:
        _spec(spec_text, latex, as_json)
    else:
        if latex:
            fail("--latex applies to --bits and --spec")
        _module(module_path, as_json)


# -- constructions ----------------------------------------------------------------------

def _constructions(bits: int, arity: int, latex: bool, as_json: bool) -> None:
    from expressivity.counts.symbolic import QUANTITIES, all_formulas, ratios

    table = all_formulas(arity)
    rows, payload = [], {"bits": bits, "arity": arity, "constructions": {}}
    for name, f in table.items():
        applicable = bits >= f.min_bits
        values = f.evaluate(bits, arity) if applicable else None
        payload["constructions"][name] = {
            "description": f.description,
            "formulas": f.as_strings(),
            "values": values,
            "holds_for": f"n >= {f.min_bits}",
            "gates_note": f.gates_note,
        }
        for quantity in QUANTITIES:
            expression = getattr(f, quantity)
            if expression is None:
                continue
            value = "n/a" if values is None else f"{values[quantity]:,}"
            rows.append((name, QUANTITY_LABELS[quantity], expression, value))
        widths = "n/a" if values is None else ", ".join(str(w) for w in values["widths"]) or "none"
        rows.append((name, "widths", _WidthFormula(f.width), widths))
    payload["ratios"] = ratios(bits, arity)
    if as_json:
        print_json(payload)
        return
    if latex:
        click.echo(_latex_table(rows, f"value at $n = {bits}$"))
        return
    # One block per construction, formula last: the XOR tree's formulas are long.
    for name, f in table.items():
        click.echo(f"{name}: {f.description} (formulas hold for n >= {f.min_bits}; gates: {f.gates_note})")
        block = [(quantity, value, str(expression)) for row_name, quantity, expression, value in rows if row_name == name]
        label = max(len(q) for q, _, _ in block)
        number = max(len(v) for _, v, _ in block)
        for quantity, value, expression in block:
            click.echo(f"  {quantity.ljust(label)}  {value.rjust(number)}  = {expression}")
    click.echo(f"values at n = {bits}; shallow / deep (compiled XOR tree of arity {arity}) at n = {bits}:")
    for name, ratio in payload["ratios"].items():
        click.echo("  " + f"{name}: " + ", ".join(f"{q.replace('_', ' ')} x{v:,.2f}" for q, v in ratio.items()))


class _WidthFormula:
    """``width(l) = expression``, printed as text or as LaTeX."""

    def __init__(self, expression) -> None:
        self.expression = expression

    def __str__(self) -> str:
        return f"width(l) = {self.expression}"

    def latex(self) -> str:
        return rf"\mathrm{{width}}(l) = {sympy.latex(self.expression)}"


def _latex_table(rows, value_header: str) -> str:
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
        value = str(value).replace(",", "{,}")
        lines.append(rf"{name.replace('_', ' ')} & {quantity} & ${formula}$ & {value} \\")
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines)


# -- specs ----------------------------------------------------------------------------

def _spec(text: str, latex: bool, as_json: bool) -> None:
    from expressivity.counts.spec import SpecError, parse_spec

    try:
        spec = parse_spec(text)
    except SpecError as error:
        fail(f"bad spec {text!r}: {error}")
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


# -- torch modules ------------------------------------------------------------------------

def _module(path: str, as_json: bool) -> None:
    from expressivity.counts.modules import ModuleLoadError, count_module, load_module

    try:
        module = load_module(path)
    except ModuleLoadError as error:
        fail(str(error))
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
