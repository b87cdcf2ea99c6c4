"""The one exception type for bad input to the public API.

Every error the library raises for an argument or a file it cannot take is an
:class:`InputError` (a ``ValueError``), raised before the work starts, with a
one-line message that names the argument and what to do.  The subject's own
classes (``FunctionError``, ``CircuitError``, ``SpecError``, ...) derive from it,
so ``except InputError`` catches every refusal and nothing else.

>>> from expressivity.functions import parse_function
>>> try:
...     parse_function("majority:x", 3)
... except InputError as error:
...     print(type(error).__name__, isinstance(error, ValueError))
FunctionSpecError True
"""
from __future__ import annotations

#: The longest piece of user input a message echoes; the rest is elided.
ECHO_LIMIT = 60


class InputError(ValueError):
    """Bad input to the public API: the message is one line naming the argument and the fix."""


def echo(text: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(text)``, cut to ``limit`` characters so that a huge input is not echoed whole.

    >>> echo("x" * 100, limit=12)
    "'xxxxxxxxx...' (100 characters)"
    >>> echo("6996")
    "'6996'"
    """
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:max(limit - 3, 1)]!r}"[:-1] + f"...' ({len(text)} characters)"


__all__ = ["InputError", "ECHO_LIMIT", "echo"]
