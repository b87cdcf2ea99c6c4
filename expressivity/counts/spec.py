"""Architecture specs with symbolic sizes: parameters and receptive fields as sympy expressions.

Grammar (sizes are positive integers or names, which become sympy symbols)::

    spec     := "mlp" SIZES ["nobias"]
              | "conv" LAYER ("," LAYER)* [OPTION ...]
    SIZES    := SIZE ("," SIZE)+              layer widths, input first
    LAYER    := KERNEL ("/" MOD)*             a convolution
              | ("maxpool" | "avgpool") SIZE ("/" MOD)*
    KERNEL   := SIZE "x" SIZE | SIZE          height x width (one SIZE: square)
    MOD      := "s" SIZE                      stride (default 1; a pool's default is its size)
              | "p" SIZE                      zero padding on each side (default 0)
              | "d" SIZE                      dilation (default 1; convolutions only)
    OPTION   := "channels=" SIZE ("," SIZE)*  channels before the first and after every
                                              convolution (default 1 everywhere)
              | "bias"                        convolutions have a bias (default: none)

Examples: ``mlp 3,4,4,1``; ``mlp n,w,1``; ``conv 5x5``; ``conv 3x3,3x3``;
``conv 7x7/s2/p3,maxpool3/s2/p1,3x3/p1 channels=3,64,64 bias``; ``conv kxk,kxk``.

Examples
--------
>>> spec = parse_spec("mlp 3,4,4,1")
>>> [layer.weights for layer in spec.layers], spec.parameters
([12, 16, 4], 41)
>>> parse_spec("mlp n,w,1").display()
'w*(n + 2) + 1'
>>> five, two = parse_spec("conv 5x5"), parse_spec("conv 3x3,3x3")
>>> (five.parameters, five.field.size), (two.parameters, two.field.size)
((25, (5, 5)), (18, (5, 5)))
"""
from __future__ import annotations

from expressivity.errors import InputError, echo

import re
from dataclasses import dataclass
from typing import Any

import sympy

from expressivity.counts.receptive import Field

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KERNEL = re.compile(r"^(\w+?)x(\w+)$")
_POOL = re.compile(r"^(max|avg)pool(\w+)$")
_RESERVED = {"mlp", "conv", "bias", "nobias", "channels", "maxpool", "avgpool"}


class SpecError(InputError):
    """A spec that does not follow the grammar; the message names the part that failed."""


@dataclass(frozen=True)
class SpecLayer:
    """One layer of a spec: its weights and biases, and the receptive field after it (conv specs)."""

    name: str
    kind: str
    weights: Any
    biases: Any
    field: Field | None = None

    @property
    def parameters(self):
        return self.weights + self.biases


@dataclass(frozen=True)
class Spec:
    """A parsed spec: its layers, in order."""

    text: str
    kind: str
    layers: tuple[SpecLayer, ...]
    symbols: tuple[sympy.Symbol, ...]

    @property
    def parameters(self):
        """All parameters (weights and biases), an int or a sympy expression."""
        return _simplify(sum((layer.parameters for layer in self.layers), sympy.Integer(0)))

    @property
    def field(self) -> Field | None:
        """The receptive field after the last layer (conv specs)."""
        return self.layers[-1].field if self.layers else None

    def display(self, value=None) -> str:
        """``value`` (default: the parameter count) written with terms collected per symbol."""
        value = self.parameters if value is None else value
        if isinstance(value, sympy.Basic) and value.free_symbols:
            return str(sympy.collect(sympy.expand(value), list(reversed(self.symbols))))
        return str(value)

    def evaluate(self, values: dict[str, int]) -> "Spec":
        """The same spec with symbols replaced by integers (by name).

        Examples
        --------
        >>> parse_spec("mlp n,w,1").evaluate({"n": 3, "w": 4}).parameters
        21
        """
        mapping = {s: sympy.Integer(values[s.name]) for s in self.symbols if s.name in values}

        def at(x):
            return _simplify(sympy.sympify(x).xreplace(mapping))

        layers = tuple(
            SpecLayer(
                layer.name, layer.kind, at(layer.weights), at(layer.biases),
                None if layer.field is None else Field(*(tuple(at(v) for v in part) for part in
                                                         (layer.field.size, layer.field.stride, layer.field.padding))),
            )
            for layer in self.layers
        )
        return Spec(self.text, self.kind, layers, tuple(s for s in self.symbols if s not in mapping))

    def to_dict(self) -> dict[str, Any]:
        def text(x):
            return int(x) if isinstance(x, int) or (isinstance(x, sympy.Basic) and x.is_Integer) else str(x)

        return {
            "spec": self.text,
            "kind": self.kind,
            "symbols": [s.name for s in self.symbols],
            "parameters": text(self.parameters),
            "layers": [
                {
                    "name": layer.name,
                    "kind": layer.kind,
                    "weights": text(layer.weights),
                    "biases": text(layer.biases),
                    "parameters": text(_simplify(layer.parameters)),
                    **({} if layer.field is None else {
                        "field": [text(v) for v in layer.field.size],
                        "stride": [text(v) for v in layer.field.stride],
                        "padding": [text(v) for v in layer.field.padding],
                    }),
                }
                for layer in self.layers
            ],
        }


