"""Cube-and-conquer: one width's program split into independent cubes, and the facet lemmas that settle or prune them.

:mod:`~expressivity.prove.cubes.cube_patterns` lists the activation patterns a cube may
fix (threshold functions and their orbits under the function's symmetries);
:mod:`~expressivity.prove.cubes.cube` defines a ``Cube``, proves that the split loses no
network, and writes and solves one cube's program with the MILP
(:mod:`expressivity.prove.milp`); :mod:`~expressivity.prove.cubes.facets` settles a cube with
no program by the proven-infeasible cubes of ``n - 1`` bits on a facet (``LowerCubes``);
:mod:`~expressivity.prove.cubes.cube_split` solves every cube of one width on a backend,
with the facets, and combines the results into a ``CubesProof`` (a ``WidthProof`` of
:mod:`expressivity.prove.milp.width`).  :mod:`~expressivity.prove.cubes.unit_facets` extends
the facet rule to every unit, and :mod:`~expressivity.prove.cubes.pruning` writes it, with the
fixed unit's stabiliser, as rows that prune a cube's program (used by the benchmarks so far).

Among the proofs this subpackage imports only itself and the MILP.
"""
