"""expressivity: circuits, exact ReLU networks, and the depth-versus-width question.

The public API, re-exported here explicitly; everything else is reachable
through its module.

Examples
--------
>>> import expressivity as ex
>>> result = ex.compile_circuit(ex.xor_tree(16))
>>> result.network.depth, result.network.widths, result.verification.status
(4, (16, 8, 4, 2), 'verified')
"""
from expressivity.circuits.build import from_sympy, parity_dnf, random_circuit, to_sympy, xor_chain, xor_tree
from expressivity.circuits.evaluate import evaluate, truth_table
from expressivity.circuits.lower import Lowered, lower
from expressivity.circuits.metrics import depth, fan_in, gate_counts, size, supports
from expressivity.circuits.schema import CircuitError, add_gate, check_circuit, new_circuit, set_outputs
from expressivity.functions import (
    FUNCTION_FAMILIES, BooleanFunction, FunctionError, FunctionSpecError, NPNTransform, SymmetryGroup,
    function_from_expression, function_from_hex, function_from_sympy, functions_from_circuit,
    npn_canonical, parse_function, symmetry_group,
)
from expressivity.compiling import Compiled, compile_circuit, verify_network
from expressivity.errors import InputError
from expressivity.networks.compiler import compile_network
from expressivity.networks.export import export_onnx, load_network, save_network
from expressivity.networks.gadgets import Gadget, gadget
from expressivity.networks.layered import LayeredNet
from expressivity.networks.shallow import minterm, skip, symmetric
from expressivity.verify.compositional import certify
from expressivity.verify.exhaustive import parity_reference, verify_exhaustive
from expressivity.verify.record import Counterexample, Verification
from expressivity.verify.shallow import verify_shallow

# Re-exported too, but imported on first use: they pull in torch or sympy, which
# would otherwise slow down every `import expressivity` (and every CLI command).
_LAZY = {
    "formulas": "expressivity.counts.symbolic",
    "all_formulas": "expressivity.counts.symbolic",
    "ratios": "expressivity.counts.symbolic",
    "parse_spec": "expressivity.counts.spec",
    "SpecError": "expressivity.counts.spec",
    "count_module": "expressivity.counts.modules",
    "load_module": "expressivity.counts.modules",
    "module_receptive_fields": "expressivity.counts.receptive",
    "unit_supports": "expressivity.counts.receptive",
    "ReceptiveFieldError": "expressivity.counts.receptive",
    "TrainConfig": "expressivity.search.engine",
    "ModelSpec": "expressivity.search.engine",
    "train_models": "expressivity.search.engine",
    "search_width": "expressivity.search.width",
    "summary_text": "expressivity.search.summary",
    "load_weights": "expressivity.search.records",
    "plot_width_search": "expressivity.results.plots",
    "prove_width": "expressivity.prove.milp.width",
    "prove_minimum_width": "expressivity.prove.milp.summary",
    "WidthProof": "expressivity.prove.milp.width",
    "WidthSummary": "expressivity.prove.milp.summary",
    "Formulation": "expressivity.prove.milp.formulation",
    "build_model": "expressivity.prove.milp.program",
    "solve_model": "expressivity.prove.milp.solve",
    "search_tied": "expressivity.prove.milp.tied",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'expressivity' has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = [
    # circuits
    "new_circuit", "add_gate", "set_outputs", "check_circuit", "CircuitError",
    "xor_tree", "xor_chain", "parity_dnf", "random_circuit", "to_sympy", "from_sympy",
    "lower", "Lowered", "depth", "size", "fan_in", "gate_counts", "supports",
    "evaluate", "truth_table",
    # Boolean functions
    "BooleanFunction", "FunctionError", "FunctionSpecError", "FUNCTION_FAMILIES", "parse_function",
    "function_from_expression", "function_from_hex", "function_from_sympy", "functions_from_circuit",
    "NPNTransform", "npn_canonical", "SymmetryGroup", "symmetry_group",
    # networks
    "Gadget", "gadget", "compile_network", "LayeredNet", "save_network", "load_network", "export_onnx",
    "minterm", "symmetric", "skip",
    # verification
    "verify_exhaustive", "verify_shallow", "parity_reference", "certify", "Verification", "Counterexample",
    # counts
    "formulas", "all_formulas", "ratios", "parse_spec", "SpecError", "count_module", "load_module",
    "module_receptive_fields", "unit_supports", "ReceptiveFieldError",
    # search
    "TrainConfig", "ModelSpec", "train_models", "search_width", "summary_text", "load_weights", "plot_width_search",
    # proofs
    "prove_width", "prove_minimum_width", "WidthProof", "WidthSummary", "Formulation", "build_model", "solve_model",
    "search_tied",
    # pipeline
    "compile_circuit", "verify_network", "Compiled",
    # errors: every refusal of bad input (the subject classes above derive from it)
    "InputError",
]
