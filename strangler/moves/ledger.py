"""The append-only migration ledger: one JSON line per migrate, rollback or automatic rollback.

It sits next to the route table (``routes.ledger.jsonl``) and is versioned with it, so the
history of every route's move is reviewable in the same pull request as the move itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def ledger_path(routes_path: Path) -> Path:
    return routes_path.with_name(routes_path.stem + ".ledger.jsonl")


def append_entry(path: Path, entry: dict[str, Any]) -> None:
    line = json.dumps(entry, sort_keys=True) + "\n"
    # O_APPEND: each entry lands whole at the end, never interleaved or overwritten
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_entries(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def last_migration(path: Path, route: str) -> dict[str, Any] | None:
    """The most recent successful ``migrate`` of ``route`` (what a rollback restores)."""
    for entry in reversed(read_entries(path)):
        if entry.get("route") == route and entry.get("action") == "migrate":
            return entry
    return None
