"""The second, exact lower-bound methods, which share no code with the MILP (:mod:`expressivity.prove.milp`).

:mod:`~expressivity.prove.exact.patterns` lists the activation patterns of one or two
units that could compute a function; :mod:`~expressivity.prove.exact.duals` decides
each combination by an LP whose answer is checked exactly (Farkas multipliers
in integers, or a network in Fractions); :mod:`~expressivity.prove.exact.by_patterns`
combines them into a ``PatternProof`` (widths 1 and 2, and width 3 through
:mod:`~expressivity.prove.exact.three_units`, which reads the same conditions as
tables over the sets of ones and prunes by faces that need three units); and
:mod:`~expressivity.prove.exact.separable` decides width 1 by convex-hull certificates.
Both take the support of the vertex HiGHS found (:mod:`expressivity.prove.highs`) and
solve it again in rationals with :mod:`~expressivity.prove.exact.rational`, so that no
certificate holds a rounding error.

Among the proofs this subpackage imports only itself and :mod:`expressivity.prove.highs`
(``tests/test_layout.py`` checks it).  The census (:mod:`expressivity.prove.census`) records
which of these methods back each lower bound, and the standalone checker
(:mod:`expressivity.prove.check`) re-checks their certificates from the records alone.
"""
