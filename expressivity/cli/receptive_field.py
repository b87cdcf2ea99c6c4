"""``expressivity receptive-field``: what each layer (or unit) sees of the input.

Every bad input is refused before any work, in one line: ``--bits`` beyond
:data:`MAX_BITS`, a ``--units`` listing longer than :data:`MAX_LISTED`
unit inputs, an ``--input`` whose number of sizes does not match the
module's convolutions or whose sizes exceed :data:`MAX_INPUT_SIZE`, or that
the module cannot take (one run on a fake tensor of that shape, no data:
:func:`~expressivity.counts.receptive.fx.check_input_shape`).
"""
from __future__ import annotations

import click

from expressivity.cli import main
from expressivity.cli.common import bits_option, fail, format_axes, json_option, parse_bits, print_json
from expressivity.results.tables import format_table

#: The largest n for ``--bits``: the closed form takes microseconds for any n.
MAX_BITS = 2**63 - 1
MAX_BITS_WHY = "so that every count in the table fits a signed 64-bit integer; the closed form takes microseconds for any n"
#: ``--units`` lists every unit's input bits: at most this many (unit, input bit) pairs
#: (n <= :data:`MAX_LISTED_BITS` at arity 2).
MAX_LISTED = 100_000
MAX_LISTED_BITS = 4_001
#: The largest spatial size ``--input`` accepts (per-position intervals are kept where strides differ).
MAX_INPUT_SIZE = 65_536


@main.command("receptive-field")
@click.option("--spec", "spec_text", help='A conv spec, e.g. "conv 3x3,3x3" or "conv kxk/s2,maxpool2".')
@click.option("--module", "module_path", metavar="PKG.MOD:FACTORY",
              help="A torch module as package.module:factory (traced with torch.fx in eval mode, never run on data).")
@click.option("--input", "input_text", help="One input's shape without the batch, e.g. 3x224x224 (with --module).")
@bits_option(required=False, ranges=False, extra="Per unit of the compiled XOR tree on N bits (N < 2^63): the input bits it "
                                                 "depends on, from the closed form.")
@click.option("--arity", type=click.IntRange(min=2), default=None, help="Fan-in of the XOR tree (with --bits; default 2).")
@click.option("--units", "list_units", is_flag=True,
              help=f"With --bits: list every unit's input bits (at most {MAX_LISTED:,} unit inputs: "
                   f"n <= {MAX_LISTED_BITS:,} at arity 2).")
@json_option()
def receptive_field_command(spec_text, module_path, input_text, bits, arity, list_units, as_json):
    """Receptive field, effective stride and effective padding of every layer.

    Where branches meet (residual additions, concatenations) the field is the
    union over the branches.  Modules are traced in eval mode: dropout and
    stochastic depth are the identity, batch normalisation uses its running
    statistics.  Give exactly one of --spec, --module, --bits.
    """
    given = [name for name, value in (("--spec", spec_text), ("--module", module_path), ("--bits", bits)) if value is not None]
    if len(given) != 1:
        fail("give exactly one of --spec, --module, --bits" + (f" (got {', '.join(given)})" if given else ""))
    if input_text is not None and module_path is None:
        fail("--input applies to --module only")
    if list_units and bits is None:
        fail("--units applies to --bits only")
    if arity is not None and bits is None:
        fail(f"--arity is the XOR tree's fan-in and applies to --bits only (got it with {given[0]})")
    if spec_text is not None:
        _spec(spec_text, as_json)
    elif module_path is not None:
        _module(module_path, input_text, as_json)
    else:
        _units(parse_bits(bits, ranges=False, maximum=MAX_BITS, why=MAX_BITS_WHY), arity or 2, list_units, as_json)


def _spec(text: str, as_json: bool) -> None:
    from expressivity.counts.spec import SpecError, parse_spec

    try:
        spec = parse_spec(text)
    except SpecError as error:
        fail(f"bad spec {text!r}: {error}")
    if spec.kind != "conv":
        fail(f"spec {text!r} has no spatial layers: every output of an mlp reads every input")
    rows = [(layer.name, format_axes(layer.field.size), format_axes(layer.field.stride), format_axes(layer.field.padding))
            for layer in spec.layers]
    if as_json:
        data = spec.to_dict()
        layers = [{key: layer[key] for key in ("name", "field", "stride", "padding")} for layer in data["layers"]]
        print_json({"spec": data["spec"], "symbols": data["symbols"], "layers": layers})
        return
    click.echo(format_table(["layer", "field", "stride", "padding"], rows))


def _parse_shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.lower().split("x"))
    except ValueError:
        fail(f"--input must be sizes joined by x, e.g. 3x224x224, got {text!r}")
    if len(shape) < 2 or any(v < 1 for v in shape):
        fail(f"--input needs channels and at least one positive spatial size, e.g. 3x224x224, got {text!r}")
    if any(v > MAX_INPUT_SIZE for v in shape):
        fail(f"--input sizes go up to {MAX_INPUT_SIZE:,} (fields are exact per position, one interval each), got {text!r}")
    return shape


