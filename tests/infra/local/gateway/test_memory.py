"""The gateway process's memory under large Lambda-route bodies, read from /proc (Linux).

A real gateway process (``python -m infra.local.gateway``), 20 clients at once each posting a
9.9 MiB body to an AWS_PROXY route, an Invoke API stand-in that decodes every event it gets.
Asserted: every body arrived whole, and bounds on the process's resident memory (VmRSS) while
the bodies are in flight and once they are answered: bounds, not timings.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from infra.local.gateway import GatewaySettings, gateway_command
from tests.infra.local.gateway.conftest import write_table

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

CLIENTS = 20
BODY = (bytes(range(256)) * (40 * 1024))[: int(9.9 * 1024 * 1024)]
MIB = 1024 * 1024


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


class _InvokeApi(BaseHTTPRequestHandler):
    """Invoke API stand-in: decodes each event's body and answers its length and SHA-256."""

    protocol_version = "HTTP/1.1"
    checking = threading.Lock()  # one event decoded at a time: the test's own memory stays low

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        payload = self.rfile.read(int(self.headers["Content-Length"]))
        with self.checking:
            event = json.loads(payload)
            body = base64.b64decode(event["body"]) if event["isBase64Encoded"] else b""
            answer = f"{len(body)} {hashlib.sha256(body).hexdigest()}"
            del payload, event, body
        result = json.dumps({"statusCode": 200, "body": answer}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(result)))
        self.end_headers()
        self.wfile.write(result)


@pytest.fixture
def gateway_process(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """A gateway process with one AWS_PROXY route, ``POST /upload``: its pid and port."""
    invoke_api = ThreadingHTTPServer(("127.0.0.1", 0), _InvokeApi)
    invoke_api.daemon_threads = True
    threading.Thread(target=invoke_api.serve_forever, daemon=True).start()
    routes = tmp_path / "routes.json"
    write_table(
        routes,
        {
            "version": 1,
            "routes": [
                {
                    "route_key": "POST /upload",
                    "integration": {"type": "AWS_PROXY", "function": "upload"},
                },
            ],
        },
    )
    settings = GatewaySettings(
        routes_path=routes,
        monolith_url="http://127.0.0.1:9",
        lambda_url=f"http://127.0.0.1:{invoke_api.server_address[1]}",
        port=0,
        # waiting for the body budget is the gateway's doing, not a slow client's: it must not
        # count against the body read timeout, however long the wait (here several seconds)
        body_timeout_s=3.0,
    )
    argv = gateway_command(settings, tmp_path / "gateway.json")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[4]
        yield proc.pid, int(url.rsplit(":", 1)[1])
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        invoke_api.shutdown()
        invoke_api.server_close()


def upload(port: int) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", "/upload", body=BODY, headers={"Content-Type": "image/png"})
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def test_concurrent_large_bodies_to_a_lambda_route_keep_the_gateway_memory_bounded(
    gateway_process: tuple[int, int],
) -> None:
    pid, port = gateway_process
    assert upload(port)[0] == 200  # warm: the first request's imports and pools
    before = rss_bytes(pid)
    peak = before
    results: list[tuple[int, bytes]] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.005):
            peak = max(peak, rss_bytes(pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    clients = [
        threading.Thread(target=lambda: results.append(upload(port))) for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    done.set()
    sampler.join()
    after = rss_bytes(pid)

    expected = f"{len(BODY)} {hashlib.sha256(BODY).hexdigest()}".encode()
    assert results == [(200, expected)] * CLIENTS
    figures = (
        f"RSS {before / MIB:.0f} MiB before, {peak / MIB:.0f} at most, {after / MIB:.0f} after"
    )
    # 20 bodies held at once with their base64 and JSON copies were ~470 MiB more, ~300 kept
    assert (peak - before) / MIB < 128, figures  # the body budget (48 MiB) and passing copies
    assert (after - before) / MIB < 32, figures
