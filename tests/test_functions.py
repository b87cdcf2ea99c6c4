"""Boolean functions: families, expressions, sympy, circuits and hex against plain-Python definitions."""
from __future__ import annotations

import dataclasses
import random
import subprocess
import sys

import numpy as np
import pytest
import sympy

from expressivity.circuits.build import from_sympy, parity_dnf, random_circuit, xor_tree
from expressivity.circuits.evaluate import truth_table
from expressivity.circuits.schema import add_gate, input_node, new_circuit, set_outputs
from expressivity.functions import (
    FUNCTION_FAMILIES,
    MAX_BITS,
    BooleanFunction,
    FunctionError,
    FunctionSpecError,
    equality,
    exactly,
    function_from_expression,
    function_from_hex,
    function_from_sympy,
    functions_from_circuit,
    greater_than,
    inner_product,
    majority,
    multiplexer,
    parity,
    parse_function,
    random_function,
    threshold,
    tribes,
)
from tests.conftest import naive_table


def bits_of(k: int, n: int) -> list[int]:
    """Row k of every table: x_i = (k >> i) & 1."""
    return [(k >> i) & 1 for i in range(n)]


def value_of(x: list[int]) -> int:
    """x read as a binary number, x[0] least significant."""
    return sum(bit << i for i, bit in enumerate(x))


def check_against(f: BooleanFunction, n: int, definition) -> None:
    """f has n bits and f(x) == definition(x) on every input, by lookup and by evaluate."""
    assert f.n == n and f.table.shape == (1 << n,) and f.table.dtype == np.bool_
    expected = [bool(definition(bits_of(k, n))) for k in range(1 << n)]
    assert f.table.tolist() == expected
    rows = np.array([bits_of(k, n) for k in range(1 << n)], dtype=np.int64).reshape(1 << n, n)
    assert f.evaluate(rows).tolist() == expected
    assert parse_function(f.spec, n) == f


# -- the families, each against its definition on all inputs, n <= 8 -------------------

@pytest.mark.parametrize("n", range(0, 9))
def test_symmetric_families(n):
    check_against(parity(n), n, lambda x: sum(x) % 2 == 1)
    check_against(majority(n), n, lambda x: 2 * sum(x) > n)  # strict majority: a tie is 0
    for k in range(0, n + 2):
        check_against(threshold(n, k), n, lambda x: sum(x) >= k)
    for k in range(0, n + 1):
        check_against(exactly(n, k), n, lambda x: sum(x) == k)


@pytest.mark.parametrize("n", [2, 4, 6, 8])
def test_two_halves_families(n):
    m = n // 2
    check_against(inner_product(n), n, lambda x: sum(x[i] * x[i + m] for i in range(m)) % 2)
    check_against(equality(n), n, lambda x: x[:m] == x[m:])
    check_against(greater_than(n), n, lambda x: value_of(x[:m]) > value_of(x[m:]))


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_multiplexer(k):
    n = k + (1 << k)
    f = multiplexer(k)
    if n <= 8:
        check_against(f, n, lambda x: x[k + value_of(x[:k])])
    else:  # k = 3: 11 bits, checked on a seeded sample of rows
        rng = random.Random(3)
        for _ in range(300):
            x = [rng.randint(0, 1) for _ in range(n)]
            assert f.evaluate(x) == bool(x[k + value_of(x[:k])])
    assert parse_function(f"mux:{k}") == f


@pytest.mark.parametrize("w,s", [(1, 1), (1, 5), (2, 2), (2, 3), (3, 2), (4, 2), (8, 1), (2, 4)])
def test_tribes(w, s):
    check_against(tribes(w, s), w * s, lambda x: any(all(x[j * w : (j + 1) * w]) for j in range(s)))


@pytest.mark.parametrize("n", [0, 1, 5, 8])
def test_random_follows_its_definition(n):
    f = random_function(n, 7)
    expected = np.random.default_rng(7).integers(0, 2, size=1 << n, dtype=np.uint8) == 1
    assert f.table.tolist() == expected.tolist()
    assert parse_function("random:7", n) == f and f.spec == "random:7"
    if n >= 5:
        assert random_function(n, 8) != f


