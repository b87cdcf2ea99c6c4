"""Expression strings such as ``x0 & x1 ^ ~x2``, parsed safely with :mod:`ast` (never ``eval``).

Grammar: variables ``x0, x1, ...`` (``x<i>`` is input bit ``i``), the constants
``0`` and ``1``, parentheses, and the operators ``~`` or ``!`` (not), ``&``
(and), ``^`` (xor), ``|`` (or), with the precedence of C and Python:
``~`` binds tightest, then ``&``, then ``^``, then ``|``; binary operators
group left to right.  Python's parser bounds the nesting (about 200
parentheses, a few thousand chained operators); deeper expressions are refused
with a one-line error, and so are texts of more than :data:`MAX_EXPRESSION_CHARS`
characters (a million: more than any table of 26 bits needs written out).  Anything else (``+``, ``and``, calls, names other than
``x<i>``) is refused with a one-line :class:`FunctionSpecError` naming it.

Examples
--------
>>> f = function_from_expression("x0 & x1 ^ ~x2", 3)
>>> f.table.astype(int).tolist(), f.spec
([1, 1, 1, 0, 0, 0, 0, 1], 'expr:x0 & x1 ^ ~x2')
>>> function_from_expression("x0 | x1 ^ x1", 2) == function_from_expression("x0", 2)
True
>>> function_from_expression("x3 & x0", 3)
Traceback (most recent call last):
...
expressivity.functions.table.FunctionSpecError: expression 'x3 & x0': variable x3 needs n >= 4, but n=3
"""
from __future__ import annotations

import ast
import re

import numpy as np

from expressivity.functions.table import BooleanFunction, FunctionSpecError, check_bits, input_column

#: The longest expression text parsed (Python's parser takes seconds per few million characters).
MAX_EXPRESSION_CHARS = 1_000_000
_VARIABLE = re.compile(r"x([0-9]+)")
_BINARY = {ast.BitAnd: np.logical_and, ast.BitXor: np.logical_xor, ast.BitOr: np.logical_or}
_SYMBOLS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@", ast.USub: "unary -",
    ast.UAdd: "unary +", ast.Not: "not", ast.And: "and", ast.Or: "or",
}


def parse_expression(text: str, n: int) -> ast.Expression:
    """Parse and check ``text`` against the grammar; return its syntax tree.

    Raises :class:`FunctionSpecError` naming the first thing that is not allowed.
    """
    n = check_bits(n)
    if not isinstance(text, str):
        raise FunctionSpecError(f"an expression is a string, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise FunctionSpecError(f"expression {_short(text.strip())!r} has {len(text):,} characters, more than "
                                f"the {MAX_EXPRESSION_CHARS:,} parsed")
    source = text.replace("!", "~").strip()
    shown = _short(text.strip())
    if not source:
        raise FunctionSpecError("empty expression: write one such as 'x0 & x1 ^ ~x2'")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise FunctionSpecError(f"expression {shown!r} is not valid syntax ({error.msg})") from None
    except (RecursionError, MemoryError, ValueError):
        raise FunctionSpecError(f"expression {shown!r} is nested too deeply to parse") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINARY or isinstance(node, ast.Invert):
            continue
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise FunctionSpecError(f"expression {shown!r}: operator {_symbol(node.op)} is not allowed; use ~ ! & ^ | and parentheses")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.Invert):
                raise FunctionSpecError(f"expression {shown!r}: operator {_symbol(node.op)} is not allowed; use ~ or ! for not")
        elif isinstance(node, ast.Name):
            match = _VARIABLE.fullmatch(node.id)
            if match is None:
                raise FunctionSpecError(f"expression {shown!r}: unknown name {_short(node.id)!r}; variables are x0 .. x{max(n - 1, 0)}")
            index = int(match.group(1)) if len(match.group(1)) <= 9 else None  # x<a million digits> is no bit
            if index is None or index >= n:
                needed = index + 1 if index is not None else "more than any table holds"
                raise FunctionSpecError(f"expression {shown!r}: variable {_short(node.id)} needs n >= {needed}, but n={n}")
        elif isinstance(node, ast.Constant):
            if type(node.value) is not int or node.value not in (0, 1):
                raise FunctionSpecError(f"expression {shown!r}: constant {node.value!r} is not allowed; constants are 0 and 1")
        elif type(node) in _SYMBOLS:
            raise FunctionSpecError(f"expression {shown!r}: operator {_symbol(node)} is not allowed; use ~ ! & ^ | and parentheses")
        else:
            segment = ast.get_source_segment(source, node) or type(node).__name__
            raise FunctionSpecError(f"expression {shown!r}: {_short(segment)!r} is not allowed; use x<i>, 0, 1, ~ ! & ^ | and parentheses")
    return tree


def function_from_expression(text: str, n: int) -> BooleanFunction:
    """The function of ``n`` bits that expression ``text`` computes (grammar in the module docstring).

    Evaluated on all ``2^n`` rows at once with numpy, without recursion (long
    chains such as ``x0 ^ x1 ^ ... ^ x999`` are fine).  The spec is ``"expr:" + text``.

    Examples
    --------
    >>> function_from_expression("!(x0 | x1)", 2).hex
    '1'
    """
    tree = parse_expression(text, n)
    n = int(n)
    columns: dict[int, np.ndarray] = {}
    values: list = []
    # Post-order walk with an explicit stack: (node, children done?).
    stack = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, ast.BinOp):
            if ready:
                right, left = values.pop(), values.pop()
                values.append(_BINARY[type(node.op)](left, right))
            else:
                stack += [(node, True), (node.right, False), (node.left, False)]
        elif isinstance(node, ast.UnaryOp):
            if ready:
                values.append(np.logical_not(values.pop()))
            else:
                stack += [(node, True), (node.operand, False)]
        elif isinstance(node, ast.Name):
            index = int(node.id[1:])
            if index not in columns:
                columns[index] = input_column(n, index)
            values.append(columns[index])
        else:
            values.append(np.bool_(node.value))
    table = np.array(np.broadcast_to(values.pop(), (1 << n,)), dtype=bool)
    return BooleanFunction._wrap(table, "expr:" + text.strip())


def _symbol(op) -> str:
    return _SYMBOLS.get(type(op), type(op).__name__)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