def _simplify(value):
    value = sympy.sympify(value)
    if value.is_Integer:
        return int(value)
    return sympy.expand(value) if not value.has(sympy.Max) else value


#: Longest size accepted, in digits, and the bound on every count made of sizes (far beyond any network,
#: and well under the 4,300 digits past which Python refuses to print an integer).
MAX_DIGITS, MAX_COUNT = 30, 10**1000
#: The longest spec parsed (thousands of layers; sympy parses each).
MAX_SPEC_CHARS = 100_000


def _size(token: str, what: str, symbols: dict, minimum: int = 1) -> Any:
    token = token.strip()
    if token.isdigit():
        if len(token.lstrip("0")) > MAX_DIGITS:
            raise SpecError(f"{what} has at most {MAX_DIGITS} digits, got one of {len(token)}")
        value = int(token)
        if value < minimum:
            raise SpecError(f"{what} must be at least {minimum}, got {token!r}")
        return value
    if _NAME.match(token) and token not in _RESERVED:
        if token not in symbols:
            symbols[token] = sympy.Symbol(token, integer=True, positive=True)
        return symbols[token]
    raise SpecError(f"{what} must be a positive integer or a name, got {token!r}")


def parse_spec(text: str) -> Spec:
    """Parse ``text`` (see the module docstring); raise :class:`SpecError` naming what failed.

    Examples
    --------
    >>> parse_spec("conv 3x3/s2,maxpool2").layers[-1].field
    Field(size=(5, 5), stride=(4, 4), padding=(0, 0), whole=False)
    >>> try:
    ...     parse_spec("mlp 3")
    ... except SpecError as error:
    ...     print(error)
    an mlp needs at least two sizes (input and output), got '3'
    """
    if not isinstance(text, str):
        raise SpecError(f"a spec is a string such as 'mlp 3,4,1', got {type(text).__name__}")
    if len(text) > MAX_SPEC_CHARS:
        raise SpecError(f"a spec is at most {MAX_SPEC_CHARS:,} characters, got {echo(text)}")
    words = text.split()
    if not words:
        raise SpecError("empty spec; write e.g. 'mlp 3,4,1' or 'conv 3x3,3x3'")
    kind, rest = words[0].lower(), words[1:]
    symbols: dict = {}
    if kind == "mlp":
        layers = _parse_mlp(rest, symbols)
    elif kind == "conv":
        layers = _parse_conv(rest, symbols)
    else:
        raise SpecError(f"a spec starts with 'mlp' or 'conv', got {echo(words[0])}")
    for layer in layers:  # strides multiply from layer to layer: bound what they make
        field = () if layer.field is None else layer.field.size + layer.field.stride + layer.field.padding
        parts = (layer.weights, layer.biases) + field
        if any(abs(a) >= MAX_COUNT for part in parts for a in sympy.sympify(part).atoms(sympy.Integer)):
            raise SpecError(f"{layer.name!r} makes a count of 10^1000 or more")
    return Spec(text.strip(), kind, tuple(layers), tuple(symbols.values()))


