"""Shared fixtures: one real embedded PostgreSQL server for the whole test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import pytest

from infra.local.net import free_port
from infra.local.postgres import EmbeddedPostgres, RunningDatabase


@pytest.fixture(scope="session")
def embedded_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(
        Path(tmp_path_factory.mktemp("pg")) / "pgdata",
        port=free_port(),
        database="wildrydes",
        max_connections=200,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres(embedded_postgres: EmbeddedPostgres) -> RunningDatabase:
    return embedded_postgres.start()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres: RunningDatabase) -> None:
    """Point Django's test database at the session's embedded server (pytest-django hook)."""
    from django.conf import settings

    parsed = dj_database_url.parse(postgres.url)
    settings.DATABASES["default"].update(
        {key: parsed[key] for key in ("HOST", "PORT", "USER", "PASSWORD", "NAME")}  # type: ignore[literal-required]
    )
