"""Functions from other objects: sympy boolean expressions and circuits of :mod:`expressivity.circuits`.

Both go through the circuits' bit-parallel evaluator
(:func:`expressivity.circuits.evaluate.truth_table`), whose row order is the
package's: row ``k`` has ``x_i = (k >> i) & 1``.  sympy is imported only when
a sympy expression is converted.

Examples
--------
>>> from expressivity.circuits.build import xor_tree
>>> [f.hex for f in functions_from_circuit(xor_tree(3))]
['96']
"""
from __future__ import annotations

import re

import networkx as nx
import numpy as np

from expressivity.circuits.evaluate import truth_table
from expressivity.circuits.schema import CircuitError, check_circuit
from expressivity.functions.table import BooleanFunction, FunctionSpecError, check_bits

_VARIABLE = re.compile(r"x([0-9]+)")


def functions_from_circuit(circuit: nx.DiGraph) -> tuple[BooleanFunction, ...]:
    """One :class:`BooleanFunction` per output of ``circuit``, in the order of its ``outputs``.

    The circuit is checked first (a bad graph raises
    :class:`~expressivity.circuits.schema.CircuitError`, a ``ValueError``), then
    ``n_inputs`` against the dense limit.  Specs are hex tables.

    Examples
    --------
    >>> from expressivity.circuits.build import parity_dnf
    >>> functions_from_circuit(parity_dnf(4))[0].spec
    'hex:6996'
    """
    check_circuit(circuit)
    n = check_bits(circuit.graph["n_inputs"], "n_inputs")
    table = truth_table(circuit).astype(bool)
    return tuple(BooleanFunction._wrap(np.ascontiguousarray(column)) for column in table.T)


def function_from_sympy(expression, symbols=None, n: int | None = None) -> BooleanFunction:
    """The function a sympy boolean expression computes.

    Parameters
    ----------
    expression : sympy boolean expression
        Built from symbols, ``true``/``false`` and any of sympy's boolean
        functions (``And``, ``Or``, ``Xor``, ``Not``, ``Implies``, ``Equivalent``,
        ``ITE``, ``Nand``, ``Nor``, ``Xnor``).  Strings are refused: use
        :func:`~expressivity.functions.expression.function_from_expression`.
    symbols : sequence of sympy symbols, optional
        The inputs in order: ``symbols[i]`` is ``x_i``, and ``n = len(symbols)``.
        By default, if every free symbol is named ``x<i>`` (``x0``, ``x1``, ...)
        it is input ``i`` and ``n`` is one more than the largest index; otherwise
        the free symbols sorted by name are ``x_0, x_1, ...``.
    n : int, optional
        The number of inputs, when it should be more than the default gives
        (unused inputs); it must agree with ``symbols`` when both are given.

    Notes
    -----
    The spec is an ``expr:`` string in ``x<i>`` names when the expression uses
    only ``And``/``Or``/``Xor``/``Not``/``true``/``false``, otherwise the hex table.

    Examples
    --------
    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> f = function_from_sympy(a & ~b)
    >>> f.n, f.table.astype(int).tolist(), f.spec
    (2, [0, 1, 0, 0], 'expr:(x0 & ~x1)')
    >>> x0, x2 = sympy.symbols("x0 x2")
    >>> function_from_sympy(x2 | x0).n
    3
    """
    import sympy
    from expressivity.circuits.build import from_sympy

    if not isinstance(expression, sympy.Basic):
        if isinstance(expression, bool):
            expression = sympy.true if expression else sympy.false
        else:
            raise FunctionSpecError(
                f"expected a sympy boolean expression, got {type(expression).__name__}"
                + ("; use function_from_expression for strings" if isinstance(expression, str) else "")
            )
    if not isinstance(expression, sympy.logic.boolalg.Boolean):
        raise FunctionSpecError(f"{_short(str(expression))} is not a boolean expression")
    free = expression.free_symbols
    if symbols is not None:
        symbols = list(symbols)
        if len(set(symbols)) != len(symbols):
            raise FunctionSpecError(f"symbols {symbols} repeat a symbol")
        missing = sorted((s for s in free if s not in set(symbols)), key=lambda s: s.name)
        if missing:
            raise FunctionSpecError(f"symbol {missing[0]} of the expression is not among the symbols {symbols}")
        if n is not None and check_bits(n) != len(symbols):
            raise FunctionSpecError(f"n={n} disagrees with {len(symbols)} symbols")
    elif free and all(_VARIABLE.fullmatch(s.name) for s in free):
        by_index = {int(s.name[1:]): s for s in free}
        if len(by_index) != len(free):
            raise FunctionSpecError(f"two symbols name the same input: {sorted(s.name for s in free)}")
        needed = max(by_index) + 1
        if n is None:
            n = check_bits(needed)
        elif check_bits(n) < needed:
            raise FunctionSpecError(f"symbol x{needed - 1} needs n >= {needed}, but n={n}")
        symbols = [by_index.get(i, sympy.Dummy(f"unused{i}")) for i in range(n)]
    else:
        symbols = sorted(free, key=lambda s: s.name)
        if n is not None and check_bits(n) < len(symbols):
            raise FunctionSpecError(f"the expression has {len(symbols)} symbols, more than n={n}")
        symbols += [sympy.Dummy(f"unused{i}") for i in range(len(symbols), len(symbols) if n is None else n)]
    check_bits(len(symbols))
    try:
        circuit = from_sympy(expression, symbols)
    except CircuitError as error:
        raise FunctionSpecError(f"cannot convert {_short(str(expression))}: {error}") from None
    table = truth_table(circuit)[:, 0].astype(bool)
    text = _as_text(expression, {s: i for i, s in enumerate(symbols)})
    return BooleanFunction._wrap(table, None if text is None else "expr:" + text)


def _as_text(expression, index: dict) -> str | None:
    """The expression in the ``expr:`` grammar, or None if it uses other functions (or is too deep)."""
    import sympy

    def text(e) -> str:
        if e in index:
            return f"x{index[e]}"
        if e is sympy.true or e is sympy.false:
            return "1" if e is sympy.true else "0"
        if isinstance(e, sympy.Not):
            return "~" + text(e.args[0])
        operator = {sympy.And: " & ", sympy.Or: " | ", sympy.Xor: " ^ "}.get(type(e))
        if operator is None:
            raise LookupError
        return "(" + operator.join(text(arg) for arg in e.args) + ")"

    try:
        return text(expression)
    except (LookupError, RecursionError):
        return None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
