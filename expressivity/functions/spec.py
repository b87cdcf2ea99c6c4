"""One grammar for naming a Boolean function: ``parse_function(spec, n)``.

Grammar::

    spec    := "~" spec                 the negation of spec
             | FAMILY                   parity majority ip eq gt
             | FAMILY ":" INT           threshold:K  exactly:K  mux:K  random:SEED
             | "tribes:" INT "," INT    tribes:W,S
             | "hex:" HEXDIGITS         a truth table in hex (ABC/Knuth order)
             | "expr:" EXPRESSION       x0 & x1 ^ ~x2 (see expressivity.functions.expression)

:data:`FUNCTION_FAMILIES` lists the families with one line each.  ``hex``, ``mux`` and
``tribes`` imply ``n`` (a given ``n`` must agree); every other family needs
``n``.  Row ``k`` of every table is the input with ``x_i = (k >> i) & 1``.
Every function made here carries its spec, and ``parse_function(f.spec, f.n) == f``.

Examples
--------
>>> parse_function("threshold:2", 3).hex
'e8'
>>> parse_function("hex:6996") == parse_function("parity", 4) == parse_function("expr:x0^x1^x2^x3", 4)
True
>>> parse_function("~tribes:2,2").hex
'0777'
>>> parse_function("threshold:9", 4)
Traceback (most recent call last):
...
expressivity.functions.table.FunctionSpecError: threshold:9 needs 0 <= K <= n+1 = 5 on n=4 bits
"""
from __future__ import annotations

import re

import expressivity.functions.families as families
from expressivity.functions.expression import function_from_expression
from expressivity.functions.table import BooleanFunction, FunctionSpecError, check_bits, hex_to_table

#: The families of the grammar, each with its syntax and a one-line description (shown by the CLI help).
FUNCTION_FAMILIES: dict[str, str] = {
    "parity": "parity: 1 iff an odd number of the n bits are 1 (needs n)",
    "majority": "majority: 1 iff at least floor(n/2)+1 bits are 1; a tie at even n gives 0 (needs n)",
    "threshold": "threshold:K: 1 iff at least K bits are 1, 0 <= K <= n+1 (needs n)",
    "exactly": "exactly:K: 1 iff exactly K bits are 1, 0 <= K <= n (needs n)",
    "ip": "ip: inner product mod 2 of the halves, x0*x{n/2} ^ x1*x{n/2+1} ^ ... (needs even n)",
    "eq": "eq: 1 iff the halves x0..x{n/2-1} and x{n/2}..x{n-1} are equal (needs even n)",
    "gt": "gt: 1 iff the first half is greater than the second as binary numbers, x0 and x{n/2} least significant (needs even n)",
    "mux": "mux:K: multiplexer, address x0..x{K-1} (x0 least significant) selects one of the 2^K data bits that follow; n = K + 2^K",
    "tribes": "tribes:W,S: OR of S ANDs of W consecutive bits; n = W*S",
    "random": "random:SEED: uniformly random table from numpy.random.default_rng(SEED) (needs n)",
    "hex": "hex:DIGITS: truth table in hex, last digit = rows 0..3 (ABC/Knuth); n = 2 + log2(#digits), or 0/1 for one digit if given",
    "expr": "expr:EXPRESSION: x<i>, 0, 1, ~ or ! (not), & (and), ^ (xor), | (or), parentheses; C precedence ~ > & > ^ > | (needs n)",
}

_INT = re.compile(r"-?[0-9]+")
_NEEDS_N = {"parity": families.parity, "majority": families.majority, "ip": families.inner_product,
            "eq": families.equality, "gt": families.greater_than}
_NEEDS_N_AND_K = {"threshold": families.threshold, "exactly": families.exactly, "random": families.random_function}


def parse_function(spec: str, n: int | None = None) -> BooleanFunction:
    """The function named by ``spec`` (grammar in the module docstring) on ``n`` bits.

    Raises :class:`FunctionSpecError`, one line naming what is wrong: an
    unknown family (the message lists the known ones), bad parameters, a
    missing or disagreeing ``n``, a hex string of the wrong length, an
    expression variable ``>= n``, an ``n`` too large for a dense table.

    Examples
    --------
    >>> parse_function("mux:2").n, parse_function("majority", 5).values_by_weight()
    (6, (0, 0, 0, 1, 1, 1))
    """
    if not isinstance(spec, str):
        raise FunctionSpecError(f"a function spec is a string, got {type(spec).__name__}")
    if n is not None:
        n = check_bits(n)
    text, negations = spec.strip(), 0
    while text.startswith("~"):
        text, negations = text[1:].strip(), negations + 1
    if negations:
        f = parse_function(text, n)
        return f.negate() if negations % 2 else f
    family, colon, argument = text.partition(":")
    family = family.strip()
    if family == "expr":
        if n is None:
            raise FunctionSpecError("expr needs n (the number of bits)")
        return function_from_expression(argument, n)
    argument = argument.strip()
    if family == "hex":
        return BooleanFunction._wrap(hex_to_table(argument, n))
    if family not in FUNCTION_FAMILIES:
        raise FunctionSpecError(f"unknown function family {_short(family)!r}; known: {', '.join(FUNCTION_FAMILIES)}")
    if family in _NEEDS_N:
        if colon:
            raise FunctionSpecError(f"{family} takes no parameters, got {_short(text)!r}")
        return _NEEDS_N[family](_need_n(family, n))
    if not colon or not argument:
        raise FunctionSpecError(f"{family} needs parameters: {FUNCTION_FAMILIES[family].split(': ')[0]}")
    if family in _NEEDS_N_AND_K:
        (k,) = _ints(family, argument, 1)
        return _NEEDS_N_AND_K[family](_need_n(family, n), k)
    if family == "mux":
        (k,) = _ints(family, argument, 1)
        f = families.multiplexer(k)
    else:
        w, s = _ints(family, argument, 2)
        f = families.tribes(w, s)
    if n is not None and n != f.n:
        raise FunctionSpecError(f"{f.spec} has n={f.n} bits, but n={n} was given")
    return f


def _need_n(family: str, n: int | None) -> int:
    if n is None:
        raise FunctionSpecError(f"{family} needs n (the number of bits)")
    return n


def _ints(family: str, argument: str, count: int) -> list[int]:
    parts = [part.strip() for part in argument.split(",")]
    syntax = FUNCTION_FAMILIES[family].split(": ")[0]
    if len(parts) != count or not all(_INT.fullmatch(part) for part in parts):
        raise FunctionSpecError(f"{family}:{_short(argument)} is not {syntax} ({count} integer{'s' if count > 1 else ''})")
    return [int(part) for part in parts]


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
