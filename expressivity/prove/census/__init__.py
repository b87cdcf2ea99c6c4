"""The census: every NPN class of ``n <= 4`` bits, or every symmetric function of ``n <= 7``, with its proven minimum width.

:mod:`~expressivity.prove.census.classes` lists the classes, shows why one representative
of each is enough (the minimum width is an NPN invariant) and names them;
:mod:`~expressivity.prove.census.table` proves each representative's minimum width
(:func:`~expressivity.prove.milp.summary.prove_minimum_width`) into a ``CensusRow``, with
records, ``--resume``, the width histogram and the text tables; and
:mod:`~expressivity.prove.census.backing` records what backs each lower bound: HiGHS's word,
counting, and the exact methods of :mod:`expressivity.prove.exact`; and
:mod:`~expressivity.prove.census.restriction` carries a lower bound up from the census one bit
down (a network for ``f`` with one input fixed is one for the restriction); and
:mod:`~expressivity.prove.census.by_cubes` raises it where a cube split of a width is closed.

Among the proofs this subpackage imports only itself, the MILP (:mod:`expressivity.prove.milp`),
the exact methods and the cubes (:mod:`expressivity.prove.cubes`).
"""
