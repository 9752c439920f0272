"""Tracing on versus off: warm-path latency overhead at p50, both paths, in the same run.

    .venv/bin/python bench/bench_tracing.py [--requests 1000] [--rate 1.0] [--control]

Starts an embedded PostgreSQL, then two identical stacks side by side (gunicorn monolith,
local Lambda service with one warm sandbox, gateway): one with STRANGLER_TRACING=1 sending to
an in-process X-Ray collector, one with tracing off. Requests alternate between the two stacks
(off, on, off, on, ...) so machine noise hits both alike; each path is warmed up first. Prints
p50/p90 per path and stack, and the overhead at p50 as ms and as a ratio. ``--control`` runs
the same with tracing off on both stacks (an A/A run: the difference is the noise floor).
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from percentiles import percentile

from infra.local.gateway import GatewaySettings, GatewayThread
from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.net import free_port
from infra.local.postgres import EmbeddedPostgres
from infra.local.xray import XRayCollector
from strangler.profiles.wildrydes.tokens import rider_token
from strangler_core.routes import parse_route_table, save_route_table

REPO = Path(__file__).resolve().parents[1]
SECRET = "bench-tracing-secret"
PATHS = {"monolith": "/unicorns/nonexistent", "lambda": "/unicorns"}


def django_env(url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "monolith.settings",
        "DATABASE_URL": url,
        "WILDRYDES_TOKEN_SECRET": SECRET,
    }


def start_stack(
    stack: ExitStack, url: str, work: Path, name: str, xray: str | None, rate: float
) -> str:
    tracing = {"STRANGLER_TRACING": "1"} if xray else {}
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("STRANGLER_TRACING")},
        **django_env(url),
        **tracing,
        "STRANGLER_TRACING_SAMPLE_RATE": str(rate),
        "PYTHONPATH": str(REPO),
    }
    if xray:
        env["AWS_XRAY_DAEMON_ADDRESS"] = xray
    log = stack.enter_context((work / f"{name}-gunicorn.log").open("wb"))
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "monolith.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    stack.callback(gunicorn.wait, 10)
    stack.callback(gunicorn.terminate)
    spec = FunctionSpec(
        name="wildrydes",
        handler="serverless.handler.handler",
        code_paths=(str(REPO),),
        memory_mb=1024,
        environment={**django_env(url), **tracing},
    )
    settings = ServiceSettings(
        port=0,
        log_dir=str(work / f"{name}-lambda-logs"),
        enforce_limits="off",
        xray_daemon_address=xray,
        trace_sample_rate=rate,
    )
    service = stack.enter_context(LambdaService(settings, [spec]))
    routes = work / f"{name}-routes.json"
    monolith = {"type": "HTTP_PROXY", "target": "monolith"}
    function = {"type": "AWS_PROXY", "function": "wildrydes"}
    table = {
        "version": 1,
        "routes": [
            {"route_key": "$default", "integration": monolith},
            {"route_key": "GET /unicorns", "integration": function},
        ],
    }
    save_route_table(parse_route_table(table, str(routes)), routes)
    gateway = GatewayThread(
        GatewaySettings(
            routes_path=routes,
            monolith_url=f"http://127.0.0.1:{port}",
            lambda_url=service.url,
            port=0,
            xray_daemon_address=xray,
            trace_sample_rate=rate,
        )
    )
    gateway_url = gateway.start()
    stack.callback(gateway.stop)
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            conn.getresponse().read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    return gateway_url


class Client:
    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Authorization": f"Bearer {rider_token(SECRET, 'demo')}"}

    def get_ms(self, path: str) -> float:
        start = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status not in (200, 404):
            raise RuntimeError(f"{path}: {response.status}")
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per path and stack")
    parser.add_argument("--rate", type=float, default=1.0, help="sample rate with tracing on")
    parser.add_argument(
        "--control",
        action="store_true",
        help="A/A run: the second stack has tracing off too (shows the noise floor)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-tracing-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        pg = EmbeddedPostgres(work / "pgdata", port=free_port(), database="wildrydes")
        url = pg.start().url
        stack.callback(pg.stop)
        env = {**os.environ, **django_env(url), "PYTHONPATH": str(REPO)}
        for command in (["migrate", "--noinput"], ["seed_wildrydes", "--unicorns", "5"]):
            subprocess.run([sys.executable, "-m", "django", *command], env=env, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        collector = stack.enter_context(XRayCollector(port=0, out=work / "segments.jsonl"))
        urls = {
            "off": start_stack(stack, url, work, "off", None, args.rate),
            "on": start_stack(
                stack, url, work, "on", None if args.control else collector.address, args.rate
            ),
        }
        clients = {mode: Client(u) for mode, u in urls.items()}
        samples: dict[tuple[str, str], list[float]] = {}
        for path_name, path in PATHS.items():
            for _ in range(50):  # warm up: cold start, connection pools, caches
                for client in clients.values():
                    client.get_ms(path)
            for _ in range(args.requests):
                for mode, client in clients.items():
                    samples.setdefault((path_name, mode), []).append(client.get_ms(path))
        time.sleep(0.5)
        stats = collector.stats()
        print(f"{args.requests} warm requests per path and stack, interleaved; "
              f"sample rate {args.rate}; {os.cpu_count()} cores")  # fmt: skip
        print(f"{'path':<9} {'tracing':<8} {'p50 ms':>8} {'p90 ms':>8} {'mean ms':>8}")
        for (path_name, mode), values in samples.items():
            print(
                f"{path_name:<9} {mode:<8} {percentile(values, 0.5):8.3f} "
                f"{percentile(values, 0.9):8.3f} {statistics.fmean(values):8.3f}"
            )
        for path_name in PATHS:
            off = percentile(samples[(path_name, "off")], 0.5)
            on = percentile(samples[(path_name, "on")], 0.5)
            print(f"{path_name}: overhead at p50 {on - off:+.3f} ms ({on / off:.2f}x)")
        print(f"collector: {stats.segments} segments, {stats.malformed} malformed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
