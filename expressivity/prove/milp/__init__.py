"""The mixed-integer programs (HiGHS) that prove the minimum width of one hidden ReLU layer for an n-bit function.

The target is any function of ``n`` bits (``function=``: a spec or a
``BooleanFunction``), parity by default; the symmetry breaking follows the
function's symmetry group.

The stages, one module each: :mod:`~expressivity.prove.milp.formulation` states the
question and the normal form that loses no network; :mod:`~expressivity.prove.milp.program`
writes the program for one ``(n, width, P)`` from the ReLU rows of
:mod:`~expressivity.prove.milp.rows`, adding the symmetry breaking of
:mod:`~expressivity.prove.milp.symmetry` and the cuts of :mod:`~expressivity.prove.milp.cuts`;
:mod:`~expressivity.prove.milp.solve` solves it with HiGHS (:mod:`expressivity.prove.highs`) and
reads the network back; :mod:`~expressivity.prove.milp.certificate` makes that network exact and
verifies it on every input; :mod:`~expressivity.prove.milp.width` turns the programs for one width
into a ``WidthProof``; :mod:`~expressivity.prove.milp.summary` combines widths 1, 2, ... with the
known upper bounds into a ``WidthSummary``; and :mod:`~expressivity.prove.milp.tied` looks for upper
bounds among networks whose weights are tied within groups of bits.

Among the proofs this subpackage imports only itself and :mod:`expressivity.prove.highs`; the cubes
(:mod:`expressivity.prove.cubes`) and the census (:mod:`expressivity.prove.census`) build on it.
"""
