"""Reading a database copy's state for the write check: every table's row keys and hashes.

The hashing happens in PostgreSQL (``md5`` of the row's ``jsonb`` without the ignored columns),
so only a key and 32 characters per row cross the wire; a row's content is fetched only to
show a difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from strangler.moves.changes import DbState
from strangler.moves.parity import IgnoreRules


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]
    """The primary key; empty when the table has none (rows are then keyed by ``ctid``)."""

    @property
    def label(self) -> str:
        """``catalog_book``; ``schema.table`` outside ``public``."""
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"

    def rule_path(self, column: str) -> tuple[str, ...]:
        """The path an ignore rule matches: ``("catalog_book", "updated_at")``."""
        return (*self.label.split("."), column)

    def ignored(self, rules: IgnoreRules) -> tuple[str, ...]:
        return tuple(c for c in self.columns if rules.ignores(self.rule_path(c)))


_TABLES = """
SELECT n.nspname, c.relname,
       array_agg(a.attname::text ORDER BY a.attnum),
       coalesce((SELECT array_agg(k.attname::text ORDER BY array_position(i.indkey, k.attnum))
                   FROM pg_index i JOIN pg_attribute k
                     ON k.attrelid = i.indrelid AND k.attnum = ANY (i.indkey)
                  WHERE i.indrelid = c.oid AND i.indisprimary), '{}')
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_%'
 GROUP BY n.nspname, c.relname, c.oid
 ORDER BY n.nspname, c.relname
"""


def tables(conn: psycopg.Connection[Any]) -> list[Table]:
    return [
        Table(schema, name, tuple(columns), tuple(keys))
        for schema, name, columns, keys in conn.execute(_TABLES).fetchall()
    ]


def _key(table: Table) -> sql.Composable:
    if not table.key_columns:
        return sql.SQL("t.ctid::text")
    columns = sql.SQL(", ").join(
        sql.SQL("t.{}").format(sql.Identifier(c)) for c in table.key_columns
    )
    return sql.SQL("jsonb_build_array({})::text").format(columns)


def _content(table: Table, ignored: Sequence[str]) -> sql.Composable:
    if not ignored:
        return sql.SQL("to_jsonb(t)")
    presence = sql.SQL(", ").join(
        sql.SQL("{}, t.{} IS NULL").format(sql.Literal(c), sql.Identifier(c)) for c in ignored
    )
    return sql.SQL("(to_jsonb(t) - {}::text[]) || jsonb_build_object({})").format(
        sql.Literal(list(ignored)), presence
    )


def read_state(
    conn: psycopg.Connection[Any], schema: Sequence[Table], rules: IgnoreRules
) -> DbState:
    state: dict[str, dict[str, str]] = {}
    for table in schema:
        query = sql.SQL("SELECT {}, md5(({})::text) FROM {}.{} AS t").format(
            _key(table),
            _content(table, table.ignored(rules)),
            sql.Identifier(table.schema),
            sql.Identifier(table.name),
        )
        state[table.label] = dict(conn.execute(query).fetchall())
    return state


def fetch_row(conn: psycopg.Connection[Any], table: Table, key: str) -> dict[str, Any] | None:
    """The row with ``key`` (as ``read_state`` names it), its columns as JSON values."""
    query = sql.SQL("SELECT to_jsonb(t) FROM {}.{} AS t WHERE {} = %s").format(
        sql.Identifier(table.schema), sql.Identifier(table.name), _key(table)
    )
    row = conn.execute(query, (key,)).fetchone()
    return None if row is None else dict(row[0])