def _window_ranks(module) -> set[int]:
    """The spatial ranks of the module's convolution and pooling layers."""
    from torch import nn

    kinds = {1: (nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d, nn.AdaptiveMaxPool1d),
             2: (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d),
             3: (nn.Conv3d, nn.MaxPool3d, nn.AvgPool3d, nn.AdaptiveAvgPool3d, nn.AdaptiveMaxPool3d)}
    return {rank for m in module.modules() for rank, types in kinds.items() if isinstance(m, types)}


def _module(path: str, input_text: str | None, as_json: bool) -> None:
    shape = _parse_shape(input_text) if input_text is not None else None
    from expressivity.counts.modules import ModuleLoadError, load_module
    from expressivity.counts.receptive import ReceptiveFieldError, module_receptive_fields

    try:
        module = load_module(path)
    except ModuleLoadError as error:
        fail(f"--module {path}: {error}")
    ranks = _window_ranks(module)
    if shape is not None and len(ranks) == 1 and len(shape) - 1 not in ranks:
        rank = ranks.pop()
        sizes = "size" if len(shape) == 2 else "sizes"
        fail(f"--input {input_text} gives {len(shape) - 1} spatial {sizes}, the module's convolutions are {rank}-D "
             f"(give channels and {rank} sizes, e.g. {'x'.join([str(shape[0])] + [str(shape[1])] * rank)})")
    try:
        layers = module_receptive_fields(module, shape)
    except ReceptiveFieldError as error:
        fail(f"--module {path}: {error}")
    if as_json:
        print_json({"module": path, "input": list(shape) if shape else None, "mode": "eval",
                    "layers": [layer.to_dict() for layer in layers]})
        return
    with_local = any(layer.local != layer.field for layer in layers)
    header = ["node", "op", "axes", "field", "stride", "padding"] + (["local field"] if with_local else []) + ["output size"]
    rows = []
    for layer in layers:
        field = layer.field
        local = []
        if with_local:
            local = ["none" if layer.local is None else "same" if layer.local == field else layer.local.text()]
        rows.append([layer.name, layer.op, " ".join(layer.axes or ()), field.text(), _per_axis(field, field.stride),
                     _per_axis(field, field.padding)] + local
                    + ["?" if layer.output_size is None else "x".join(map(str, layer.output_size))])
    click.echo(f"{path} ({type(module).__name__}), input {input_text or 'of unknown size'}: "
               "traced with torch.fx in eval mode, never run on data")
    click.echo(format_table(header, rows))
    if with_local:
        click.echo("local field: with every value that mixes all positions (global pooling, a squeeze-and-excite gate, "
                   "normalisation statistics, attention) held constant")


def _per_axis(field, values) -> str:
    """Strides or paddings per axis: ``-`` where the whole input is read, ``~`` where irregular."""
    if field.whole:
        return "-"
    return format_axes(["-" if w else "~" if v is None else v for v, w in zip(values, field.whole_axes)])


def _units(bits: int, arity: int, list_units: bool, as_json: bool) -> None:
    from expressivity.counts.receptive.units import xor_tree_unit_fields, xor_tree_unit_inputs

    name = f"xor_tree(n={bits}, arity={arity})"
    summary = xor_tree_unit_fields(bits, arity)
    listing = None
    if list_units:
        pairs = xor_tree_unit_inputs(bits, arity)
        if pairs > MAX_LISTED:
            fail(f"--units would list {pairs:,} unit inputs for {name}; the limit is {MAX_LISTED:,} "
                 f"(n <= {MAX_LISTED_BITS:,} at arity 2; the table without --units takes any n)")
        listing = _listing(bits, arity)
    if as_json:
        print_json({"network": name, "layers": summary, **({"units": listing} if listing is not None else {})})
        return
    rows = [(s["layer"], s["units"], s["min_bits"] if s["min_bits"] == s["max_bits"] else f"{s['min_bits']}..{s['max_bits']}")
            for s in summary]
    click.echo(f"{name}: input bits each unit depends on (closed form, equal to the compiled network's weight sparsity)")
    click.echo(format_table(["layer", "units", "bits seen"], rows))
    if listing is not None:
        for summary_row, units in zip(summary, listing):
            for u, inputs in enumerate(units):
                click.echo(f"layer {summary_row['layer']} unit {u}: x{{{','.join(map(str, inputs))}}}")


def _listing(bits: int, arity: int) -> list[list[list[int]]]:
    """Every unit's input bits, read off the compiled network's weights."""
    from expressivity.circuits.arrays_build import xor_tree_arrays
    from expressivity.counts.receptive.units import unit_supports
    from expressivity.networks.compiler import compile_network

    supports = unit_supports(compile_network(xor_tree_arrays(bits, arity)))
    return [[sorted(support.indices[support.indptr[u]:support.indptr[u + 1]].tolist()) for u in range(support.shape[0])]
            for support in supports]
