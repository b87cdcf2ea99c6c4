"""The search: thousands of small ReLU networks of any depth trained at once, as one batched torch program,
on any Boolean function; every fit re-checked exactly on all 2^n inputs.

A width the search finds is an upper bound (a verified network of that width exists); a width at
which no run fit proves nothing.  ``width.py`` scans widths (``search_width``), ``depth_table.py``
scans depths and widths per function (``depth-width``), ``engine.py`` and ``chunk.py`` train,
``budget.py`` sizes the work before it starts, ``records.py`` keeps records and weights.
"""
