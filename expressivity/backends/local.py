"""The default backend: every task in this process, one after another."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from expressivity.backends.base import Backend


class LocalBackend(Backend):
    """Runs each task in this process, in order: no Ray, no pickling, no overhead.

    Examples
    --------
    >>> list(LocalBackend().map_unordered(len, ["ab", "c"]))
    [('ab', 2), ('c', 1)]
    """

    name = "local"
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        for task in tasks:
            yield task, fn(task)


__all__ = ["LocalBackend"]
