"""The embedded PostgreSQL requires its generated password, over TCP and its Unix socket.

A real server each: a fresh data directory, and one as an older version left it (``trust``
for every local user, a superuser without password) that keeps its data and gets the password
on its first start.
"""

from __future__ import annotations

import stat
from pathlib import Path

import psycopg
import pytest

from infra.local.net import free_port
from infra.local.postgres import EmbeddedPostgres

OLD_TRUST_HBA = """\
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
"""


def refused(conninfo: str) -> str:
    with pytest.raises(psycopg.OperationalError) as raised:
        psycopg.connect(conninfo, connect_timeout=5).close()
    return str(raised.value)


def without_password(server: EmbeddedPostgres) -> list[str]:
    """Connection strings as any local user would try them: TCP and the Unix socket."""
    return [
        f"postgresql://postgres@{server.host}:{server.port}/postgres",
        f"host={server.data_dir} port={server.port} user=postgres dbname=postgres",
    ]


@pytest.fixture
def server(tmp_path: Path) -> EmbeddedPostgres:
    return EmbeddedPostgres(tmp_path / "run" / "pgdata", port=free_port(), database="app")


def test_a_connection_without_the_password_is_refused(server: EmbeddedPostgres) -> None:
    running = server.start()
    try:
        for conninfo in without_password(server):
            assert "password" in refused(conninfo)
        assert "password authentication failed" in refused(
            running.url.replace(":" + server.password_path.read_text().strip(), ":guessed")
        )
        with psycopg.connect(running.url) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        assert stat.S_IMODE(server.password_path.stat().st_mode) == 0o600
    finally:
        server.stop()


def test_an_older_trust_data_directory_gets_the_password_and_keeps_its_data(
    server: EmbeddedPostgres,
) -> None:
    running = server.start()
    with psycopg.connect(running.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept VALUES (7)")
        conn.execute("ALTER ROLE postgres PASSWORD NULL")
    server.stop()
    # what the older version left: trust in pg_hba.conf, no password anywhere
    (server.data_dir / "pg_hba.conf").write_text(OLD_TRUST_HBA)
    server.password_path.unlink()

    upgraded = server.start()
    try:
        assert upgraded.url != running.url  # a new password, generated on this first start
        for conninfo in without_password(server):
            assert "password" in refused(conninfo)
        with psycopg.connect(upgraded.url) as conn:
            assert conn.execute("SELECT n FROM kept").fetchall() == [(7,)]
    finally:
        server.stop()
