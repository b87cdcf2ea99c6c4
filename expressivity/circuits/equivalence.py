"""The proof that a rewritten circuit (:mod:`expressivity.circuits.balance`) computes the original.

:func:`prove_same_function` re-checks every recognised XOR on its four local
inputs, then brings both circuits to a normal form under associativity and
commutativity (each chain as its sorted multiset of leaves, XOR parity pulled
out as one NOT) and compares the outputs' forms.  Equal forms are a proof;
different forms prove nothing (the record says "rejected").

Examples
--------
>>> from expressivity.circuits.balance import balance
>>> from expressivity.circuits.build import xor_chain
>>> chain = xor_chain(16)
>>> prove_same_function(chain, balance(chain).circuit)
(True, '1 output(s) have equal normal forms under associativity and commutativity')
"""
from __future__ import annotations

from collections import Counter

import networkx as nx

from expressivity.circuits.balance import ASSOCIATIVE, _local_table, _post_order, absorbed, chain_leaves
from expressivity.circuits.schema import check_circuit

_CLAIMED = object()  # tags the XOR inside a recognised XNOR: no circuit's label can equal it


def prove_same_function(original: nx.DiGraph, rewritten: nx.DiGraph, claims: dict | None = None) -> tuple[bool, str]:
    """``(True, why)`` if ``rewritten`` provably computes ``original``'s outputs, else ``(False, why not)``.

    ``claims`` are the XORs :func:`recognise_xor` found in ``original``; each is
    checked here on all four local inputs before it is used.  Then each output
    of both circuits is brought to a normal form (chains as sorted leaf lists,
    XOR parity as one NOT, double NOTs removed): every step is an identity of
    Boolean algebra, so equal forms mean equal functions on every input.
    """
    check_circuit(original)
    check_circuit(rewritten)
    claims = claims or {}
    if original.graph["n_inputs"] != rewritten.graph["n_inputs"]:
        return False, "the circuits read different numbers of inputs"
    if len(original.graph["outputs"]) != len(rewritten.graph["outputs"]):
        return False, "the circuits have different numbers of outputs"
    for node, (a, b, negated) in claims.items():
        if node not in original or original.nodes[node]["gate"] not in ("and", "or") or a not in original or b not in original:
            return False, f"the recognised XOR at {node!r} is not an AND/OR gate over nodes of the circuit"
        expected = (int(negated), 1 - negated, 1 - negated, int(negated))
        if _local_table(original, node, a, b, limit=None) != expected:
            return False, f"{node!r} is not {'XNOR' if negated else 'XOR'}({a!r}, {b!r}) on its local inputs"
    interned = _Interned()
    left, right = _normal_forms(original, claims, interned), _normal_forms(rewritten, {}, interned)
    for position, (mine, theirs) in enumerate(zip(left, right)):
        if mine != theirs:
            return False, f"output {position} has different normal forms (the rewrite is not a regrouping of chains)"
    why = f"{len(left)} output(s) have equal normal forms under associativity and commutativity"
    return True, why + (f"; {len(claims)} recognised XOR(s) checked on all 4 local inputs" if claims else "")


def _normal_forms(circuit: nx.DiGraph, claims: dict, interned: "_Interned") -> list:
    """The normal form of each output, as an id of ``interned`` (shared by the circuits compared)."""
    view = {node: dict(data) for node, data in circuit.nodes(data=True)}
    for node, (a, b, negated) in claims.items():
        if negated:
            view[(_CLAIMED, node)] = {"gate": "xor", "operands": (a, b)}
            view[node] = {"gate": "not", "operands": ((_CLAIMED, node),)}
        else:
            view[node] = {"gate": "xor", "operands": (a, b)}
    outputs = circuit.graph["outputs"]
    order = _post_order(view, outputs)
    references = Counter(outputs)
    for node in order:
        references.update(view[node].get("operands", ()))
    output_set = set(outputs)
    inside = set()
    for node in order:
        if view[node]["gate"] in ASSOCIATIVE:
            for operand in view[node]["operands"]:
                inner = absorbed(view, references, output_set, view[node]["gate"], operand)
                if inner is not None:
                    inside.update({operand, inner[0]})

    forms: dict = {}
    for node in order:
        if node in inside:
            continue
        data = view[node]
        gate = data["gate"]
        if gate in ("input", "const"):
            forms[node] = interned.intern((gate, data.get("index", data.get("value"))))
        elif gate == "not":
            forms[node] = interned.negate(forms[data["operands"][0]])
        else:
            leaves, parity, _, _ = chain_leaves(view, references, output_set, node)
            forms[node] = interned.intern((gate, tuple(sorted(forms[leaf] for leaf in leaves))))
            if parity:
                forms[node] = interned.negate(forms[node])
    return [forms[output] for output in outputs]


class _Interned:
    """Normal forms as small integers: equal forms, equal ids, for both circuits."""

    def __init__(self) -> None:
        self.ids: dict = {}
        self.forms: list = []

    def intern(self, form: tuple) -> int:
        if form not in self.ids:
            self.ids[form] = len(self.forms)
            self.forms.append(form)
        return self.ids[form]

    def negate(self, identity: int) -> int:
        form = self.forms[identity]
        return form[1] if form[0] == "not" else self.intern(("not", identity))


__all__ = ["prove_same_function"]
