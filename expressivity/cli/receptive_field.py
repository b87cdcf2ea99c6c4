"""``expressivity receptive-field``: what each layer (or unit) sees of the input."""
from __future__ import annotations

import click

from expressivity.cli import main
from expressivity.cli.common import fail, format_axes, format_table, print_json


@main.command("receptive-field")
@click.option("--spec", "spec_text", help='A conv spec, e.g. "conv 3x3,3x3" or "conv kxk/s2,maxpool2".')
@click.option("--module", "module_path", help="A torch module as package.module:factory (traced with torch.fx, never run).")
@click.option("--input", "input_text", help="One input's shape without the batch, e.g. 3x224x224 (with --module).")
@click.option("--bits", type=click.IntRange(min=1), help="Per unit of the compiled XOR tree on this many bits: the input bits it depends on.")
@click.option("--arity", type=click.IntRange(min=2), default=2, show_default=True, help="Fan-in of the XOR tree (with --bits).")
@click.option("--units", "list_units", is_flag=True, help="With --bits: list every unit's input bits.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def receptive_field_command(spec_text, module_path, input_text, bits, arity, list_units, as_json):
    """Receptive field, effective stride and effective padding of every layer.

    Where branches meet (residual additions, concatenations) the field is the
    union over the branches.  Give exactly one of --spec, --module, --bits.
    """
    given = [name for name, value in (("--spec", spec_text), ("--module", module_path), ("--bits", bits)) if value is not None]
    if len(given) != 1:
        fail("give exactly one of --spec, --module, --bits" + (f" (got {', '.join(given)})" if given else ""))
    if input_text is not None and module_path is None:
        fail("--input applies to --module only")
    if list_units and bits is None:
        fail("--units applies to --bits only")
    if spec_text is not None:
        _spec(spec_text, as_json)
    elif module_path is not None:
        _module(module_path, input_text, as_json)
    else:
        _units(bits, arity, list_units, as_json)


def _spec(text: str, as_json: bool) -> None:
    from expressivity.counts.spec import SpecError, parse_spec

    try:
        spec = parse_spec(text)
    except SpecError as error:
        fail(f"bad spec {text!r}: {error}")
    if spec.kind != "conv":
        fail(f"spec {text!r} has no spatial layers: every output of an mlp reads every input")
    rows = [(layer.name, format_axes(layer.field.size), format_axes(layer.field.stride), format_axes(layer.field.padding)) for layer in spec.layers]
    if as_json:
        data = spec.to_dict()
        print_json({"spec": data["spec"], "symbols": data["symbols"],
                    "layers": [{key: layer[key] for key in ("name", "field", "stride", "padding")} for layer in data["layers"]]})
        return
    click.echo(format_table(["layer", "field", "stride", "padding"], rows))


def _parse_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.lower().split("x"))
    except ValueError:
        fail(f"--input must be sizes joined by x, e.g. 3x224x224, got {text!r}")
    if len(shape) < 2 or any(v < 1 for v in shape):
        fail(f"--input needs channels and at least one positive spatial size, e.g. 3x224x224, got {text!r}")
    return shape


def _module(path: str, input_text: str | None, as_json: bool) -> None:
    from expressivity.counts.modules import ModuleLoadError, load_module
    from expressivity.counts.receptive import ReceptiveFieldError, module_receptive_fields

    shape = _parse_shape(input_text) if input_text is not None else None
    try:
        module = load_module(path)
        layers = module_receptive_fields(module, shape)
    except (ModuleLoadError, ReceptiveFieldError) as error:
        fail(str(error))
    if as_json:
        print_json({"module": path, "input": list(shape) if shape else None, "layers": [layer.to_dict() for layer in layers]})
        return
    rows = [
        (layer.name, layer.op, layer.field.text(),
         "-" if layer.field.whole else format_axes(layer.field.stride),
         "-" if layer.field.whole else format_axes(layer.field.padding),
         "?" if layer.output_size is None else "x".join(map(str, layer.output_size)))
        for layer in layers
    ]
    click.echo(format_table(["node", "op", "field", "stride", "padding", "output size"], rows))


def _units(bits: int, arity: int, list_units: bool, as_json: bool) -> None:
    import numpy as np

    from expressivity.circuits.build import xor_tree
    from expressivity.counts.receptive import unit_field_summary, unit_supports
    from expressivity.networks.compiler import compile_network

    net = compile_network(xor_tree(bits, arity))
    summary = unit_field_summary(net)
    supports = unit_supports(net)
    listing = [
        [np.flatnonzero(support[[u], :].toarray().ravel()).tolist() for u in range(support.shape[0])]
        for support in supports
    ]
    if as_json:
        print_json({"network": net.name, "layers": summary, "units": listing})
        return
    rows = [(s["layer"], s["units"], s["min_bits"] if s["min_bits"] == s["max_bits"] else f"{s['min_bits']}..{s['max_bits']}")
            for s in summary]
    click.echo(f"{net.name}: input bits each unit depends on (from the weights' sparsity pattern)")
    click.echo(format_table(["layer", "units", "bits seen"], rows))
    if list_units:
        for summary_row, units in zip(summary, listing):
            for u, inputs in enumerate(units):
                click.echo(f"layer {summary_row['layer']} unit {u}: x{{{','.join(map(str, inputs))}}}")
