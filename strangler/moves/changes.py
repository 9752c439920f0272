"""What a replayed write changed in a database copy, and whether both paths changed the same.

A database state is, per table, each row's key (its primary key) and a hash of its content
without the ignored columns (whether an ignored column is NULL still counts, as an ignored JSON
field must still be present). Diffing two states gives the rows inserted, updated and deleted.
Both paths start from identical copies and get the same requests in the same order, so their
changes must be the same, except that rows inserted with generated keys (UUIDs) get different
keys on each copy: those are paired by content, and the pairing is remembered so that a later
update or delete of the same row is compared too. Pure: states in, differences out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

TableState = Mapping[str, str]
"""Row key -> content hash."""
DbState = Mapping[str, TableState]
"""Table -> its rows."""
Kind = Literal["inserted", "updated", "deleted"]
By = Literal["both", "monolith", "lambda"]
KeyMap = dict[str, dict[str, str]]
"""Per table: a row key of the Lambda copy -> the key of the same row in the monolith copy."""


@dataclass(frozen=True)
class TableChanges:
    inserted: Mapping[str, str] = field(default_factory=dict)
    updated: Mapping[str, str] = field(default_factory=dict)
    deleted: frozenset[str] = frozenset()

    def summary(self) -> str:
        counts = (
            ("inserted", len(self.inserted)),
            ("updated", len(self.updated)),
            ("deleted", len(self.deleted)),
        )
        return ", ".join(f"{count} {kind}" for kind, count in counts if count)


@dataclass(frozen=True)
class RowMismatch:
    """The first row the two paths changed differently.

    Each key is the row's key in that path's copy, None where the row does not exist there (a
    row only one path inserted). ``by`` says which paths made the change.
    """

    table: str
    kind: Kind
    by: By
    monolith_key: str | None
    lambda_key: str | None

    def describe(self) -> str:
        key = self.monolith_key if self.monolith_key is not None else self.lambda_key
        if self.by == "monolith":
            return f"{self.table}: row {key} {self.kind} by the monolith path only"
        if self.by == "lambda":
            return f"{self.table}: row {key} {self.kind} by the Lambda path only"
        if self.monolith_key == self.lambda_key:
            return f"{self.table}: row {key} {self.kind} differently"
        return (
            f"{self.table}: row {self.monolith_key} (monolith) and {self.lambda_key} (Lambda) "
            f"{self.kind} differently"
        )


def diff_states(before: DbState, after: DbState) -> dict[str, TableChanges]:
    """The tables whose rows changed from ``before`` to ``after``, and how."""
    changes: dict[str, TableChanges] = {}
    for table in sorted({*before, *after}):
        old, new = before.get(table, {}), after.get(table, {})
        inserted = {key: digest for key, digest in new.items() if key not in old}
        updated = {key: digest for key, digest in new.items() if key in old and old[key] != digest}
        deleted = frozenset(key for key in old if key not in new)
        if inserted or updated or deleted:
            changes[table] = TableChanges(inserted, updated, deleted)
    return changes


def match_changes(
    monolith: Mapping[str, TableChanges], lam: Mapping[str, TableChanges], keys: KeyMap
) -> RowMismatch | None:
    """The first difference between both paths' changes, or None; pairs the inserted rows
    into ``keys`` as it goes (so call it once per replayed request, in order)."""
    empty = TableChanges()
    for table in sorted({*monolith, *lam}):
        known = keys.setdefault(table, {})
        mismatch = _match_table(table, monolith.get(table, empty), lam.get(table, empty), known)
        if mismatch is not None:
            return mismatch
    return None


def _by(in_mono: bool, in_lam: bool) -> By:
    return "both" if in_mono and in_lam else "monolith" if in_mono else "lambda"


def _match_table(
    table: str, mono: TableChanges, lam: TableChanges, known: dict[str, str]
) -> RowMismatch | None:
    own = {mono_key: lam_key for lam_key, mono_key in known.items()}
    # rows both copies had: compared in the monolith copy's keys
    lam_deleted = {known.get(key, key) for key in lam.deleted}
    for key in sorted(mono.deleted ^ lam_deleted):
        by = _by(key in mono.deleted, key in lam_deleted)
        return RowMismatch(table, "deleted", by, key, own.get(key, key))
    lam_updated = {known.get(key, key): digest for key, digest in lam.updated.items()}
    for key in sorted({*mono.updated, *lam_updated}):
        if mono.updated.get(key) != lam_updated.get(key):
            by = _by(key in mono.updated, key in lam_updated)
            return RowMismatch(table, "updated", by, key, own.get(key, key))
    # new rows: paired by content, equal keys or not
    pending = sorted(lam.inserted, key=lambda k: (lam.inserted[k], k))
    unpaired: list[str] = []
    for mono_key in sorted(mono.inserted, key=lambda k: (mono.inserted[k], k)):
        twin = next((k for k in pending if lam.inserted[k] == mono.inserted[mono_key]), None)
        if twin is None:
            unpaired.append(mono_key)
            continue
        pending.remove(twin)
        if twin != mono_key:
            known[twin] = mono_key
    if unpaired or pending:
        first_mono = unpaired[0] if unpaired else None
        first_lam = pending[0] if pending else None
        by = _by(first_mono is not None, first_lam is not None)
        return RowMismatch(table, "inserted", by, first_mono, first_lam)
    return None


def summary(changes: Mapping[str, TableChanges]) -> str:
    """``lending_loan: 1 inserted; catalog_book: 1 updated`` (``no rows changed`` when none)."""
    if not changes:
        return "no rows changed"
    return "; ".join(f"{table}: {change.summary()}" for table, change in changes.items())
