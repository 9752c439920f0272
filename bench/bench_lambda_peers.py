"""The Lambda path against serverless-offline: warm latency and throughput, in one run.

    .venv/bin/python bench/bench_lambda_peers.py [--requests 2000] [--seconds 5] [--clients 8]
        [--limits auto|off] [--wildrydes]

The peer is npm's ``serverless@3`` with ``serverless-offline@13`` (``httpApi`` events, payload
2.0), installed by this benchmark into a cache directory when missing; when it cannot be
installed the benchmark says so and exits 0. Both sides serve the same handler on the same
Python (this interpreter's virtual environment) behind an HTTP API route:

- ours: the gateway (``python -m infra.local.gateway``) with an AWS_PROXY route, and the local
  Lambda service (``python -m infra.local.lambda_service``, REPORT lines, limits as
  ``--limits``), two processes, as a stack runs them;
- the peer: ``serverless offline`` (one warm Python process per concurrent request, over
  stdin/stdout; no limits, no REPORT lines).

1. Warm latency: ``--requests`` sequential requests per side on one keep-alive connection each,
   alternating ours, peer, ours, ... (after a warm-up), p50/p90/p99 and the ratio ours/peer.
2. Throughput: ``--clients`` closed-loop keep-alive clients for ``--seconds``, the sides taking
   turns for three rounds each (after a warm-up at that concurrency); requests per second.

``--wildrydes`` adds the Wild Rydes function (``serverless.handler.handler``, GET /unicorns as
a rider) on an embedded, seeded PostgreSQL: warm latency only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lambda_process import start_service, stop_service  # noqa: E402
from peers import PeerMissing, serverless_offline, wait_for_port  # noqa: E402
from percentiles import percentile  # noqa: E402
from rawhttp import Connection, closed_loop, request_bytes  # noqa: E402

from infra.local.gateway import GatewaySettings, gateway_command  # noqa: E402
from infra.local.lambda_service.spec import (  # noqa: E402
    FunctionSpec,
    ServiceConfig,
    ServiceSettings,
)
from infra.local.net import free_port  # noqa: E402
from strangler_core.routes import parse_route_table, save_route_table  # noqa: E402

TRIVIAL = textwrap.dedent(
    """
    def handler(event, context):
        return {"statusCode": 200, "body": "ok"}
    """
)
TOKEN_SECRET = "bench-peers-secret"


async def latency(ports: dict[str, int], request: bytes, count: int) -> dict[str, list[float]]:
    clients = {name: await Connection.open(port) for name, port in ports.items()}
    for _ in range(50):  # warm-up: cold starts, pools, caches
        for client in clients.values():
            await client.get(request)
    samples: dict[str, list[float]] = {name: [] for name in ports}
    for i in range(count):
        order = list(clients.items())
        for name, client in order if i % 2 else reversed(order):
            samples[name].append(await client.get(request))
    for client in clients.values():
        client.close()
    return samples


async def throughput(
    ports: dict[str, int], request: bytes, clients: int, seconds: float
) -> dict[str, float]:
    for port in ports.values():  # warm-up: as many warm sandboxes / workers as clients
        await closed_loop(port, request, clients, 1.0)
    rounds: dict[str, list[float]] = {name: [] for name in ports}
    for _ in range(3):
        for name, port in ports.items():
            rounds[name].append(await closed_loop(port, request, clients, seconds / 3))
    return {name: statistics.fmean(values) for name, values in rounds.items()}


def start_ours(
    stack: ExitStack,
    work: Path,
    function: FunctionSpec,
    path: str,
    limits: Literal["auto", "off"],
) -> int:
    """Lambda service and gateway, each its own process; the gateway's port."""
    settings = ServiceSettings(port=0, log_dir=str(work / "lambda-logs"), enforce_limits=limits)
    config = work / "service.json"
    config.write_text(ServiceConfig(settings=settings, functions=(function,)).model_dump_json())
    service, lambda_url, _ = start_service(config)
    stack.callback(stop_service, service)
    routes = work / "routes.json"
    table = {
        "version": 1,
        "routes": [
            {
                "route_key": f"GET {path}",
                "integration": {"type": "AWS_PROXY", "function": function.name},
            }
        ],
    }
    save_route_table(parse_route_table(table, str(routes)), routes)
    port = free_port()
    gateway_settings = GatewaySettings(
        routes_path=routes, monolith_url="http://127.0.0.1:9", lambda_url=lambda_url, port=port
    )
    gateway = subprocess.Popen(
        gateway_command(gateway_settings, work / "gateway.json"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    stack.callback(gateway.wait, 30)
    stack.callback(gateway.terminate)
    wait_for_port(port, 30, "the gateway")
    return port


SERVERLESS_YML = """\
service: bench
frameworkVersion: '3'
provider:
  name: aws
  runtime: python3.11
  environment: {environment}
plugins:
  - serverless-offline
functions:
  {name}:
    handler: {handler}
    timeout: 30
    events:
      - httpApi:
          method: GET
          path: {path}
"""


def start_peer(
    stack: ExitStack,
    script: Path,
    service_dir: Path,
    *,
    name: str,
    handler: str,
    path: str,
    environment: dict[str, str],
) -> int:
    """``serverless offline`` for one function in ``service_dir``; its HTTP port."""
    (service_dir / "serverless.yml").write_text(
        SERVERLESS_YML.format(
            environment=json.dumps(environment), name=name, handler=handler, path=path
        )
    )
    node_modules = service_dir / "node_modules"
    if not node_modules.exists():
        node_modules.symlink_to(script.parents[2])
    port, lambda_port = free_port(), free_port()
    venv_bin = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(Path(sys.executable).parents[1]),
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
    }
    log = stack.enter_context((service_dir / "offline.log").open("wb"))
    peer = subprocess.Popen(
        ["node", str(script), "offline", "--httpPort", str(port), "--lambdaPort",
         str(lambda_port), "--noPrependStageInUrl"],
        cwd=service_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    stack.callback(peer.wait, 30)
    stack.callback(peer.terminate)
    wait_for_port(port, 60, "serverless-offline")
    return port


def report_latency(title: str, samples: dict[str, list[float]]) -> None:
    print(f"\n{title}: {len(samples['ours'])} warm requests per side, interleaved; ms")
    print(f"{'':>22} {'p50':>8} {'p90':>8} {'p99':>8} {'mean':>8}")
    rows = {}
    for name, values in samples.items():
        rows[name] = [percentile(values, q) for q in (0.5, 0.9, 0.99)]
        cells = " ".join(f"{x:8.3f}" for x in rows[name])
        print(f"{name:>22} {cells} {statistics.fmean(values):8.3f}")
    ratios = " ".join(f"{o / p:8.2f}" for o, p in zip(rows["ours"], rows["peer"], strict=True))
    print(f"{'ours / peer':>22} {ratios}")


def wildrydes(
    stack: ExitStack, work: Path, script: Path, limits: Literal["auto", "off"], count: int
) -> None:
    from infra.local.postgres import EmbeddedPostgres
    from strangler.profiles.wildrydes.tokens import rider_token

    pg = EmbeddedPostgres(work / "pgdata", port=free_port(), database="wildrydes")
    url = pg.start().url
    stack.callback(pg.stop)
    env = {
        "DJANGO_SETTINGS_MODULE": "monolith.settings",
        "DATABASE_URL": url,
        "WILDRYDES_TOKEN_SECRET": TOKEN_SECRET,
    }
    run_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    for command in (["migrate", "--noinput"], ["seed_wildrydes", "--unicorns", "5"]):
        subprocess.run([sys.executable, "-m", "django", *command], env=run_env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    ours_dir, peer_dir = work / "wr-ours", work / "wr-peer"
    ours_dir.mkdir()
    peer_dir.mkdir()
    spec = FunctionSpec(
        name="wildrydes",
        handler="serverless.handler.handler",
        code_paths=(str(ROOT),),
        memory_mb=1024,
        environment=env,
    )
    ours = start_ours(stack, ours_dir, spec, "/unicorns", limits)
    for package in ("serverless", "monolith"):
        (peer_dir / package).symlink_to(ROOT / package)
    peer = start_peer(
        stack, script, peer_dir, name="wildrydes", handler="serverless/handler.handler",
        path="/unicorns", environment={**env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    token = rider_token(TOKEN_SECRET, "demo")
    request = request_bytes("/unicorns", {"Authorization": f"Bearer {token}"})
    samples = asyncio.run(latency({"ours": ours, "peer": peer}, request, count))
    report_latency("Wild Rydes function, GET /unicorns", samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="warm requests per side")
    parser.add_argument("--seconds", type=float, default=6.0, help="throughput time per side")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--limits", choices=("auto", "off"), default="auto")
    parser.add_argument("--wildrydes", action="store_true", help="also the Wild Rydes function")
    args = parser.parse_args()
    try:
        script = serverless_offline()
    except PeerMissing as exc:
        print(f"peer not available, nothing to compare against: {exc}")
        return 0
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        code, ours_dir, peer_dir = work / "code", work / "ours", work / "peer"
        for folder in (code, ours_dir, peer_dir):
            folder.mkdir()
        (code / "handler.py").write_text(TRIVIAL)
        (peer_dir / "handler.py").write_text(TRIVIAL)
        spec = FunctionSpec(name="trivial", handler="handler.handler", code_paths=(str(code),))
        ours = start_ours(stack, ours_dir, spec, "/trivial", args.limits)
        peer = start_peer(
            stack, script, peer_dir, name="trivial", handler="handler.handler",
            path="/trivial", environment={},
        )  # fmt: skip
        ports = {"ours": ours, "peer": peer}
        request = request_bytes("/trivial", {})
        samples = asyncio.run(latency(ports, request, args.requests))
        rps = asyncio.run(throughput(ports, request, args.clients, args.seconds))
        print(f"limits: {args.limits}")
        report_latency("trivial handler", samples)
        print(f"\ntrivial handler, {args.clients} clients, {args.seconds:g} s per side:")
        for name, value in rps.items():
            print(f"{name:>22} {value:8,.0f} req/s")
        print(f"{'ours / peer':>22} {rps['ours'] / rps['peer']:8.2f}x")
        if args.wildrydes:
            wildrydes(stack, work, script, args.limits, args.requests)
    print(f"\nload average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
