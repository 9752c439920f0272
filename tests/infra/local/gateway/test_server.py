"""The gateway as a whole: throttling, payload limit, access log, live reload and the CLI."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.local.gateway.settings import check_bind_address
from infra.local.net import free_port
from strangler_core.errors import ConfigError
from tests.infra.local.gateway.conftest import (
    ROUTES,
    FakeLambda,
    RunningGateway,
    routes_gateway,
    write_table,
)


def test_route_throttling_answers_429(gateway: RunningGateway) -> None:
    statuses = [gateway.request("GET", "/limited")[0] for _ in range(3)]
    assert statuses[:2] == [200, 200]
    status, headers, body = gateway.request("GET", "/limited")
    assert status == 429
    assert json.loads(body) == {"message": "Too Many Requests"}
    assert headers["apigw-requestid"]


def test_body_over_10_mb_answers_413(gateway: RunningGateway) -> None:
    for path in ("/fn/echo", "/upload"):
        with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {10 * 1024 * 1024 + 1}\r\n"
                "Content-Type: application/octet-stream\r\n\r\n".encode()
            )
            answer = sock.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413")
        assert b"apigw-requestid" in head.lower()
        assert json.loads(body) == {"message": "Request Entity Too Large"}


def _read_log(path: Path, request_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                if record["requestId"] == request_id:
                    return record
        time.sleep(0.02)
    raise AssertionError(f"no access log line for {request_id}")


def test_access_log_lines(gateway: RunningGateway) -> None:
    _, headers, _ = gateway.request("POST", "/fn/echo?q=1", body=b"{}")
    record = _read_log(gateway.access_log, headers["apigw-requestid"])
    assert record["httpMethod"] == "POST"
    assert record["routeKey"] == "ANY /fn/echo"
    assert record["path"] == "/fn/echo"
    assert record["status"] == 201
    assert record["protocol"] == "HTTP/1.1"
    assert record["target"] == "lambda"
    assert record["functionName"] == "echo"
    assert record["lambdaRequestId"] == headers["x-strangler-lambda-request-id"]
    assert record["coldStart"] is True
    assert record["integrationStatus"] == 200
    assert record["integrationLatency"] >= 0
    assert record["responseLength"] > 0
    assert record["ip"] == "127.0.0.1"

    _, headers, _ = gateway.request("GET", "/fn/boom")
    record = _read_log(gateway.access_log, headers["apigw-requestid"])
    assert record["status"] == 502
    assert "function error" in record["integrationErrorMessage"]

    _, headers, _ = gateway.request("GET", "/status/404")
    record = _read_log(gateway.access_log, headers["apigw-requestid"])
    assert (record["status"], record["target"], record["routeKey"]) == (404, "monolith", "$default")


@pytest.fixture
def reloading_gateway(
    tmp_path: Path, upstream_url: str, fake_lambda: FakeLambda
) -> Iterator[RunningGateway]:
    with routes_gateway(tmp_path, upstream_url, fake_lambda, reload_interval_s=0.02) as running:
        yield running


def _table_with_moving_route(target: str) -> dict[str, Any]:
    integration = (
        {"type": "AWS_PROXY", "function": "infer"}
        if target == "lambda"
        else {"type": "HTTP_PROXY", "target": "monolith"}
    )
    return {**ROUTES, "routes": [*ROUTES["routes"], {"route_key": "GET /moving",
                                                      "integration": integration}]}  # fmt: skip


def _wait_for_target(gateway: RunningGateway, target: str) -> None:
    deadline = time.monotonic() + 10
    while gateway.request("GET", "/moving")[1]["x-strangler-target"] != target:
        assert time.monotonic() < deadline, f"route table never switched to {target}"
        time.sleep(0.01)


def test_live_reload_drops_no_request(reloading_gateway: RunningGateway) -> None:
    gateway = reloading_gateway
    seen: Counter[tuple[int, str]] = Counter()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            status, headers, _ = gateway.request("GET", "/moving")
            seen[(status, headers["x-strangler-target"])] += 1

    threads = [threading.Thread(target=client) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for round_ in range(6):
            target = "lambda" if round_ % 2 == 0 else "monolith"
            write_table(gateway.routes_path, _table_with_moving_route(target))
            _wait_for_target(gateway, target)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert {status for status, _ in seen} == {200}
    assert {target for _, target in seen} == {"lambda", "monolith"}


def test_broken_table_is_ignored_until_fixed(reloading_gateway: RunningGateway) -> None:
    gateway = reloading_gateway
    write_table(gateway.routes_path, _table_with_moving_route("lambda"))
    _wait_for_target(gateway, "lambda")
    gateway.routes_path.write_text('{"version": 9, "routes": [{"route_key": "NOPE"}]}')
    gateway.thread.gateway.reload()  # type: ignore[union-attr]
    status, headers, _ = gateway.request("GET", "/moving")
    assert (status, headers["x-strangler-target"]) == (200, "lambda")
    write_table(gateway.routes_path, _table_with_moving_route("monolith"))
    _wait_for_target(gateway, "monolith")


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("192.0.2.10", False)],
)  # fmt: skip
def test_non_loopback_bind_is_refused(host: str, allowed: bool) -> None:
    if allowed:
        check_bind_address(host, allow_non_loopback=False)
    else:
        with pytest.raises(ConfigError, match="allow_non_loopback"):
            check_bind_address(host, allow_non_loopback=False)
        check_bind_address(host, allow_non_loopback=True)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "infra.local.gateway", *args]


def _settings_file(tmp_path: Path, **fields: Any) -> Path:
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps(fields))
    return path


def test_cli_starts_serves_and_stops_on_sigterm(
    tmp_path: Path, upstream_url: str, fake_lambda: FakeLambda
) -> None:
    routes = tmp_path / "routes.json"
    write_table(routes, ROUTES)
    port = free_port()
    settings = _settings_file(
        tmp_path,
        routes_path=str(routes),
        monolith_url=upstream_url,
        lambda_url=fake_lambda.url,
        port=port,
        access_log=str(tmp_path / "a.log"),
    )
    proc = subprocess.Popen(
        _cli("--settings", str(settings)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /status/201 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 201")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "a.log").read_text().count("\n") == 1


def test_cli_refuses_non_loopback_and_has_help(tmp_path: Path) -> None:
    routes = tmp_path / "routes.json"
    write_table(routes, ROUTES)
    settings = _settings_file(
        tmp_path,
        routes_path=str(routes),
        monolith_url="http://127.0.0.1:1",
        lambda_url="http://127.0.0.1:1",
        host="0.0.0.0",
    )
    refused = subprocess.run(
        _cli("--settings", str(settings)), capture_output=True, text=True, timeout=30
    )
    assert refused.returncode == 2
    assert "allow_non_loopback" in refused.stderr
    helped = subprocess.run(_cli("--help"), capture_output=True, text=True, timeout=30)
    assert helped.returncode == 0
    assert "--settings" in helped.stdout


def test_cli_reports_a_bad_route_table(tmp_path: Path) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text('{"version": 1, "routes": [{"route_key": "GET nope"}]}')
    settings = _settings_file(
        tmp_path,
        routes_path=str(routes),
        monolith_url="http://127.0.0.1:1",
        lambda_url="http://127.0.0.1:1",
        port=0,
    )
    result = subprocess.run(
        _cli("--settings", str(settings)), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "GET nope" in result.stderr


def test_cli_reports_a_bad_setting_naming_file_and_key(tmp_path: Path) -> None:
    settings = _settings_file(
        tmp_path,
        routes_path=str(tmp_path / "routes.json"),
        monolith_url="http://127.0.0.1:1",
        lambda_url="http://127.0.0.1:1",
        trace_sample_rate=1.5,
        reload_interval=0.2,
    )
    result = subprocess.run(
        _cli("--settings", str(settings)), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert f"{settings}: trace_sample_rate: must be <= 1" in result.stderr
    assert f"{settings}: reload_interval: unknown key" in result.stderr
