"""Run independent tasks and collect their results as they finish: ``local`` (the default) and ``ray``.

One interface, :class:`Backend`: ``backend.map_unordered(fn, tasks)`` yields
``(task, fn(task))`` once per task, in the order the tasks finish.  Only the
caller (the driver) sees the results, so only the driver writes records; a
caller that stops iterating early (a proof settled by one task, Ctrl-C) cancels
the tasks still running.  ``backend.name`` and ``backend.workers`` say, for the
records, what ran the tasks.

* ``local`` (:class:`~expressivity.backends.local.LocalBackend`): in this process,
  one task after another, no Ray import, no overhead.
* ``ray`` (:class:`~expressivity.backends.ray_backend.RayBackend`): Ray tasks on a
  local instance started for the run (sized to the machine, a small object store,
  no dashboard) or on an existing cluster (``address``); a task whose worker dies
  is retried by Ray (``max_retries``) and still yields once.  Ray is an optional
  extra: ``pip install "expressivity[ray]"``.

Examples
--------
>>> backend = make_backend("local")
>>> backend.name, backend.workers
('local', 1)
>>> sorted(backend.map_unordered(abs, [-2, 3]))
[(-2, 2), (3, 3)]
>>> make_backend("local", workers=4)
Traceback (most recent call last):
...
expressivity.backends.base.BackendError: the local backend runs one task at a time (workers = 1); use the ray backend for more
"""
from expressivity.backends.base import BACKENDS, Backend, BackendError, RayNotInstalledError
from expressivity.backends.factory import make_backend
from expressivity.backends.local import LocalBackend

__all__ = ["BACKENDS", "Backend", "BackendError", "RayNotInstalledError", "LocalBackend", "make_backend"]
