"""The Wild Rydes function in real awslambdaric sandboxes against the real PostgreSQL.

Proves the container-lifetime connection policy with pg_stat_activity: the service names every
sandbox's connections ``lambda:<function>:<sandbox id>`` (PGAPPNAME).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.postgres import EmbeddedPostgres, RunningDatabase
from strangler.profiles.wildrydes.tokens import rider_token
from strangler.stack.invoke import http_event

pytestmark = pytest.mark.stack
REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTION = "wildrydes"
SECRET = "sandbox-test-secret"


@pytest.fixture(scope="module")
def seeded(postgres: RunningDatabase) -> RunningDatabase:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monolith.settings",
        "DATABASE_URL": postgres.url,
        "WILDRYDES_TOKEN_SECRET": SECRET,
        "PYTHONPATH": str(REPO_ROOT),
    }
    for command in (
        ["migrate", "--noinput"],
        ["seed_wildrydes", "--unicorns", "5", "--riders", "3"],
    ):
        subprocess.run([sys.executable, "-m", "django", *command], env=env, check=True)
    return postgres


@pytest.fixture
def service(seeded: RunningDatabase, tmp_path: Path) -> Iterator[LambdaService]:
    spec = FunctionSpec(
        name=FUNCTION,
        handler="serverless.handler.handler",
        code_paths=(str(REPO_ROOT),),
        memory_mb=1024,
        environment={"DJANGO_SETTINGS_MODULE": "monolith.settings", "DATABASE_URL": seeded.url},
    )
    settings = ServiceSettings(port=0, log_dir=str(tmp_path / "logs"), enforce_limits="off")
    with LambdaService(settings, [spec]) as running:
        yield running


def call(service: LambdaService, event: dict[str, Any]) -> tuple[dict[str, Any], str]:
    result = service.invoke(FUNCTION, json.dumps(event).encode())
    assert result.function_error is None, result.payload
    return json.loads(result.payload), result.sandbox_id


def get_unicorns() -> dict[str, Any]:
    bearer = ("Authorization", f"Bearer {rider_token(SECRET, 'demo')}")
    return http_event("GET", "/unicorns", (bearer,), None)


def sandbox_connections(url: str) -> list[tuple[str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT application_name, pid FROM pg_stat_activity "
            "WHERE application_name LIKE %s ORDER BY pid",
            (f"lambda:{FUNCTION}:%",),
        ).fetchall()
    return [(str(name), int(pid)) for name, pid in rows]


def test_first_invocation_is_marked_cold_and_later_ones_are_warm(service: LambdaService) -> None:
    first, sandbox = call(service, get_unicorns())
    second, same_sandbox = call(service, get_unicorns())
    assert first["statusCode"] == second["statusCode"] == 200
    assert first["headers"]["x-strangler-cold-start"] == "1"
    assert "x-strangler-cold-start" not in second["headers"]
    assert sandbox == same_sandbox
    assert len(json.loads(second["body"])) == 5


def test_a_provisioned_sandboxs_first_request_is_not_a_cold_start(
    seeded: RunningDatabase, tmp_path: Path
) -> None:
    """Provisioned concurrency initialises the sandbox before any invoke (Lambda guide,
    "Configuring provisioned concurrency"; its REPORT has no Init Duration), and tells the
    function so in AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency ("Defined runtime
    environment variables"): its first request is served warm, not marked cold."""
    spec = FunctionSpec(
        name=FUNCTION,
        handler="serverless.handler.handler",
        code_paths=(str(REPO_ROOT),),
        memory_mb=1024,
        provisioned_concurrency=1,
        environment={"DJANGO_SETTINGS_MODULE": "monolith.settings", "DATABASE_URL": seeded.url},
    )
    settings = ServiceSettings(port=0, log_dir=str(tmp_path / "logs"), enforce_limits="off")
    with LambdaService(settings, [spec]) as running:
        first, _ = call(running, get_unicorns())
    assert first["statusCode"] == 200
    assert "x-strangler-cold-start" not in first["headers"]


def test_prewarm_answers_without_touching_the_database(
    service: LambdaService, seeded: RunningDatabase
) -> None:
    answer, _ = call(service, {"isPrewarm": True})
    scheduled, _ = call(service, {"source": "aws.events", "detail-type": "Scheduled Event"})
    assert answer == {"prewarmed": True, "coldStart": True}
    assert scheduled == {"prewarmed": True, "coldStart": False}
    assert sandbox_connections(seeded.url) == []
    response, _ = call(service, get_unicorns())
    assert response["statusCode"] == 200
    assert "x-strangler-cold-start" not in response["headers"]  # the pre-warm was the cold one
    assert len(sandbox_connections(seeded.url)) == 1


def test_one_sandbox_holds_exactly_one_connection_across_200_invocations(
    service: LambdaService, seeded: RunningDatabase
) -> None:
    _, sandbox = call(service, get_unicorns())
    first = sandbox_connections(seeded.url)
    for _ in range(200):
        response, served_by = call(service, get_unicorns())
        assert (response["statusCode"], served_by) == (200, sandbox)
    assert sandbox_connections(seeded.url) == first
    assert [name for name, _ in first] == [f"lambda:{FUNCTION}:{sandbox}"]


def test_invocations_succeed_after_the_database_restarts(
    service: LambdaService, seeded: RunningDatabase, embedded_postgres: EmbeddedPostgres
) -> None:
    _, sandbox = call(service, get_unicorns())
    (before,) = sandbox_connections(seeded.url)
    embedded_postgres.stop()
    embedded_postgres.start()
    response, served_by = call(service, get_unicorns())
    assert (response["statusCode"], served_by) == (200, sandbox)
    (after,) = sandbox_connections(seeded.url)
    assert after[0] == before[0] and after[1] != before[1]  # same sandbox, new backend


def invoke_open_loop(service: LambdaService, count: int, interval_s: float) -> list[Any]:
    """``count`` invocations started every ``interval_s`` whatever the earlier ones do, as
    requests arriving at a steady rate do: a slow answer makes them overlap."""
    payload = json.dumps(get_unicorns()).encode()
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = []
        for _ in range(count):
            futures.append(pool.submit(service.invoke, FUNCTION, payload))
            time.sleep(interval_s)
        return [future.result() for future in futures]


def test_a_database_outage_fails_fast_in_the_same_sandbox_and_ends_with_the_outage(
    service: LambdaService, seeded: RunningDatabase, embedded_postgres: EmbeddedPostgres
) -> None:
    """Issue 12 item 4. In a real Lambda the same function answers Django's 500 while the
    database is down and its environment stays (an error response is not a function error;
    Lambda guide, "Understanding the Lambda execution environment lifecycle": the environment
    is reused and frozen between invocations, so no background reconnect runs there). Requests
    arriving every 0.2 s must then keep needing one environment, not one per waiting request
    (psycopg's pool held each for its 10 s timeout: 20 requests, 20 sandboxes), and the first
    request after the database is back succeeds."""
    _, sandbox = call(service, get_unicorns())
    embedded_postgres.stop()
    try:
        during = invoke_open_loop(service, 20, 0.2)
    finally:
        embedded_postgres.start()
    assert [r.function_error for r in during] == [None] * 20  # Django answered every one
    assert {json.loads(r.payload)["statusCode"] for r in during} == {500}
    after = invoke_open_loop(service, 20, 0.2)
    assert {json.loads(r.payload)["statusCode"] for r in after} == {200}
    sandboxes = {sandbox} | {r.sandbox_id for r in during + after}
    assert len(sandboxes) <= 3, sandboxes
    assert len(sandbox_connections(seeded.url)) <= len(sandboxes)
