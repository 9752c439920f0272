"""Traces through the real parts: gateway -> gunicorn monolith, gateway -> Lambda service ->
awslambdaric sandbox (Mangum + Django), both with aws-xray-sdk on, into an in-process collector
on a free UDP port, against the real PostgreSQL."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.local.gateway import GatewaySettings, GatewayThread
from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.net import free_port
from infra.local.postgres import RunningDatabase
from infra.local.xray import XRayCollector
from strangler.measure.traces import render_trace
from strangler.profiles.wildrydes.tokens import rider_token
from strangler_core.routes import parse_route_table, save_route_table
from strangler_core.traces import Span, Trace, build_traces

pytestmark = pytest.mark.stack
REPO_ROOT = Path(__file__).resolve().parents[4]
SECRET = "tracing-test-secret"
FUNCTION = "wildrydes"


def django_env(database_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "monolith.settings",
        "DATABASE_URL": database_url,
        "WILDRYDES_TOKEN_SECRET": SECRET,
    }


@pytest.fixture(scope="module")
def seeded(postgres: RunningDatabase) -> RunningDatabase:
    env = {**os.environ, **django_env(postgres.url), "PYTHONPATH": str(REPO_ROOT)}
    for command in (
        ["migrate", "--noinput"],
        ["seed_wildrydes", "--unicorns", "5", "--riders", "3"],
    ):
        subprocess.run([sys.executable, "-m", "django", *command], env=env, check=True)
    return postgres


@pytest.fixture(scope="module")
def collector() -> Iterator[XRayCollector]:
    with XRayCollector(port=0, keep=True) as running:
        yield running


def wait_http(url_host: str, port: int, path: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn = http.client.HTTPConnection(url_host, port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def monolith(
    seeded: RunningDatabase, collector: XRayCollector, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("gunicorn") / "gunicorn.log").open("wb")
    env = {
        **os.environ,
        **django_env(seeded.url),
        "PYTHONPATH": str(REPO_ROOT),
        "STRANGLER_TRACING": "1",
        "AWS_XRAY_DAEMON_ADDRESS": collector.address,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "monolith.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http("127.0.0.1", port, "/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture(scope="module")
def lambda_service(
    seeded: RunningDatabase, collector: XRayCollector, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LambdaService]:
    spec = FunctionSpec(
        name=FUNCTION,
        handler="serverless.handler.handler",
        code_paths=(str(REPO_ROOT),),
        memory_mb=1024,
        environment={**django_env(seeded.url), "STRANGLER_TRACING": "1"},
    )
    settings = ServiceSettings(
        port=0,
        log_dir=str(tmp_path_factory.mktemp("lambda-logs")),
        enforce_limits="off",
        xray_daemon_address=collector.address,
    )
    with LambdaService(settings, [spec]) as running:
        yield running


@pytest.fixture(scope="module")
def gateway(
    monolith: str,
    lambda_service: LambdaService,
    collector: XRayCollector,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    routes = tmp_path_factory.mktemp("routes") / "routes.json"
    table = {
        "version": 1,
        "routes": [
            {"route_key": "$default", "integration": {"type": "HTTP_PROXY", "target": "monolith"}},
            {
                "route_key": "GET /unicorns",
                "integration": {"type": "AWS_PROXY", "function": FUNCTION},
            },
        ],
    }
    save_route_table(parse_route_table(table, str(routes)), routes)
    config = GatewaySettings(
        routes_path=routes,
        monolith_url=monolith,
        lambda_url=lambda_service.url,
        port=0,
        xray_daemon_address=collector.address,
    )
    thread = GatewayThread(config)
    url = thread.start()
    try:
        yield url
    finally:
        thread.stop()


def get(url: str, path: str) -> tuple[int, dict[str, str], Any]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {rider_token(SECRET, 'demo')}"})
    response = conn.getresponse()
    body = json.loads(response.read())
    return response.status, dict(response.getheaders()), body


def trace_root(headers: dict[str, str]) -> str:
    value = headers["X-Amzn-Trace-Id"]
    assert value.startswith("Root=1-") and value.endswith(";Sampled=1")
    return value.split(";")[0].removeprefix("Root=")


def wait_trace(collector: XRayCollector, root: str, done: Any) -> Trace:
    def ready(segments: list[dict[str, Any]]) -> bool:
        trace = build_traces(segments).get(root)
        return trace is not None and bool(done(trace))

    return build_traces(collector.wait_for(ready, timeout_s=20))[root]


def only(spans: list[Span]) -> Span:
    assert len(spans) == 1, spans
    return spans[0]


def children(span: Span, name: str | None = None, origin: str | None = None) -> list[Span]:
    return [
        c
        for c in span.children
        if (name is None or c.name == name) and (origin is None or c.origin == origin)
    ]


def sql_spans(span: Span) -> list[Span]:
    return [s for s in span.walk() if "sql" in s.document]


def has_sql_under_function(trace: Trace) -> bool:
    return any(s.origin == "AWS::Lambda::Function" and sql_spans(s) for s in trace.spans()) and any(
        s.origin == "AWS::ApiGateway::Stage" for s in trace.spans()
    )


def test_a_cold_lambda_request_nests_gateway_service_init_handler_sql(
    gateway: str, collector: XRayCollector
) -> None:
    status, headers, body = get(gateway, "/unicorns")
    assert status == 200 and len(body) == 5
    assert headers["x-strangler-cold-start"] == "1"
    trace = wait_trace(collector, trace_root(headers), has_sql_under_function)

    stage = only(list(trace.roots))
    assert stage.origin == "AWS::ApiGateway::Stage"
    service = only(children(stage, origin="AWS::Lambda"))
    assert service.name == FUNCTION
    function = only(children(service, origin="AWS::Lambda::Function"))
    assert {"Initialization", "Invocation", "Overhead"} <= {c.name for c in function.children}
    init = only(children(function, "Initialization"))
    invocation = only(children(function, "Invocation"))
    assert init.end is not None and init.end <= invocation.start + 0.001
    handler = only(children(function, FUNCTION))  # the SDK's Django middleware subsegment
    assert handler.start >= invocation.start - 0.001
    assert handler.end is not None and invocation.end is not None
    assert handler.end <= invocation.end + 0.001
    queries = sql_spans(handler)
    assert any("wildrydes_unicorn" in q.document["sql"]["sanitized_query"] for q in queries)
    assert stage.duration_ms >= service.duration_ms >= function.duration_ms > 0
    assert stage.document["http"]["response"]["status"] == 200

    tree = render_trace(collector.segments(), trace.trace_id)
    assert "Initialization" in tree and "AWS::Lambda::Function" in tree and "SELECT" in tree


def test_a_warm_lambda_request_has_no_initialization(
    gateway: str, collector: XRayCollector
) -> None:
    get(gateway, "/unicorns")  # make sure a sandbox is warm
    status, headers, _ = get(gateway, "/unicorns")
    assert status == 200 and "x-strangler-cold-start" not in headers
    trace = wait_trace(collector, trace_root(headers), has_sql_under_function)
    function = only([s for s in trace.spans() if s.origin == "AWS::Lambda::Function"])
    assert not children(function, "Initialization")
    assert children(function, "Invocation") and children(function, "Overhead")


def test_a_monolith_request_nests_gateway_django_sql(
    gateway: str, collector: XRayCollector
) -> None:
    status, headers, _ = get(gateway, "/unicorns/nonexistent-unicorn")  # $default: monolith
    assert status == 404
    root = trace_root(headers)

    def complete(trace: Trace) -> bool:
        names = {s.name for s in trace.spans()}
        return len(trace.roots) == 1 and {"wildrydes", "local/$default"} <= names

    trace = wait_trace(collector, root, complete)
    stage = only(list(trace.roots))
    django = only(children(stage, "wildrydes"))
    assert django.is_segment and django.parent_id == stage.id
    assert django.document["http"]["response"]["status"] == 404
    assert sql_spans(django)
    assert stage.document["http"]["response"]["status"] == 404


def test_the_callers_trace_id_and_decision_are_kept(gateway: str, collector: XRayCollector) -> None:
    root = "1-5759e988-bd862e3fe1be46a994272793"
    host, port = gateway.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/health", headers={"X-Amzn-Trace-Id": f"Root={root};Sampled=0"})
    response = conn.getresponse()
    response.read()
    assert response.getheader("X-Amzn-Trace-Id") == f"Root={root};Sampled=0"
    time.sleep(0.3)
    assert root not in {s["trace_id"] for s in collector.segments()}
