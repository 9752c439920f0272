"""Every gateway setting reaches the gateway process whole: nothing is dropped on the way.

The settings go to a real ``python -m infra.local.gateway`` child as a file; the child prints
the settings it runs with, and a few requests show it acts on them.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.local.gateway import GatewaySettings, gateway_command
from infra.local.gateway.settings import load_settings
from infra.local.net import free_port
from infra.local.xray.protocol import parse_datagram
from strangler_core.errors import ConfigError
from strangler_core.traffic import read_captured
from tests.infra.local.gateway.conftest import ROUTES, FakeLambda, write_table

SETTINGS_LINE = "strangler gateway settings "


@pytest.fixture
def xray_daemon() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    try:
        yield sock
    finally:
        sock.close()


def _every_setting_changed(
    tmp_path: Path, upstream_url: str, lambda_url: str, daemon_port: int
) -> dict[str, Any]:
    routes = tmp_path / "routes.json"
    write_table(routes, ROUTES)
    return {
        "routes_path": str(routes),
        "monolith_url": upstream_url,
        "lambda_url": lambda_url,
        "host": "127.0.0.2",
        "port": free_port(),
        "access_log": str(tmp_path / "access.jsonl"),
        "capture_dir": str(tmp_path / "traffic"),
        "capture_max_bytes": 3 * 4096,
        "capture_files": 3,
        "target_header": "x-served-by",
        "allow_non_loopback": True,
        "reload_interval_s": 0.05,
        "max_body_bytes": 1000,
        "header_timeout_s": 5.0,
        "body_timeout_s": 6.0,
        "upstream_idle_timeout_s": 0.5,
        "api": {"api_id": "abc123", "account_id": "111122223333", "stage": "prod"},
        "xray_daemon_address": f"127.0.0.1:{daemon_port}",
        "trace_sample_rate": 0.25,
        "lambda_credentials": {
            "access_key_id": "AKIAGATEWAYSETTINGS1",
            "secret_access_key": "gateway-settings-secret",
        },
        "lambda_region": "eu-west-1",
    }


def test_every_setting_reaches_the_gateway_process(
    tmp_path: Path, upstream_url: str, fake_lambda: FakeLambda, xray_daemon: socket.socket
) -> None:
    values = _every_setting_changed(
        tmp_path, upstream_url, fake_lambda.url, xray_daemon.getsockname()[1]
    )
    # a setting added to the model but not here fails the test: it must be sent through too
    assert set(values) == set(GatewaySettings.model_fields)
    settings = GatewaySettings.model_validate(values)
    for name, info in GatewaySettings.model_fields.items():
        if not info.is_required():
            assert getattr(settings, name) != info.get_default(), f"{name} left at its default"

    argv = gateway_command(settings, tmp_path / "gateway.json")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert "listening on http://127.0.0.2:" in proc.stdout.readline()
        line = proc.stdout.readline()
        assert line.startswith(SETTINGS_LINE)
        # all of them, but the secret: it stays in the settings file, out of the log
        shown = {**values, "lambda_credentials": {"access_key_id": "AKIAGATEWAYSETTINGS1"}}
        assert json.loads(line[len(SETTINGS_LINE) :]) == shown

        conn = http.client.HTTPConnection("127.0.0.2", values["port"], timeout=10)
        sampled = {"X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"}
        conn.request("GET", "/status/201", headers=sampled)
        answer = conn.getresponse()
        answer.read()
        assert (answer.status, answer.headers["x-served-by"]) == (201, "monolith")
        conn.request("POST", "/upload", body=b"x" * 1001)
        too_big = conn.getresponse()
        too_big.read()
        assert too_big.status == 413
        conn.close()

        segment = parse_datagram(xray_daemon.recv(65536))
        assert segment["name"] == "abc123/prod"
        assert segment["aws"]["api_gateway"]["account_id"] == "111122223333"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    record = json.loads(Path(values["access_log"]).read_text().splitlines()[0])
    assert (record["path"], record["status"]) == ("/status/201", 201)
    captured = list(read_captured(tmp_path / "traffic"))
    assert [(r.method, r.target, r.status, r.body_complete) for r in captured] == [
        ("GET", "/status/201", 201, True),
        ("POST", "/upload", 413, False),
    ]
    assert ("X-Amzn-Trace-Id", sampled["X-Amzn-Trace-Id"]) in captured[0].headers


def test_settings_file_errors_name_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps({"routes_path": "r.json", "monolith_url": "http://m", "port": "80"}))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).splitlines() == [
        f"{path}: lambda_url: is required",
        f"{path}: port: must be an integer, got '80'",
    ]
