"""Reading a copy's rows for the write check, and making and dropping copies, on real PostgreSQL."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from infra.local.postgres import (
    EmbeddedPostgres,
    clone_database,
    copy_database,
    create_database_if_missing,
    database_url,
    databases_named,
    drop_database,
)
from strangler.moves.changes import TableChanges, diff_states
from strangler.moves.copies import drop_stale_copies
from strangler.moves.dbstate import fetch_row, read_state, tables
from strangler.moves.parity import IgnoreRules
from strangler_core.errors import DatabaseError

SCHEMA = """
CREATE TABLE book (id serial PRIMARY KEY, title text NOT NULL, updated_at timestamptz);
CREATE TABLE tag (book_id int, tag text, PRIMARY KEY (book_id, tag));
CREATE TABLE log (line text);
CREATE SCHEMA audit;
CREATE TABLE audit.event (id uuid PRIMARY KEY, what text);
INSERT INTO book (title, updated_at) VALUES ('Dune', now()), ('Emma', NULL);
INSERT INTO tag VALUES (1, 'sf'), (2, 'classic');
INSERT INTO log VALUES ('started');
"""


@pytest.fixture
def source(embedded_postgres: EmbeddedPostgres) -> Iterator[str]:
    name = f"dbstate_{secrets.token_hex(4)}"
    admin = embedded_postgres.url_for("postgres")
    create_database_if_missing(admin, name)
    url = embedded_postgres.url_for(name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)  # type: ignore[call-overload]
    try:
        yield url
    finally:
        drop_database(admin, name)


def connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url, autocommit=True)


def test_tables_keys_and_labels(source: str) -> None:
    with connect(source) as conn:
        found = {t.label: t.key_columns for t in tables(conn)}
    assert found == {"audit.event": ("id",), "book": ("id",), "log": (), "tag": ("book_id", "tag")}


def test_changes_per_table_with_ignored_columns_compared_only_for_null(source: str) -> None:
    rules = IgnoreRules(("*.updated_at",))
    with connect(source) as conn:
        schema = tables(conn)
        before = read_state(conn, schema, rules)
        conn.execute("UPDATE book SET updated_at = now() + interval '1 hour' WHERE id = 1")
        assert read_state(conn, schema, rules) == before  # an ignored value changed: no change
        conn.execute("UPDATE book SET updated_at = now() WHERE id = 2")  # NULL -> a value
        conn.execute("DELETE FROM tag WHERE book_id = 2")
        conn.execute("INSERT INTO audit.event VALUES (gen_random_uuid(), 'lent')")
        after = read_state(conn, schema, rules)
        changes = diff_states(before, after)
        assert set(changes) == {"book", "tag", "audit.event"}
        assert list(changes["book"].updated) == ["[2]"]
        assert changes["tag"] == TableChanges(deleted=frozenset({'[2, "classic"]'}))
        assert len(changes["audit.event"].inserted) == 1
        book = next(t for t in schema if t.label == "book")
        row = fetch_row(conn, book, "[1]")
        assert row is not None and (row["id"], row["title"], sorted(row)) == (
            1,
            "Dune",
            ["id", "title", "updated_at"],
        )
        assert fetch_row(conn, book, "[99]") is None


def test_a_copy_has_the_rows_and_leaves_the_source_alone(source: str) -> None:
    name = f"{secrets.token_hex(4)}_copy"
    with connect(source) as live:
        # with a live session open, the source cannot be a template; a dump can be taken
        live_name = source.rsplit("/", 1)[1]
        with pytest.raises(DatabaseError, match="is being accessed by other users"):
            clone_database(source, live_name, f"{name}_t")
        copy = copy_database(source, name)
        clone = clone_database(source, name, f"{name}_b")
        try:
            for url in (copy, clone):
                with connect(url) as conn:
                    titles = conn.execute("SELECT title FROM book ORDER BY id").fetchall()
                    assert titles == [("Dune",), ("Emma",)]
                    conn.execute("DELETE FROM book")
            assert live.execute("SELECT count(*) FROM book").fetchone() == (2,)
        finally:
            drop_database(source, name)
            drop_database(source, f"{name}_b")
    assert databases_named(source, name) == []
    assert database_url("postgresql://u:p@h:5/x?sslmode=require", "y z") == (
        "postgresql://u:p@h:5/y%20z?sslmode=require"
    )


def test_copies_of_a_check_that_was_killed_are_dropped_by_the_next(source: str) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead, alive = f"strangler_parity_{gone.stdout.strip()}_abc_a", "strangler_parity_1_abc_a"
    for name in (dead, alive):
        create_database_if_missing(source, name)
    said: list[str] = []
    try:
        drop_stale_copies(source, said.append)
        assert databases_named(source, "strangler_parity_") == [alive]  # pid 1 still runs
        assert said == [f"      dropping {dead}, left behind by an interrupted check"]
    finally:
        drop_database(source, dead)
        drop_database(source, alive)