def test_spec_grammar_matches_constructors():
    assert parse_function("parity", 5) == parity(5)
    assert parse_function(" threshold : 3 ", 5) == threshold(5, 3)
    assert parse_function("exactly:2", 4) == exactly(4, 2)
    assert parse_function("ip", 6) == inner_product(6)
    assert parse_function("eq", 4) == equality(4) and parse_function("gt", 4) == greater_than(4)
    assert parse_function("tribes:2,3") == tribes(2, 3) == parse_function("tribes:2,3", 6)
    assert parse_function("~~parity", 3) == parity(3)
    negated = parse_function("~majority", 5)
    assert negated.table.tolist() == (~majority(5).table).tolist() and negated.spec == "~majority"
    assert parse_function(negated.spec, 5) == negated
    assert set(FUNCTION_FAMILIES) == {"parity", "majority", "threshold", "exactly", "ip", "eq", "gt", "mux", "tribes",
                             "random", "hex", "expr"}
    assert all("\n" not in line for line in FUNCTION_FAMILIES.values())


# -- the type --------------------------------------------------------------------------

def test_boolean_function_basics():
    f = BooleanFunction([0, 1, 1, 1, 0, 0, 1, 0])
    assert f.n == 3 and f.count_ones == sum([0, 1, 1, 1, 0, 0, 1, 0]) and f.spec == "hex:4e"
    assert f == BooleanFunction(np.array([False, True, True, True, False, False, True, False]))
    assert hash(f) == hash(BooleanFunction(f.table, spec="expr:something else"))
    assert f != BooleanFunction([0, 1, 1, 1, 0, 0, 1, 1]) and f != BooleanFunction([0, 1, 1, 1])
    assert len({f, BooleanFunction(f.table.copy()), parity(3)}) == 2
    with pytest.raises(ValueError):
        f.table[0] = True
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.spec = "parity"
    source = np.array([True, False])
    g = BooleanFunction(source)
    source[0] = False
    assert g.table.tolist() == [True, False]  # a copy, not a view
    assert (~f).table.tolist() == [not v for v in f.table.tolist()] and ~~f == f
    assert f.negate().spec == "~hex:4e" and f.negate().negate().spec == "hex:4e"
    assert "n=3" in repr(f)
    assert f.evaluate([1, 0, 0]) is True and f.evaluate(np.zeros((0, 3))).shape == (0,)


@pytest.mark.parametrize("n", range(0, 6))
def test_symmetry_by_weight_brute_force(n):
    for seed in range(6):
        table = np.random.default_rng(seed).integers(0, 2, 1 << n).astype(bool)
        if seed == 0:  # a random symmetric function
            pattern = np.random.default_rng(seed).integers(0, 2, n + 1)
            table = np.array([bool(pattern[sum(bits_of(k, n))]) for k in range(1 << n)])
        f = BooleanFunction(table)
        by_weight: dict[int, set] = {}
        for k in range(1 << n):
            by_weight.setdefault(sum(bits_of(k, n)), set()).add(bool(table[k]))
        symmetric = all(len(values) == 1 for values in by_weight.values())
        assert f.is_symmetric == symmetric
        if symmetric:
            assert f.values_by_weight() == tuple(int(by_weight[w].pop()) for w in range(n + 1))
        else:
            with pytest.raises(FunctionError, match="not symmetric"):
                f.values_by_weight()
    assert majority(4).values_by_weight() == (0, 0, 0, 1, 1)


# -- hex --------------------------------------------------------------------------------

def test_hex_known_values():
    # Facts of the ABC/Knuth convention: XOR2 = 6, AND2 = 8, parity3 = 96, parity4 = 6996.
    assert parity(2).hex == "6" and parity(3).hex == "96" and parity(4).hex == "6996"
    assert threshold(2, 2).hex == "8" and threshold(2, 1).hex == "e"
    assert function_from_hex("6996") == parity(4) and function_from_hex("8") == threshold(2, 2)
    assert function_from_hex("96").n == 3 and parse_function("hex:6996").spec == "hex:6996"
    assert parse_function("hex:6996", 4) == parity(4) and parse_function("hex:E8") == majority(3)
    assert parity(0).hex == "0" and parity(1).hex == "2" and function_from_hex("2", 1) == parity(1)
    assert function_from_hex("1", 0).table.tolist() == [True]


