"""Boolean functions as a first-class type: dense truth tables with the spec they came from.

Input order, used everywhere in this package (and by
:func:`expressivity.circuits.evaluate.truth_table` and
:func:`expressivity.verify.exhaustive.input_bits`): row ``k`` of a truth table
is the input whose bit ``i`` is ``x_i = (k >> i) & 1``, ``x_0`` least
significant.  Hex strings are the table read as a binary number whose bit ``k``
is ``f(row k)``, most significant digit first (ABC, Knuth): 2-input XOR is
``6``, AND ``8``, 3-input parity ``96``, 4-input parity ``6996``.

Modules: :mod:`~.table` (the type :class:`BooleanFunction`, hex, errors),
:mod:`~.families` (parity, majority, thresholds, ip, eq, gt, mux, tribes,
random), :mod:`~.expression` (strings like ``x0 & x1 ^ ~x2``, parsed with
``ast``), :mod:`~.convert` (sympy expressions, circuits), :mod:`~.spec` (the
grammar: :func:`parse_function`, :data:`FUNCTION_FAMILIES`), :mod:`~.npn` (NPN
transforms and canonical form, n <= 6), :mod:`~.symmetry` (the group of
transforms fixing a function).

Examples
--------
>>> from expressivity.functions import parse_function, npn_canonical, symmetry_group
>>> f = parse_function("majority", 3)
>>> f.hex, f.spec, npn_canonical(f)[0].hex, symmetry_group(f).size
('e8', 'majority', '17', 12)
"""
from expressivity.functions.convert import function_from_sympy, functions_from_circuit
from expressivity.functions.expression import function_from_expression, parse_expression
from expressivity.functions.families import (
    equality,
    exactly,
    greater_than,
    inner_product,
    majority,
    multiplexer,
    parity,
    random_function,
    threshold,
    tribes,
)
from expressivity.functions.npn import (
    MAX_NPN_BITS,
    NPNTransform,
    input_transforms,
    npn_canonical,
    npn_canonical_values,
    table_values,
)
from expressivity.functions.spec import FUNCTION_FAMILIES, parse_function
from expressivity.functions.symmetry import SymmetryGroup, symmetry_group
from expressivity.functions.table import (
    MAX_BITS,
    BooleanFunction,
    FunctionError,
    FunctionSpecError,
    function_from_hex,
    hex_to_table,
    table_to_hex,
)


__all__ = [
    "BooleanFunction", "FunctionError", "FunctionSpecError", "MAX_BITS",
    "parse_function", "FUNCTION_FAMILIES",
    "parity", "majority", "threshold", "exactly", "inner_product", "equality", "greater_than",
    "multiplexer", "tribes", "random_function",
    "function_from_expression", "parse_expression", "function_from_sympy", "functions_from_circuit",
    "function_from_hex", "hex_to_table", "table_to_hex",
    "NPNTransform", "npn_canonical", "npn_canonical_values", "input_transforms", "table_values", "MAX_NPN_BITS",
    "SymmetryGroup", "symmetry_group",
]