def _parse_mlp(words: list[str], symbols: dict) -> list[SpecLayer]:
    if not words:
        raise SpecError("an mlp needs its layer sizes, e.g. 'mlp 3,4,1'")
    bias = True
    for option in words[1:]:
        if option == "nobias":
            bias = False
        else:
            raise SpecError(f"unknown mlp option {option!r} (the only one is 'nobias')")
    sizes = [_size(token, "a layer size", symbols) for token in words[0].split(",")]
    if len(sizes) < 2:
        raise SpecError(f"an mlp needs at least two sizes (input and output), got {words[0]!r}")
    return [
        SpecLayer(f"linear {a} -> {b}", "linear", _simplify(a * b), _simplify(b if bias else 0))
        for a, b in zip(sizes, sizes[1:])
    ]


def _parse_conv(words: list[str], symbols: dict) -> list[SpecLayer]:
    if not words:
        raise SpecError("a conv spec needs its layers, e.g. 'conv 3x3,3x3'")
    tokens = [t for t in words[0].split(",")]
    bias, channels = False, None
    for option in words[1:]:
        if option == "bias":
            bias = True
        elif option.startswith("channels="):
            channels = [_size(t, "a channel count", symbols) for t in option[len("channels="):].split(",")]
        else:
            raise SpecError(f"unknown conv option {option!r} (options: 'channels=C0,C1,...', 'bias')")
    parsed = [_parse_layer(token, symbols) for token in tokens]
    convolutions = sum(1 for p in parsed if p[0] == "conv")
    if channels is None:
        channels = [1] * (convolutions + 1)
    if len(channels) != convolutions + 1:
        raise SpecError(f"channels= needs {convolutions + 1} counts (input and one per convolution), got {len(channels)}")
    field = Field.identity(2)
    layers, conv_index = [], 0
    for (kind, kernel, stride, padding, dilation), token in zip(parsed, tokens):
        field = Field(*(tuple(_simplify(v) for v in part) for part in
                        _window(field, kernel, stride, padding, dilation)))
        if kind == "conv":
            c_in, c_out = channels[conv_index], channels[conv_index + 1]
            conv_index += 1
            weights = _simplify(kernel[0] * kernel[1] * c_in * c_out)
            layers.append(SpecLayer(f"conv {token}", "conv", weights, _simplify(c_out if bias else 0), field))
        else:
            layers.append(SpecLayer(token, kind, 0, 0, field))
    return layers


def _window(field: Field, kernel, stride, padding, dilation) -> tuple:
    after = field.window(kernel, stride, padding, dilation)
    return after.size, after.stride, after.padding


def _parse_layer(token: str, symbols: dict) -> tuple:
    token = token.strip()
    if not token:
        raise SpecError("empty layer in the conv spec (two commas in a row?)")
    head, *mods = token.split("/")
    pool = _POOL.match(head)
    if pool:
        kind = f"{pool.group(1)}pool"
        side = _size(pool.group(2), f"the size of {token!r}", symbols)
        kernel, stride = (side, side), (side, side)
    else:
        kind = "conv"
        match = _KERNEL.match(head)
        parts = match.groups() if match else (head, head)
        kernel = tuple(_size(p, f"the kernel of {token!r}", symbols) for p in parts)
        stride = (1, 1)
    padding, dilation = (0, 0), (1, 1)
    seen = set()
    for mod in mods:
        if not mod or mod[0] not in "spd" or mod[0] in seen:
            raise SpecError(f"bad modifier {mod!r} in {token!r} (use /sN stride, /pN padding, /dN dilation, once each)")
        seen.add(mod[0])
        value = _size(mod[1:], f"modifier {mod!r} of {token!r}", symbols, minimum=0 if mod[0] == "p" else 1)
        if mod[0] == "s":
            stride = (value, value)
        elif mod[0] == "p":
            padding = (value, value)
        elif kind != "conv":
            raise SpecError(f"dilation applies to convolutions only, not {token!r}")
        else:
            dilation = (value, value)
    return kind, kernel, stride, padding, dilation
