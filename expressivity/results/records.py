"""JSON-lines records: one JSON object per line, appended atomically, read back for resuming.

Each append rewrites the file through a temporary file and a rename, so a
Ctrl-C or a kill at any moment leaves a file of whole records: nothing
already recorded is lost, and no half-written line appears.

Kinds of records file
---------------------
A records file holds the records of one command, and every record says which:
:func:`append_records` stamps each record with ``"written_by"``, one of
:data:`RECORD_KINDS` (the record's own ``"kind"`` says what it is: a
``"cube"`` or a ``"prove-width"`` proof in a ``prove-width --cubes`` file).
A command that reads a file (``--resume``, ``--search-records``, ``--below``, or
``--records`` before appending) asks :func:`read_records` for its kind, and a
file of another kind is refused with one line, so records are never mixed.

Files written before the stamp are recognised by their fields
(:func:`record_kind`): ``kind: "search-width"`` (or no kind, with ``n``,
``successes`` and ``width`` or ``shape``) is a width search; ``kind: "census"``
a census row; ``kind: "cube"`` (or no kind and a ``cube`` object, as
``benchmarks/bench_restrictions.py`` writes them) a ``prove-width --cubes``
record; ``kind: "prove-width"`` is ``prove-width --cubes`` when its
formulation is ``"cubes"``, ``tied-width`` when it has ``groups``, else
``prove-width``.  A record whose fields fit none of these has no kind, and
every command refuses a file holding one.
"""
from __future__ import annotations

from expressivity.errors import InputError, echo

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from expressivity.results.atomic import write_text_atomic

#: Every kind of records file, by the command that writes it, and what its records are.
#: ``depth-width`` runs ``search-width``'s batches, so its files are ``search-width`` files.
RECORD_KINDS = {
    "search-width": "width-search batches (search-width or depth-width)",
    "prove-width": "width proofs (prove-width)",
    "prove-width --cubes": "cube results (prove-width --cubes)",
    "tied-width": "tied width proofs (tied-width)",
    "census": "census rows (census)",
}

#: The field that says which kind of file a record belongs to.
MARKER = "written_by"


class RecordsError(InputError):
    """A records file that cannot be read (missing folder, not JSON lines, another command's records)."""


def record_kind(record: Mapping[str, Any]) -> str | None:
    """The kind of records file ``record`` belongs to (a key of :data:`RECORD_KINDS`), or ``None``.

    The stamp decides; a record without one (written before it) is recognised by its fields.

    Examples
    --------
    >>> record_kind({"written_by": "census", "kind": "census"})
    'census'
    >>> record_kind({"kind": "prove-width", "formulation": "strong", "groups": None})
    'prove-width'
    >>> record_kind({"kind": "prove-width", "formulation": "strong", "groups": [2, 1]})
    'tied-width'
    >>> record_kind({"n": 5, "width": 4, "cube": {"index": 0}, "status": "unknown"})
    'prove-width --cubes'
    >>> record_kind({"n": 3, "width": 2, "successes": 1}), record_kind({"n": 3}) is None
    ('search-width', True)
    """
    if MARKER in record:
        marker = record[MARKER]
        return marker if isinstance(marker, str) and marker in RECORD_KINDS else None
    kind = record.get("kind")
    if kind == "search-width":
        return "search-width"
    if kind == "census":
        return "census"
    if kind in ("cube", "prove-width-cubes"):
        return "prove-width --cubes"
    if kind == "prove-width":
        if record.get("formulation") == "cubes":
            return "prove-width --cubes"
        return "tied-width" if record.get("groups") is not None else "prove-width"
    if kind is None and isinstance(record.get("cube"), dict) and {"n", "width", "status"} <= record.keys():
        return "prove-width --cubes"
    if kind is None and {"n", "successes"} <= record.keys() and ("width" in record or "shape" in record):
        return "search-width"
    return None


def _describe(kind: str | None) -> str:
    return RECORD_KINDS[kind] if kind is not None else "records of no known kind"


def read_records(path: str | os.PathLike, kind: str | None = None) -> list[dict[str, Any]]:
    """Return the records in ``path``; an absent file has none.

    Raises ``RecordsError`` naming the line when the file is not JSON lines, and,
    when ``kind`` (a key of :data:`RECORD_KINDS`) is given, when a record is of
    another kind (see the module docstring): one file, one command.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> read_records(p)
    []
    >>> append_records(p, [{"n": 2, "width": 2, "successes": 1}])
    >>> read_records(p)
    [{'n': 2, 'successes': 1, 'width': 2, 'written_by': 'search-width'}]
    >>> try:
    ...     read_records(p, kind="census")
    ... except RecordsError as error:
    ...     print(str(error).replace(str(p), "r.jsonl"))
    records file r.jsonl holds width-search batches (search-width or depth-width), not census rows (census): give census a records file of its own
    """
    if kind is not None and kind not in RECORD_KINDS:
        raise ValueError(f"kind must be one of {sorted(RECORD_KINDS)}, got {kind!r}")
    path = Path(path)
    if path.is_dir():
        raise RecordsError(f"records file {path} is a folder")
    if not path.is_file():  # absent, or a device, FIFO or socket: a stream holds no records to read back
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RecordsError(f"cannot read records file {path}: {error}") from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise RecordsError(f"records file {path}, line {number}: not JSON") from None
        if not isinstance(record, dict):
            raise RecordsError(f"records file {path}, line {number}: not a JSON object")
        records.append((number, record))
    for number, record in records if kind is not None else ():  # JSON lines first, then whose
        if (found := record_kind(record)) != kind:
            where = f"records file {path}" if number == 1 else f"records file {path}, line {number},"
            fields = "" if found is not None else f" (fields {echo(', '.join(sorted(map(str, record))))})"
            raise RecordsError(f"{where} holds {_describe(found)}{fields}, not {RECORD_KINDS[kind]}: "
                               f"give {kind} a records file of its own")
    return [record for _, record in records]


def append_records(path: str | os.PathLike, records: Iterable[dict[str, Any]]) -> None:
    """Append ``records`` to ``path`` atomically (all of them, or none), each stamped with its kind.

    ``RecordsError`` if the records are of another kind than the file's first
    record (:func:`record_kind`), or of several kinds: one file, one command.
    """
    path = Path(path)
    # A device, FIFO or socket is written straight (write_atomic's rules): nothing to read back first.
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    stamped = []
    for record in records:
        kind = record_kind(record)
        stamped.append(record if kind is None or MARKER in record else {**record, MARKER: kind})
    kinds = {record_kind(record) for record in stamped}
    first = next((line for line in old.splitlines() if line.strip()), None)
    if first is not None:
        try:
            kinds.add(record_kind(json.loads(first)))
        except (json.JSONDecodeError, AttributeError):
            raise RecordsError(f"records file {path}, line 1: not a JSON object") from None
    if len(kinds) > 1:
        raise RecordsError(f"records file {path}: {' and '.join(sorted(map(_describe, kinds)))} "
                           f"cannot share one file")
    new = "".join(json.dumps(record, sort_keys=True) + "\n" for record in stamped)
    write_text_atomic(path, old + new)
