"""The one exception type for bad input to the public API.

Every error the library raises for an argument or a file it cannot take is an
:class:`InputError` (a ``ValueError``), raised before the work starts, with a
one-line message that names the argument and what to do.  The subject's own
classes (``FunctionError``, ``CircuitError``, ``SpecError``, ...) derive from it,
so ``except InputError`` catches every refusal and nothing else.

Examples
--------
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


class SizeLimitError(InputError, MemoryError):
    """A size past the limit that memory or time allows (the limit is in the message and the docstring).

    Also a ``MemoryError``, as such refusals were before they were input errors.
    """


def number_text(value: int) -> str:
    """``value`` as digits, or its size when the digits would be too many to show (or to convert).

    Examples
    --------
    >>> number_text(10**20), number_text(-10**5000)
    ('100000000000000000000', 'a number of about 5000 digits')
    """
    bits = abs(value).bit_length()
    return str(value) if bits <= 128 else f"a number of about {round(bits * 0.30103)} digits"


def check_int(value: object, name: str, *, minimum: int | None = None, maximum: int | None = None,
              why: str = "", error: type[InputError] = InputError) -> int:
    """``value`` as an ``int`` when it is an integer (not a bool) in ``[minimum, maximum]``, checked before any work.

    Else ``error`` (a wrong type or below ``minimum``) or :class:`SizeLimitError`
    (past ``maximum``; ``why`` says what sets the limit), with a one-line message
    naming ``name``.

    Examples
    --------
    >>> check_int(5, "n", minimum=1)
    5
    >>> check_int(True, "n")
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: n must be an integer, got True
    >>> check_int(10**20, "n", maximum=30, why="(2^n bytes)")
    Traceback (most recent call last):
    ...
    expressivity.errors.SizeLimitError: n must be at most 30 (2^n bytes), got 100000000000000000000
    """
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        shown = echo(value) if isinstance(value, str) else repr(value) if isinstance(value, (bool, float)) or \
            value is None else f"a {type(value).__name__}"
        raise error(f"{name} must be an integer, got {shown}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise error(f"{name} must be at least {minimum}, got {number_text(value)}")
    if maximum is not None and value > maximum:
        raise SizeLimitError(f"{name} must be at most {maximum:,}{' ' + why if why else ''}, got {number_text(value)}")
    return value


def echo(text: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(text)``, cut to ``limit`` characters so that a huge input is not echoed whole.

    Examples
    --------
    >>> echo("x" * 100, limit=12)
    "'xxxxxxxxx...' (100 characters)"
    >>> echo("6996")
    "'6996'"
    """
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:max(limit - 3, 1)]!r}"[:-1] + f"...' ({len(text)} characters)"


__all__ = ["InputError", "SizeLimitError", "ECHO_LIMIT", "echo", "check_int", "number_text"]
