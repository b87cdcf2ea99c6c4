"""The backend interface, its errors, and :func:`make_backend`."""
from __future__ import annotations

from expressivity.errors import InputError

from typing import Any, Callable, Iterable, Iterator

#: The backends :func:`make_backend` knows.
BACKENDS = ("local", "ray")


class BackendError(InputError):
    """A backend that cannot be made or reached; the message is one line saying what to do."""


class RayNotInstalledError(BackendError):
    """The ray backend was asked for and Ray cannot be imported."""

    def __init__(self, detail: str = "") -> None:
        why = f" ({detail})" if detail else ""
        super().__init__(f'the ray backend needs Ray, which is not installed{why}: pip install "expressivity[ray]"')


class Backend:
    """Runs independent tasks; see :mod:`expressivity.backends`.

    Attributes
    ----------
    name : str
        ``"local"`` or ``"ray"``, for the records.
    workers : int
        How many tasks can run at once (CPUs of the Ray cluster; 1 for local).
    """

    name: str = ""
    workers: int = 1

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield ``(task, fn(task))`` once per task, as each finishes.

        ``fn`` and the tasks must be picklable for Ray (module-level functions,
        ``functools.partial`` of them, small values).  An exception raised by
        ``fn`` is raised here.  Closing the iterator early cancels what is
        still running.
        """
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """What the records say about the backend.

        Examples
        --------
        >>> from expressivity.backends.local import LocalBackend
        >>> LocalBackend().describe()
        {'backend': 'local', 'workers': 1}
        """
        return {"backend": self.name, "workers": self.workers}

    def close(self) -> None:
        """Release what the backend started (a Ray instance it started is shut down)."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["BACKENDS", "Backend", "BackendError", "RayNotInstalledError"]
