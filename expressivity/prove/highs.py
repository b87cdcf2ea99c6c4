"""A silent HiGHS instance: the one place the toolkit makes a ``highspy.Highs``.

Since highspy 1.16 the first ``Highs()`` of a process prints a banner from C++
straight to file descriptor 1, before any option can be set, so ``--json`` output
would no longer be JSON (``sys.stdout`` never sees it, so redirecting it would
not help).  The first construction therefore runs with descriptor 1 pointed at
``/dev/null``; later ones print nothing, and every instance gets
``output_flag = False`` at once.

Examples
--------
>>> type(new_highs(threads=1)).__name__
'Highs'
"""
from __future__ import annotations

import os
import sys
import threading

_lock = threading.Lock()
_banner_done = False


def new_highs(threads: int | None = None):
    """A ``highspy.Highs`` with its output off (and ``threads`` set when given), its banner swallowed."""
    import highspy

    global _banner_done
    with _lock:
        if _banner_done:
            highs = highspy.Highs()
        else:
            highs = _quietly(highspy.Highs)
            _banner_done = True
    highs.setOptionValue("output_flag", False)
    if threads is not None:
        highs.setOptionValue("threads", int(threads))
    return highs


def _quietly(make):
    """Call ``make()`` with file descriptor 1 on ``/dev/null`` (Python's buffer flushed first)."""
    try:
        sys.stdout.flush()
    except (AttributeError, ValueError):  # no stdout, or a closed one
        pass
    try:
        saved = os.dup(1)
    except OSError:  # no descriptor 1 at all: nothing to protect
        return make()
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        return make()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


__all__ = ["new_highs"]