@pytest.mark.parametrize("n", range(0, 9))
def test_hex_round_trip_and_definition(n):
    for seed in range(4):
        f = random_function(n, seed)
        text = f.hex
        assert len(text) == max(1, (1 << n) // 4)
        assert int(text, 16) == sum(int(v) << k for k, v in enumerate(f.table.tolist()))
        assert function_from_hex(text, n) == f and parse_function("hex:" + text, n) == f
        assert parse_function("hex:" + text.upper(), n) == f
        if n >= 2:
            assert function_from_hex(text) == f


# -- expressions --------------------------------------------------------------------------

PRECEDENCE = {"|": 1, "^": 2, "&": 3}
SYMPY_OP = {"|": sympy.Or, "^": sympy.Xor, "&": sympy.And}


def random_tree(rng: random.Random, n: int, depth: int):
    """A random expression tree: ("var", i) | ("const", c) | ("not", t) | (op, left, right)."""
    if depth == 0 or rng.random() < 0.2:
        return ("const", rng.randint(0, 1)) if rng.random() < 0.1 else ("var", rng.randrange(n))
    if rng.random() < 0.2:
        return ("not", random_tree(rng, n, depth - 1))
    return (rng.choice("|^&"), random_tree(rng, n, depth - 1), random_tree(rng, n, depth - 1))


def render(tree, rng: random.Random) -> str:
    """The tree as text with only the parentheses C precedence requires (binary ops group left)."""
    kind = tree[0]
    if kind == "var":
        return f"x{tree[1]}"
    if kind == "const":
        return str(tree[1])
    if kind == "not":
        inner = render(tree[1], rng)
        return rng.choice("~!") + (inner if tree[1][0] in ("var", "const", "not") else f"({inner})")
    left, right = render(tree[1], rng), render(tree[2], rng)
    if tree[1][0] in PRECEDENCE and PRECEDENCE[tree[1][0]] < PRECEDENCE[kind]:
        left = f"({left})"
    if tree[2][0] in PRECEDENCE and PRECEDENCE[tree[2][0]] <= PRECEDENCE[kind]:
        right = f"({right})"
    return f"{left} {kind} {right}"


def to_sympy(tree, symbols):
    kind = tree[0]
    if kind == "var":
        return symbols[tree[1]]
    if kind == "const":
        return sympy.true if tree[1] else sympy.false
    if kind == "not":
        return sympy.Not(to_sympy(tree[1], symbols))
    return SYMPY_OP[kind](to_sympy(tree[1], symbols), to_sympy(tree[2], symbols), evaluate=False)


def sympy_table(expression, symbols, n: int) -> list[bool]:
    """The expression on every row, by substituting true/false (sympy's own evaluation)."""
    out = []
    for k in range(1 << n):
        values = {s: (sympy.true if bit else sympy.false) for s, bit in zip(symbols, bits_of(k, n))}
        out.append(bool(expression.subs(values)))
    return out


@pytest.mark.parametrize("n", [1, 3, 5])
def test_expressions_against_sympy_and_circuits(n):
    rng = random.Random(n)
    symbols = sympy.symbols(f"x0:{n}")
    for _ in range(12):
        tree = random_tree(rng, n, 4)
        text = render(tree, rng)
        expression = to_sympy(tree, symbols)
        f = function_from_expression(text, n)
        assert f.table.tolist() == sympy_table(expression, symbols, n), text
        circuit = truth_table(from_sympy(expression, symbols))[:, 0]
        assert f.table.tolist() == [bool(v) for v in circuit], text
        assert f.spec == "expr:" + text and parse_function(f.spec, n) == f


def test_expression_precedence_by_hand():
    x = [[(k >> i) & 1 for i in range(3)] for k in range(8)]
    cases = {
        "x0 | x1 & x2": lambda a, b, c: a | (b & c),
        "x0 ^ x1 & x2": lambda a, b, c: a ^ (b & c),
        "x0 | x1 ^ x2": lambda a, b, c: a | (b ^ c),
        "~x0 & x1": lambda a, b, c: (1 - a) & b,
        "!(x0 & x1) ^ 1": lambda a, b, c: 1 - (1 - (a & b)),
        "x0 & x1 ^ ~x2": lambda a, b, c: (a & b) ^ (1 - c),
        "0 | x2": lambda a, b, c: c,
    }
    for text, definition in cases.items():
        assert function_from_expression(text, 3).table.tolist() == [bool(definition(*r)) for r in x], text


def test_long_expressions_evaluate_without_recursion():
    text = " ^ ".join(f"x{i % 12}" for i in range(2401))  # x0 appears 201 times, x1..x11 200 times each
    assert function_from_expression(text, 12) == BooleanFunction([k & 1 for k in range(1 << 12)])
    deep = "~(" * 150 + "x1" + ")" * 150  # 150 negations: x1 itself
    assert function_from_expression(deep, 2) == BooleanFunction([0, 0, 1, 1])
    for too_deep in ("(" * 1000 + "x0" + ")" * 1000, " ^ ".join(["x0"] * 20000)):
        with pytest.raises(FunctionSpecError, match="(not valid syntax|nested too deeply)") as error:
            function_from_expression(too_deep, 1)
        assert "\n" not in str(error.value)

def test_sympy_expressions():
    a, b, c = sympy.symbols("a b c")
    expression = sympy.Implies(a, b) & sympy.Xor(c, a) | sympy.ITE(b, ~c, a)
    symbols = [a, b, c]
    f = function_from_sympy(expression)  # default: sorted by name, a = x0
    assert f.table.tolist() == sympy_table(expression, symbols, 3)
    g = function_from_sympy(expression, symbols=[c, b, a])
    assert g.table.tolist() == sympy_table(expression, [c, b, a], 3)
    assert function_from_sympy(expression, symbols=[a, b, c, sympy.Symbol("d")]).n == 4
    assert parse_function(f.spec, 3) == f  # hex spec: Implies and ITE are not in the expr grammar
    x0, x2, x10 = sympy.symbols("x0 x2 x10")
    h = function_from_sympy(x10 & ~x2 | x0)  # x<i> names map to their index, not to sorted order
    assert h.n == 11
    assert h.table.tolist() == [bool((x[10] and not x[2]) or x[0]) for x in (bits_of(k, 11) for k in range(1 << 11))]
    assert h.spec.startswith("expr:") and parse_function(h.spec, 11) == h
    assert function_from_sympy(sympy.true, n=2).table.tolist() == [True] * 4
    assert function_from_sympy(x0 ^ x2, n=5).n == 5


# -- circuits -----------------------------------------------------------------------------

def test_circuits_one_function_per_output():
    for seed in range(8):
        circuit = random_circuit(1 + seed % 6, 12, seed=seed)
        (f,) = functions_from_circuit(circuit)
        assert f.table.tolist() == [bool(v) for v in truth_table(circuit)[:, 0]]
        assert f.table.tolist() == [bool(v) for v in naive_table(circuit)[:, 0]]
        assert parse_function(f.spec, f.n) == f
    assert functions_from_circuit(xor_tree(7))[0] == parity(7)
    assert functions_from_circuit(parity_dnf(5))[0] == parity(5)
    circuit = new_circuit(3)
    both = add_gate(circuit, "and", "and", [input_node(0), input_node(1), input_node(2)])
    either = add_gate(circuit, "or", "or", [input_node(0), input_node(1), input_node(2)])
    set_outputs(circuit, either, both, either)
    assert functions_from_circuit(circuit) == (threshold(3, 1), threshold(3, 3), threshold(3, 1))


# -- bad input: one line, naming the problem ------------------------------------------------

BAD_SPECS = [
    ("parityy", 4, r"unknown function family 'parityy'; known: parity, majority, threshold"),
    ("threshold:9", 4, r"threshold:9 needs 0 <= K <= n\+1 = 5 on n=4 bits"),
    ("threshold:-1", 4, r"threshold:-1 needs 0 <= K"),
    ("threshold", 4, r"threshold needs parameters: threshold:K"),
    ("threshold:x", 4, r"threshold:x is not threshold:K"),
    ("exactly:5", 4, r"exactly:5 needs 0 <= K <= n = 4"),
    ("ip", 5, r"ip compares two halves and needs an even n >= 2, got n=5"),
    ("eq", 0, r"eq .* even n >= 2, got n=0"),
    ("gt", None, r"gt needs n"),
    ("parity", None, r"parity needs n"),
    ("parity:3", 4, r"parity takes no parameters"),
    ("tribes:2,3", 5, r"tribes:2,3 has n=6 bits, but n=5 was given"),
    ("tribes:2", None, r"tribes:2 is not tribes:W,S \(2 integers\)"),
    ("tribes:0,3", None, r"tribes:0,3 needs W >= 1"),
    ("tribes:9,3", None, r"n=27 bits needs 2\^27 = 134,217,728 bytes"),
    ("mux:2", 5, r"mux:2 has n=6 bits, but n=5"),
    ("mux:5", None, r"n=37 bits needs 2\^37"),
    ("random:-2", 3, r"random:-2 needs a seed >= 0"),
    ("random", 3, r"random needs parameters"),
    ("hex:699", None, r"hex:699 has 3 digits; a truth table of n >= 2 bits has 2\^\(n-2\) digits"),
    ("hex:6996", 5, r"hex:6996 has 4 digits, which is n=4, but n=5 was given \(n=5 needs 8 digits\)"),
    ("hex:6g", None, r"not a hex digit: 'g'"),
    ("hex:", None, r"at least one hex digit"),
    ("hex:4", 1, r"sets bits above row 1"),
    ("expr:x0 & x4", 4, r"variable x4 needs n >= 5, but n=4"),
    ("expr:x0 + x1", 2, r"operator \+ is not allowed"),
    ("expr:x0 and x1", 2, r"'x0 and x1' is not allowed"),
    ("expr:y & x0", 2, r"unknown name 'y'"),
    ("expr:__import__('os')", 2, r"is not allowed"),
    ("expr:x0 & 2", 2, r"constant 2 is not allowed"),
    ("expr:x0 &", 2, r"is not valid syntax"),
    ("expr:", 2, r"empty expression"),
    ("expr:x0", None, r"expr needs n"),
    ("parity", 27, r"a dense truth table of n=27 bits needs 2\^27 = 134,217,728 bytes; the limit is n <= 26"),
    ("parity", -1, r"n must be >= 0"),
]


@pytest.mark.parametrize("spec,n,message", BAD_SPECS)
def test_bad_specs_name_the_problem(spec, n, message):
    with pytest.raises(FunctionSpecError, match=message) as error:
        parse_function(spec, n)
    assert "\n" not in str(error.value)
    assert isinstance(error.value, ValueError)


def test_other_bad_input():
    with pytest.raises(FunctionSpecError, match="length 2\\^n"):
        BooleanFunction([0, 1, 1])
    with pytest.raises(FunctionSpecError, match="only 0/1"):
        BooleanFunction([0, 2])
    with pytest.raises(FunctionError, match="shape"):
        parity(3).evaluate([[0, 1]])
    with pytest.raises(FunctionError, match="0/1"):
        parity(2).evaluate([0, 3])
    with pytest.raises(FunctionSpecError, match="use function_from_expression for strings"):
        function_from_sympy("x0 & x1")
    a = sympy.Symbol("a")
    with pytest.raises(FunctionSpecError, match=r"symbol b of the expression is not among the symbols \[a\]"):
        function_from_sympy(a & sympy.Symbol("b"), symbols=[a])
    big = new_circuit(MAX_BITS + 1)
    set_outputs(big, input_node(0))
    with pytest.raises(FunctionSpecError, match="n_inputs=27 bits needs"):
        functions_from_circuit(big)
    with pytest.raises(FunctionSpecError, match="a function spec is a string"):
        parse_function(3, 2)


def test_import_does_not_load_sympy():
    code = "import sys, expressivity.functions; print('sympy' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
