"""shelf's function through a database outage: its session login (a write) in real sandboxes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.postgres import EmbeddedPostgres
from strangler.stack.invoke import http_event
from tests.fixtures_shelf.conftest import SHELF_DIR, RunShelf

pytestmark = pytest.mark.stack
REPO_ROOT = Path(__file__).resolve().parents[2]
LOGIN = json.dumps({"username": "reader", "password": "reader-password"})


@pytest.fixture
def service(
    run_shelf: RunShelf, shelf_database_url: str, tmp_path: Path
) -> Iterator[LambdaService]:
    migrated = run_shelf("manage.py", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    spec = FunctionSpec(
        name="shelf",
        handler="serverless.handler.handler",
        code_paths=(str(REPO_ROOT), str(SHELF_DIR)),
        memory_mb=1024,
        environment={
            "DJANGO_SETTINGS_MODULE": "shelf_project.settings",
            "STRANGLER_DJANGO_ASGI": "shelf_project.asgi:application",
            "DATABASE_URL": shelf_database_url,
        },
    )
    settings = ServiceSettings(port=0, log_dir=str(tmp_path / "logs"), enforce_limits="off")
    with LambdaService(settings, [spec]) as running:
        yield running


def logins(service: LambdaService, count: int, interval_s: float) -> list[Any]:
    """``count`` logins started every ``interval_s``, overlapping when answers are slow."""
    payload = json.dumps(http_event("POST", "/accounts/login/", (), LOGIN)).encode()
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = []
        for _ in range(count):
            futures.append(pool.submit(service.invoke, "shelf", payload))
            time.sleep(interval_s)
        return [future.result() for future in futures]


def sessions(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM django_session").fetchone()
    assert row is not None
    return int(row[0])


def test_logins_fail_fast_during_an_outage_and_every_one_after_it_is_written_once(
    service: LambdaService, shelf_database_url: str, embedded_postgres: EmbeddedPostgres
) -> None:
    """Issue 12 item 4 on a second project: during the outage each login is Django's 500 in
    the same environment (no function error, no new sandbox per waiting request; Lambda guide,
    "Understanding the Lambda execution environment lifecycle"), and afterwards every login
    succeeds and writes exactly one session row."""
    (first,) = logins(service, 1, 0)
    assert json.loads(first.payload)["statusCode"] == 200
    before = sessions(shelf_database_url)
    embedded_postgres.stop()
    try:
        during = logins(service, 10, 0.2)
    finally:
        embedded_postgres.start()
    assert [r.function_error for r in during] == [None] * 10
    assert {json.loads(r.payload)["statusCode"] for r in during} == {500}
    assert len({first.sandbox_id} | {r.sandbox_id for r in during}) <= 3
    # one at a time: a successful login hashes the password (PBKDF2), far slower than 0.2 s here
    after = [logins(service, 1, 0)[0] for _ in range(4)]
    assert {json.loads(r.payload)["statusCode"] for r in after} == {200}
    assert sessions(shelf_database_url) == before + 4
