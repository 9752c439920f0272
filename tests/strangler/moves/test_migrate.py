"""migrate / rollback against the real stack: gateway, monolith, Lambda service, PostgreSQL."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strangler.demo import demo_config
from strangler.moves.migrate import migrate, rollback
from strangler.stack.local import LocalStack
from strangler_core.config import Config
from strangler_core.errors import StranglerError
from tests.strangler.stack_config import demo_token, stack_config

pytestmark = pytest.mark.stack


def write_config(tmp_path: Path, function_env: str = "") -> Config:
    return stack_config(
        tmp_path,
        unicorns=20,
        monolith="port = 0\nworkers = 2\nthreads = 4",
        with_function=True,
        extra=function_env,
    )


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, dict[str, Any]]]:
    config = write_config(tmp_path_factory.mktemp("migrate"))
    stack = LocalStack(config)
    try:
        yield config, stack.up()
    finally:
        stack.down()


def fetch(url: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("x-strangler-target", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("x-strangler-target", "")


def cli(config: Config, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "strangler", "--config", str(config.source), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["migrate", "/nowhere"], "does not exist in the Django project's URLconf"),
        (["migrate", "/rides", "--function", "ghost"], "no function 'ghost'"),
        (["migrate", "rides"], "is not a route path"),
        (["rollback", "/rides"], "is not migrated"),
    ],
)
def test_bad_input_fails_clearly_and_leaves_the_table_byte_identical(
    running: tuple[Config, dict[str, Any]], args: list[str], message: str
) -> None:
    config, _ = running
    before = config.routes_path.read_bytes()
    result = cli(config, *args)
    assert result.returncode != 0
    assert message in " ".join(result.stderr.split())
    assert config.routes_path.read_bytes() == before


def test_migrate_then_rollback_through_the_cli(running: tuple[Config, dict[str, Any]]) -> None:
    config, status = running
    token, gateway = demo_token(config), status["gateway"]
    assert fetch(f"{gateway}/rides", token) == (200, "monolith")

    migrated = cli(config, "migrate", "/rides")
    assert migrated.returncode == 0, migrated.stderr
    assert "[2/4] parity check" in migrated.stderr
    assert fetch(f"{gateway}/rides", token) == (200, "lambda")
    assert fetch(f"{gateway}/unicorns", token) == (200, "monolith")
    again = cli(config, "migrate", "/rides")
    assert again.returncode != 0 and "already migrated" in again.stderr

    shown = json.loads(cli(config, "routes", "--json").stdout)
    targets = {r["route"]: r["target"] for r in shown["routes"]}
    assert targets == {
        "$default": "monolith",
        "ANY /rides": "wildrydes",
        "ANY /rides/{proxy+}": "wildrydes",
    }

    rolled = cli(config, "rollback", "/rides")
    assert rolled.returncode == 0, rolled.stderr
    assert fetch(f"{gateway}/rides", token) == (200, "monolith")
    ledger = [
        json.loads(line)
        for line in config.routes_path.with_name("routes.ledger.jsonl").read_text().splitlines()
    ]
    assert [e["action"] for e in ledger] == ["migrate", "rollback"]
    assert ledger[0]["parity"]["checked"] >= 1 and ledger[0]["parity"]["mismatched"] == []
    assert ledger[1]["after"] == {"ANY /rides": None, "ANY /rides/{proxy+}": None}


def test_the_demo_serves_and_moves_its_own_table_and_up_serves_the_projects_again(
    running: tuple[Config, dict[str, Any]],
) -> None:
    """What ``make demo`` does to a running stack, then its ``next:`` hint and ``make up``."""
    config, status = running
    token, gateway = demo_token(config), status["gateway"]
    project = {p: p.read_bytes() for p in config.routes_path.parent.glob("routes*")}

    demo = demo_config(config, lambda _: None)
    assert LocalStack(demo).up()["gateway"] == gateway  # restarted on the demo's table, same URL
    assert LocalStack(config).status()["route_table"] == str(demo.routes_path)
    migrate(demo, "/rides")
    assert fetch(f"{gateway}/rides", token) == (200, "lambda")
    listed = json.loads(cli(config, "routes", "--json").stdout)  # the table in force
    assert {r["route"]: r["target"] for r in listed["routes"]}["ANY /rides"] == "wildrydes"
    rolled = cli(config, "rollback", "/rides")
    assert rolled.returncode == 0, rolled.stderr
    assert fetch(f"{gateway}/rides", token) == (200, "monolith")

    assert {p: p.read_bytes() for p in config.routes_path.parent.glob("routes*")} == project
    ledger = demo.routes_path.with_name("routes.ledger.jsonl").read_text().splitlines()
    assert [json.loads(line)["action"] for line in ledger] == ["migrate", "rollback"]

    assert LocalStack(config).up()["gateway"] == gateway
    assert LocalStack(config).status()["route_table"] == str(config.routes_path)
    assert fetch(f"{gateway}/unicorns", token) == (200, "monolith")


def test_openapi_export_carries_the_integrations(running: tuple[Config, dict[str, Any]]) -> None:
    config, _ = running
    document = json.loads(cli(config, "routes", "--openapi").stdout)
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/$default"]["x-amazon-apigateway-any-method"]
    assert operation["x-amazon-apigateway-integration"]["type"] == "http_proxy"


def test_a_parity_mismatch_aborts_and_changes_nothing(tmp_path: Path) -> None:
    # the function refuses every Host, so it answers 400 where the monolith answers 200
    config = write_config(
        tmp_path, '[functions.environment]\nDJANGO_ALLOWED_HOSTS = "nowhere.example"'
    )
    stack = LocalStack(config)
    try:
        stack.up()
        before = config.routes_path.read_bytes()
        with pytest.raises(StranglerError, match="parity check failed") as caught:
            migrate(config, "/rides")
        assert "status" in str(caught.value)
        assert config.routes_path.read_bytes() == before
        assert not config.routes_path.with_name("routes.ledger.jsonl").exists()
    finally:
        stack.down()


def test_flip_under_load_answers_every_request(running: tuple[Config, dict[str, Any]]) -> None:
    """About 200 requests/s while /rides moves to Lambda and back: 2 s before the move, 3 s on
    Lambda, 2 s after the rollback."""
    config, status = running
    token, url = demo_token(config), f"{status['gateway']}/rides"
    rate, workers = 200, 16
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    start = time.monotonic()
    end = [float("inf")]  # the schedule's end, set once the route is back: 2 s after that

    def client(offset: int) -> None:
        sent = offset
        while (due := start + sent / rate) < end[0]:
            time.sleep(max(0.0, due - time.monotonic()))
            outcome = fetch(url, token)
            with lock:
                results.append(outcome)
            sent += workers

    threads = [threading.Thread(target=client, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    migrate(config, "/rides")
    time.sleep(3)
    rollback(config, "/rides")
    end[0] = time.monotonic() + 2
    for thread in threads:
        thread.join()

    statuses = Counter(code for code, _ in results)
    served = Counter(target for _, target in results)
    assert len(results) >= rate * (end[0] - start) * 0.5  # answered, not dropped
    assert statuses == {200: len(results)}, statuses
    assert served["monolith"] > 0 and served["lambda"] > 0, served


def raw_get(gateway_url: str, path: str, header_lines: bytes) -> tuple[bytes, bytes, bytes]:
    """GET over a raw socket, so header bytes go out exactly as given: status line, the
    x-strangler-target header line, body."""
    parsed = urllib.parse.urlsplit(gateway_url)
    head = b"GET %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n" % (
        path.encode(),
        parsed.netloc.encode(),
        header_lines,
    )
    with socket.create_connection((parsed.hostname, parsed.port), timeout=60) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_bytes, _, body = answer.partition(b"\r\n\r\n")
    lines = head_bytes.split(b"\r\n")
    target = next(line for line in lines if line.lower().startswith(b"x-strangler-target:"))
    return lines[0], target.split(b":", 1)[1].strip(), body


def test_a_header_byte_that_is_not_utf8_gets_the_same_answer_on_both_paths(
    running: tuple[Config, dict[str, Any]],
) -> None:
    """The Lambda path is Mangum around the same Django: a header value it cannot encode was a
    function error (502) where the monolith answered 200. The gateway's event carries such a
    byte as U+FFFD, as API Gateway does (see tests/infra/local/gateway/test_events.py,
    ``test_header_bytes_reach_the_function_as_utf8_and_invalid_ones_as_u_fffd``)."""
    config, status = running
    gateway = status["gateway"]
    headers = b"Authorization: Bearer %s\r\nX-Note: caf\xe9\r\n" % demo_token(config).encode()
    status_line, target, monolith_body = raw_get(gateway, "/unicorns", headers)
    assert (status_line, target) == (b"HTTP/1.1 200 OK", b"monolith")
    migrate(config, "/unicorns")
    try:
        status_line, target, lambda_body = raw_get(gateway, "/unicorns", headers)
    finally:
        rollback(config, "/unicorns")
    assert (status_line, target) == (b"HTTP/1.1 200 OK", b"lambda")
    assert json.loads(lambda_body) == json.loads(monolith_body)
