"""Boolean circuits as networkx graphs: schema, builders, lowering, metrics, reference evaluator,
netlist readers (BENCH, AIGER, BLIF) and depth rebalancing."""
from expressivity.circuits.balance import Balanced, balance
from expressivity.circuits.equivalence import prove_same_function
from expressivity.circuits.netlists import FORMATS as NETLIST_FORMATS, NetlistError, read_netlist

__all__ = ["Balanced", "NETLIST_FORMATS", "NetlistError", "balance", "prove_same_function", "read_netlist"]
