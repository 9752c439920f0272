"""The Invoke and Runtime APIs run on one event loop: a connection costs no thread (issue 14).

With a thread per connection (http.server's ThreadingHTTPServer, a thread per runtime
connection) every open keep-alive connection held a thread, and each warm invoke handed the
GIL between them (~100 futex calls per invoke, measured with strace).
"""

from __future__ import annotations

import http.client
import json
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings

pytestmark = [pytest.mark.timeout(120)]

INVOKE = "/2015-03-31/functions/sleepy/invocations"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LambdaService]:
    code = tmp_path / "code"
    code.mkdir()
    (code / "handlers.py").write_text(
        textwrap.dedent(
            """
            import time

            def sleepy(event, context):
                time.sleep(event.get("sleep", 0))
                return {"slept": event.get("sleep", 0)}
            """
        )
    )
    settings = ServiceSettings(port=0, log_dir=str(tmp_path / "logs"), enforce_limits="off")
    functions = [FunctionSpec(name="sleepy", handler="handlers.sleepy", code_paths=(str(code),))]
    with LambdaService(settings, functions) as svc:
        yield svc


def _connect(service: LambdaService) -> http.client.HTTPConnection:
    parts = urlsplit(service.url)
    assert parts.hostname is not None and parts.port is not None
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def _invoke(conn: http.client.HTTPConnection, event: dict[str, float]) -> dict[str, object]:
    conn.request("POST", INVOKE, json.dumps(event).encode())
    answer = conn.getresponse()
    assert answer.status == 200
    result: dict[str, object] = json.loads(answer.read())
    return result


def test_open_connections_and_warm_sandboxes_hold_no_thread_each(
    service: LambdaService,
) -> None:
    """Four sandboxes started by four concurrent invokes (each sandbox's process waiter is
    its one thread), then 16 keep-alive connections that each had an invoke answered and
    stay open: the service's thread count does not grow with them."""
    warm = [_connect(service) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: _invoke(c, {"sleep": 0.5}), warm))
    assert results == [{"slept": 0.5}] * 4
    metrics = service.metrics()["functions"]
    assert isinstance(metrics, dict) and metrics["sleepy"]["sandboxes"]["warm"] == 4
    before = threading.active_count()
    held = [_connect(service) for _ in range(16)]
    for conn in held:
        assert _invoke(conn, {"sleep": 0}) == {"slept": 0}
    assert threading.active_count() <= before
    for conn in (*warm, *held):
        conn.close()
