"""JSON-lines records: one JSON object per line, appended atomically, read back for resuming.

Each append rewrites the file through a temporary file and a rename, so a
Ctrl-C or a kill at any moment leaves a file of whole records: nothing
already recorded is lost, and no half-written line appears.
"""
from __future__ import annotations

from expressivity.errors import InputError

import json
import os
from pathlib import Path
from typing import Any, Iterable

from expressivity.results.atomic import write_text_atomic


class RecordsError(InputError):
    """A records file that cannot be read (missing folder, not JSON lines)."""


def read_records(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Return the records in ``path``; an absent file has none.

    Raises ``RecordsError`` naming the line when the file is not JSON lines.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> read_records(p)
    []
    >>> append_records(p, [{"n": 2, "width": 2}])
    >>> read_records(p)
    [{'n': 2, 'width': 2}]
    """
    path = Path(path)
    if not path.exists():
        return []
    if path.is_dir():
        raise RecordsError(f"records file {path} is a folder")
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
        records.append(record)
    return records


def append_records(path: str | os.PathLike, records: Iterable[dict[str, Any]]) -> None:
    """Append ``records`` to ``path`` atomically (all of them, or none)."""
    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    new = "".join(json.dumps(record, sort_keys=True) + "\n" for record in records)
    write_text_atomic(path, old + new)
