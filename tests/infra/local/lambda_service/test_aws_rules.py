"""AWS's rules for init and timeouts, against real awslambdaric sandbox processes.

The on-demand init limit is 10 s in production (checked on its own below); the service here
runs with ``init_timeout_s = 0.8`` so a slow init passes it in about a second.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.local.gateway import GatewaySettings, GatewayThread
from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.lambda_service.pool import provisioned_init_limit_s
from strangler_core.routes import parse_route_table, save_route_table
from tests.infra.local.lambda_service.test_service import invoke

pytestmark = [pytest.mark.stack, pytest.mark.timeout(60)]

INIT_LIMIT_S = 0.8
MAX_RESPONSE_BYTES = 6291556  # the figure in AWS's own Function.ResponseSizeTooLarge message

HANDLERS = textwrap.dedent(
    """
    import os
    import time

    time.sleep(float(os.environ.get("INIT_SLEEP_S", "0")))

    def remaining(event, context):
        return {"remaining_ms": context.get_remaining_time_in_millis(), "pid": os.getpid()}

    def sleep(event, context):
        time.sleep(event.get("seconds", 0))
        return {"pid": os.getpid()}

    def big(event, context):
        size = event.get("size") or event["queryStringParameters"]["size"]
        return "x" * int(size)
    """
)


def _spec(name: str, handler: str, code: Path, **kwargs: Any) -> FunctionSpec:
    return FunctionSpec(name=name, handler=f"rules.{handler}", code_paths=(str(code),), **kwargs)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaService]:
    code = tmp_path_factory.mktemp("code")
    (code / "rules.py").write_text(HANDLERS)
    functions = [
        # init 1.5 s > the 0.8 s limit; re-run within a 3 s timeout: fits
        _spec("slowinit", "remaining", code, timeout_s=3, environment={"INIT_SLEEP_S": "1.5"}),
        # init 2.5 s re-run within a 1 s timeout: does not fit
        _spec("tooslow", "remaining", code, timeout_s=1, environment={"INIT_SLEEP_S": "2.5"}),
        _spec(
            "provisioned",
            "remaining",
            code,
            provisioned_concurrency=1,
            environment={"INIT_SLEEP_S": "1.5"},
        ),
        _spec("deadline", "remaining", code, timeout_s=3, environment={"INIT_SLEEP_S": "0.3"}),
        _spec("timeout", "sleep", code, timeout_s=1),
        _spec("big", "big", code),
    ]
    settings = ServiceSettings(
        init_timeout_s=INIT_LIMIT_S, log_dir=str(tmp_path_factory.mktemp("logs"))
    )
    svc = LambdaService(settings, functions).start()
    try:
        yield svc
    finally:
        svc.stop()


def _tail(response: Any) -> str:
    return base64.b64decode(response.headers["x-amz-log-result"]).decode()


def _report_line(log: str) -> str:
    return next(line for line in log.splitlines() if line.startswith("REPORT"))


def _record(service: LambdaService, request_id: str) -> dict[str, Any]:
    lines = (Path(service.settings.log_dir) / "reports.jsonl").read_text().splitlines()
    return next(r for r in map(json.loads, lines) if r["request_id"] == request_id)


def _field(report: str, name: str) -> float:
    value = next(f for f in report.split("\t") if f.startswith(f"{name}: "))
    return float(value.split(": ")[1].split()[0])


def test_on_demand_init_limit_is_ten_seconds() -> None:
    """Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle",
    Init phase: "The Init phase is limited to 10 seconds"."""
    assert ServiceSettings().init_timeout_s == 10.0


def test_provisioned_init_limit_is_130_s_or_the_timeout() -> None:
    """Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle",
    Init phase note: the 10 s timeout does not apply to provisioned concurrency; "The time
    limit is 130 seconds or the configured function timeout (maximum 900 seconds), whichever
    is higher"."""
    assert provisioned_init_limit_s(3) == 130.0
    assert provisioned_init_limit_s(900) == 900.0


def test_slow_init_is_suppressed_and_rerun_within_the_timeout(service: LambdaService) -> None:
    """Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle":
    "If all three tasks do not complete within 10 seconds, Lambda retries the Init phase at the
    time of the first function invocation with the configured function timeout." Billing: a
    suppressed init's REPORT has no Init Duration and its Duration holds the re-run init
    (measured on AWS in "When is the Lambda Init Phase Free, and when is it Billed?", L. van
    Donkersgoed: a 10 s init showed Init Duration "-", Duration 12,079.53 ms, Billed 12,080 ms).
    """
    response = invoke(service.url, "slowinit", {}, {"X-Amz-Log-Type": "Tail"})
    assert response.status == 200
    assert "x-amz-function-error" not in response.headers
    log = _tail(response)
    init_report = next(line for line in log.splitlines() if line.startswith("INIT_REPORT"))
    assert init_report.endswith("\tPhase: init\tStatus: timeout")
    report = _report_line(log)
    assert "Init Duration" not in report
    duration = _field(report, "Duration")
    assert duration >= 1500  # the re-run init (1.5 s sleep) is inside the invoke phase
    assert _field(report, "Billed Duration") == math.ceil(duration)
    body = response.json()
    assert isinstance(body, dict)
    assert body["remaining_ms"] <= 1500  # the re-run init used part of the 3 s timeout
    record = _record(service, response.headers["x-amzn-requestid"])
    assert record["status"] == "success"
    assert record["init_ms"] is None
    assert record["suppressed_init_ms"] >= INIT_LIMIT_S * 1000
    assert record["billed_ms"] == math.ceil(duration)
    again = invoke(service.url, "slowinit", {})
    assert again.json()["pid"] == body["pid"]  # type: ignore[index]  # the sandbox stays warm


