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


def shown(value: object) -> str:
    """How a message shows a bad argument: a short repr of a string, number or None, else its type's name.

    Examples
    --------
    >>> shown(42), shown(-10**5000), shown("x" * 100)[-16:], shown(None), shown([1, 2]), shown(("x", 3))
    ('42', 'a number of about 5000 digits', '(100 characters)', 'None', 'a list', "('x', 3)")
    """
    import numbers

    if isinstance(value, str):
        return echo(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return number_text(int(value))
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, tuple) and len(value) <= 8:  # a node's name, such as ('x', 3)
        try:
            text = repr(value)
        except ValueError:  # an integer past Python's limit on digits
            text = ""
        if 0 < len(text) <= ECHO_LIMIT:
            return text
    return f"a {type(value).__name__}"


def check_type(value: object, name: str, kind: type | tuple[type, ...], what: str,
               error: type[InputError] = InputError) -> object:
    """``value`` when it is an instance of ``kind``, else ``error``: "``name`` must be ``what``, got ...", one line.

    Examples
    --------
    >>> check_type(42, "net", str, "a LayeredNet")
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: net must be a LayeredNet, got 42
    """
    if not isinstance(value, kind):
        raise error(f"{name} must be {what}, got {shown(value)}")
    return value


def check_choice(value: object, name: str, choices, error: type[InputError] = InputError) -> str:
    """``value`` when it is one of the strings ``choices``, else ``error`` naming them, one line.

    Examples
    --------
    >>> check_choice("sign", "mode", ("exact", "sign"))
    'sign'
    >>> check_choice(1, "mode", ("exact", "sign"))
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: mode must be one of exact, sign, got 1
    """
    if not isinstance(value, str) or value not in choices:
        raise error(f"{name} must be one of {', '.join(choices)}, got {shown(value)}")
    return value


#: The longest path the public API takes (Linux's PATH_MAX): a longer one no system call accepts.
MAX_PATH_CHARACTERS = 4096


def check_path(path: object, name: str = "path", error: type[InputError] = InputError) -> object:
    """``path`` when it is a ``str`` or ``os.PathLike`` of at most :data:`MAX_PATH_CHARACTERS`, else ``error``.

    Whether the file can be read or written is the caller's to say (``OSError``);
    this refuses what is no path at all, before any work.

    Examples
    --------
    >>> check_path("net.pt")
    'net.pt'
    >>> check_path("x" * 5000)
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: path must be at most 4,096 characters, got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (5000 characters)
    """
    import os

    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not isinstance(text, (str, bytes)):
        raise error(f"{name} must be a file path (str or os.PathLike), got {shown(path)}")
    if len(text) > MAX_PATH_CHARACTERS:
        raise error(f"{name} must be at most {MAX_PATH_CHARACTERS:,} characters, got {echo(text)}")
    return path


def check_items(values: object, name: str, what: str, accept, error: type[InputError] = InputError) -> list:
    """``values`` as a list when it is an iterable (not a string) whose every item ``accept`` takes, else ``error``.

    The message is "``name`` must be ``what``, got ...", naming the first item refused.

    Examples
    --------
    >>> check_items((1, 2), "rows", "integers", lambda v: isinstance(v, int))
    [1, 2]
    >>> check_items([1, "2"], "rows", "integers", lambda v: isinstance(v, int))
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: rows must be integers, got '2' at position 1
    """
    from collections.abc import Iterable

    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise error(f"{name} must be {what}, got {shown(values)}")
    items = list(values)
    for position, item in enumerate(items):
        if not accept(item):
            raise error(f"{name} must be {what}, got {shown(item)} at position {position}")
    return items


def check_positive(value: object, name: str, *, optional: bool = False, finite: bool = False,
                   error: type[InputError] = InputError) -> float | None:
    """``value`` as a float when it is a positive number (not a bool, not NaN; finite if asked), else ``error``.

    ``optional``: ``None`` is accepted too, and returned as it is.

    Examples
    --------
    >>> check_positive(2, "time_limit"), check_positive(None, "time_limit", optional=True)
    (2.0, None)
    >>> check_positive(float("nan"), "time_limit", optional=True)
    Traceback (most recent call last):
    ...
    expressivity.errors.InputError: time_limit must be None or a positive number, got nan
    """
    import math
    import numbers

    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0 or \
            (finite and math.isinf(value)):
        what = ("None or " if optional else "") + ("a positive finite number" if finite else "a positive number")
        raise error(f"{name} must be {what}, got {shown(value)}")
    return float(value)


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


__all__ = ["InputError", "SizeLimitError", "ECHO_LIMIT", "echo", "shown", "check_int", "check_type", "check_choice",
           "check_items", "check_path", "check_positive", "MAX_PATH_CHARACTERS", "number_text"]
