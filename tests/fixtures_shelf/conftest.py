"""The shelf fixture (tests/fixtures/shelf) runs in its own processes, with its own settings.

pytest-django configures this process for the monolith, so the fixture's Django is never set up
here: every check runs ``manage.py`` or a snippet in a subprocess against the session's embedded
PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.local.postgres import EmbeddedPostgres, RunningDatabase, create_database_if_missing

SHELF_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "shelf"
SHELF_DATABASE = "shelf"

RunShelf = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def shelf_database_url(postgres: RunningDatabase, embedded_postgres: EmbeddedPostgres) -> str:
    create_database_if_missing(postgres.admin_url, SHELF_DATABASE)
    return embedded_postgres.url_for(SHELF_DATABASE)


@pytest.fixture
def run_shelf(shelf_database_url: str) -> RunShelf:
    """Run ``python ARGS...`` in the fixture's directory with only its own configuration."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        # pytest-django exported the monolith's DJANGO_SETTINGS_MODULE; manage.py must set its own
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        return subprocess.run(
            [sys.executable, *args],
            cwd=SHELF_DIR,
            env={**inherited, "DATABASE_URL": shelf_database_url, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run