def test_suppressed_init_that_outlasts_the_timeout_times_out(service: LambdaService) -> None:
    """Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle": the
    retried Init runs "with the configured function timeout"; "Configuring Lambda function
    timeout": past it the invocation ends as "Task timed out after 1.00 seconds"."""
    response = invoke(service.url, "tooslow", {}, {"X-Amz-Log-Type": "Tail"})
    assert response.status == 200
    assert response.headers["x-amz-function-error"] == "Unhandled"
    body = response.json()
    assert isinstance(body, dict)
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    report = _report_line(_tail(response))
    assert "\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\t" in report
    assert report.endswith("\tStatus: timeout")
    assert "Init Duration" not in report


def test_provisioned_init_is_not_cut_at_the_on_demand_limit(service: LambdaService) -> None:
    """Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle": "The
    10-second timeout doesn't apply to functions that are using provisioned concurrency"; its
    1.5 s init here passes the service's 0.8 s on-demand limit, and the sandbox is ready."""
    response = invoke(service.url, "provisioned", {})
    assert response.status == 200
    assert "x-amz-function-error" not in response.headers
    assert "x-strangler-init-duration-ms" not in response.headers
    assert service.metrics()["functions"]["provisioned"]["cold_starts"] == 0  # type: ignore[index]


def test_cold_start_deadline_is_the_full_timeout(service: LambdaService) -> None:
    """Lambda Developer Guide, "Understanding the Lambda execution environment lifecycle",
    Invoke phase: "The function's timeout setting limits the duration of the entire Invoke
    phase"; the Init before it does not count, so after a 0.3 s init the handler still has
    nearly all of its 3 s (Lambda-Runtime-Deadline-Ms from the invoke's start)."""
    response = invoke(service.url, "deadline", {})
    assert response.status == 200
    assert "x-strangler-init-duration-ms" in response.headers
    assert response.json()["remaining_ms"] > 2700  # type: ignore[index]


def test_warm_timeout_reports_the_timeout_exactly(service: LambdaService) -> None:
    """Lambda's REPORT line for a timed-out invoke shows the timeout itself, as on AWS:
    "Duration: 3000.00 ms Billed Duration: 3000 ms ... Status: timeout" for a 3 s timeout
    (A. Stuyvenberg, "Avoiding the Lambda Doom Loop"; Lambda Developer Guide, "Configuring
    Lambda function timeout")."""
    assert invoke(service.url, "timeout", {"seconds": 0}).status == 200  # now warm
    response = invoke(service.url, "timeout", {"seconds": 5}, {"X-Amz-Log-Type": "Tail"})
    assert response.headers["x-amz-function-error"] == "Unhandled"
    report = _report_line(_tail(response))
    assert "\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\t" in report
    assert report.endswith("\tStatus: timeout")
    record = _record(service, response.headers["x-amzn-requestid"])
    assert (record["duration_ms"], record["billed_ms"]) == (1000.0, 1000)


def test_response_over_6_mb_is_function_response_size_too_large(service: LambdaService) -> None:
    """Lambda Developer Guide, "Lambda quotas": invocation payload (request and response) 6 MB
    for synchronous invocations. Over it, Invoke answers 200 with X-Amz-Function-Error and
    {"errorType": "Function.ResponseSizeTooLarge", "errorMessage": "Response payload size
    exceeded maximum allowed payload size (6291556 bytes)."} (Z. Charles, "Deep Dive: Lambda's
    Response Payload Size Limit": "Lambda still returns a 200 status code")."""
    at_limit = invoke(service.url, "big", {"size": MAX_RESPONSE_BYTES - 2})  # + 2 quotes
    assert at_limit.status == 200 and "x-amz-function-error" not in at_limit.headers
    assert len(at_limit.body) == MAX_RESPONSE_BYTES
    over = invoke(service.url, "big", {"size": MAX_RESPONSE_BYTES - 1})
    assert over.status == 200
    assert over.headers["x-amz-function-error"] == "Unhandled"
    assert over.json() == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": (
            f"Response payload size exceeded maximum allowed payload size "
            f"({MAX_RESPONSE_BYTES} bytes)."
        ),
    }
    assert invoke(service.url, "big", {"size": 2}).status == 200  # the function still answers


def test_gateway_answers_502_to_a_response_over_6_mb(
    service: LambdaService, tmp_path: Path
) -> None:
    """Lambda Developer Guide, "Handling Lambda errors with an API Gateway API": "If the
    function runs but returns an error ... API Gateway returns a 502"."""
    routes = tmp_path / "routes.json"
    table = {
        "version": 1,
        "routes": [
            {"route_key": "GET /big", "integration": {"type": "AWS_PROXY", "function": "big"}}
        ],
    }
    save_route_table(parse_route_table(table, str(routes)), routes)
    settings = GatewaySettings(
        routes_path=routes, monolith_url="http://127.0.0.1:9", lambda_url=service.url, port=0
    )
    thread = GatewayThread(settings)
    url = thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=30)
        conn.request("GET", f"/big?size={MAX_RESPONSE_BYTES}")
        answer = conn.getresponse()
        status, body = answer.status, answer.read()
        conn.close()
    finally:
        thread.stop()
    assert status == 502
    assert json.loads(body) == {"message": "Internal Server Error"}
