"""Gateway passthrough benchmark: overhead at a fixed rate, and maximum throughput on one core.

    .venv/bin/python bench/bench_gateway.py [--rate 500] [--seconds 10] [--connections 64]
        [--capture] [--baseline DIR --baseline-argv 'ARGV TEMPLATE']

Three processes: a trivial upstream (fixed 200 "ok" answer), the gateway
(``python -m infra.local.gateway``, pinned to one CPU with ``sched_setaffinity`` when the machine
has more than one), and this process as the load generator (raw keep-alive HTTP/1.1 over
asyncio, pinned to the other CPUs, together with the upstream).

1. Overhead: open-loop request streams at ``--rate`` each, one straight to the upstream and
   one through the gateway, interleaved in the same run; overhead = gateway latency minus direct
   latency at p50 and p99. With ``--capture`` a third stream goes through a second gateway that
   captures its traffic (``[gateway] capture``), so capture on and off share the run.
   With ``--baseline`` another stream goes through a gateway started from an earlier checkout
   (``DIR``, by ``--baseline-argv``, whose ``{routes}``, ``{upstream}`` and ``{port}`` are
   filled in, and ``{settings}``: a settings file of this tree's gateway with those, for a
   gateway that takes ``--settings FILE``), so two builds share one run.
   With ``--nginx``, Debian's nginx (one worker, keep-alive upstream connections; installed
   with apt-get when missing, skipped with a clear message when it cannot be) is one more
   stream, on the gateway's CPU: the peer's overhead and the gateway's in the same run.
2. Throughput: ``--connections`` closed-loop keep-alive connections through the gateway for
   ``--seconds``; requests per second completed (then the same through the capturing one).

Both phases also report the gateway's CPU time per request (from ``/proc/<pid>/task/*/
schedstat``, in ns): on a shared machine, latency percentiles mostly measure the run queue,
while CPU time per request still compares two builds of the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.local.gateway import GatewaySettings, gateway_command  # noqa: E402
from infra.local.gateway.settings import save_settings  # noqa: E402
from infra.local.net import free_port  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from peers import PeerMissing, nginx, start_nginx  # noqa: E402
from percentiles import percentile  # noqa: E402
from rawhttp import Connection, closed_loop, request_bytes  # noqa: E402

UPSTREAM_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    b"Connection: keep-alive\r\n\r\nok"
)
PING = request_bytes("/ping")


class _Upstream(asyncio.Protocol):
    """Answers every request head it sees; the benchmark only sends body-less GETs."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4 :]
            self.transport.write(UPSTREAM_ANSWER * count)


async def run_upstream(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Upstream, "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


async def fixed_rate(ports: dict[str, int], rate: float, seconds: float) -> dict[str, list[float]]:
    """Open loop: every 1/rate s one request to each port, on an idle pooled connection."""
    pools = {name: [await Connection.open(p) for _ in range(16)] for name, p in ports.items()}
    latencies: dict[str, list[float]] = {name: [] for name in ports}

    async def one(name: str) -> None:
        conn = pools[name].pop() if pools[name] else await Connection.open(ports[name])
        latencies[name].append(await conn.get(PING))
        pools[name].append(conn)

    tasks = []
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        # alternate which side goes first so neither is systematically favoured
        for name in ports if i % 2 else reversed(list(ports)):
            tasks.append(asyncio.create_task(one(name)))
    await asyncio.gather(*tasks)
    for pool in pools.values():
        for conn in pool:
            conn.close()
    return latencies


def cpu_seconds(pid: int) -> float:
    """CPU time of all of a process's threads so far (Linux schedstat, ns resolution)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def _spawn(argv: list[str], cpus: set[int] | None, cwd: Path = ROOT) -> subprocess.Popen[str]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=cwd)
    if cpus:
        os.sched_setaffinity(proc.pid, cpus)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"{argv} exited before it was ready")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--capture", action="store_true", help="also through a gateway capturing its traffic"
    )
    parser.add_argument(
        "--baseline", type=Path, metavar="DIR", help="also through a gateway from this checkout"
    )
    parser.add_argument(
        "--baseline-argv",
        help="how DIR starts its gateway, e.g. 'python -m strangler.gateway --routes {routes} "
        "--monolith-url {upstream} --lambda-url http://127.0.0.1:9 --port {port}' or "
        "'python -m infra.local.gateway --settings {settings}'",
    )
    parser.add_argument(
        "--nginx", action="store_true", help="also through Debian's nginx (the peer), same CPU"
    )
    parser.add_argument("--upstream", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if (args.baseline is None) != (args.baseline_argv is None):
        parser.error("--baseline and --baseline-argv go together")
    _use_uvloop()
    if args.upstream:
        asyncio.run(run_upstream(args.upstream))
        return

    cpus = sorted(os.sched_getaffinity(0))
    gateway_cpus = {cpus[0]} if len(cpus) > 1 else None
    other_cpus = set(cpus[1:]) if len(cpus) > 1 else None
    if other_cpus:
        os.sched_setaffinity(0, other_cpus)
    upstream_port = free_port()
    nginx_binary = None
    if args.nginx:
        try:
            nginx_binary = nginx()
        except PeerMissing as exc:
            print(f"peer not available, nginx skipped: {exc}")
    names = [
        "gateway",
        *(["capturing"] if args.capture else []),
        *(["baseline"] if args.baseline else []),
        *(["nginx"] if nginx_binary else []),
    ]
    gateway_ports = {name: free_port() for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        routes = Path(tmp) / "routes.json"
        routes.write_text(
            json.dumps(
                {
                    "version": 1,
                    "routes": [
                        {
                            "route_key": "$default",
                            "integration": {"type": "HTTP_PROXY", "target": "monolith"},
                        }
                    ],
                    # API Gateway's account default, 10,000 requests/s, would answer 429 past
                    # it and cap what is measured here; AWS raises that quota on request
                    "throttling": {"stage": {"rate": 1_000_000, "burst": 1_000_000}},
                }
            )
        )
        upstream = _spawn([sys.executable, __file__, "--upstream", str(upstream_port)], other_cpus)
        gateways: dict[str, subprocess.Popen[Any]] = {}
        for name, port in gateway_ports.items():
            if name == "nginx":
                assert nginx_binary is not None
                gateways[name] = start_nginx(nginx_binary, Path(tmp) / "nginx", port, upstream_port)
                if gateway_cpus:
                    os.sched_setaffinity(gateways[name].pid, gateway_cpus)
                continue
            if name == "baseline":
                template = args.baseline_argv.split()
                if template[0] == "python":  # the benchmark's own interpreter and packages
                    template[0] = sys.executable
                upstream_url = f"http://127.0.0.1:{upstream_port}"
                fill = {"routes": str(routes), "upstream": upstream_url, "port": str(port)}
                if "{settings}" in args.baseline_argv:  # a gateway that takes --settings FILE
                    baseline = GatewaySettings(
                        routes_path=routes,
                        monolith_url=upstream_url,
                        lambda_url="http://127.0.0.1:9",
                        port=port,
                    )
                    fill["settings"] = str(Path(tmp) / "baseline.json")
                    save_settings(baseline, Path(fill["settings"]))
                argv = [part.format(**fill) for part in template]
                gateways[name] = _spawn(argv, gateway_cpus, cwd=args.baseline)
                continue
            settings = GatewaySettings(
                routes_path=routes,
                monolith_url=f"http://127.0.0.1:{upstream_port}",
                lambda_url="http://127.0.0.1:9",
                port=port,
                capture_dir=Path(tmp) / "traffic" if name == "capturing" else None,
            )
            argv = gateway_command(settings, Path(tmp) / f"{name}.json")
            gateways[name] = _spawn(argv, gateway_cpus)
        try:
            ports = {"direct": upstream_port, **gateway_ports}
            asyncio.run(fixed_rate(ports, args.rate, 1.0))  # warm-up
            cpu_start = {name: cpu_seconds(proc.pid) for name, proc in gateways.items()}
            lat = asyncio.run(fixed_rate(ports, args.rate, args.seconds))
            cpu_fixed = {n: cpu_seconds(p.pid) - cpu_start[n] for n, p in gateways.items()}
            rps, cpu_loaded = {}, {}
            for name, port in gateway_ports.items():
                cpu_start[name] = cpu_seconds(gateways[name].pid)
                # warm=4: the gateway's upstream pool is warm before timing
                rps[name] = asyncio.run(
                    closed_loop(port, PING, args.connections, args.seconds, warm=4)
                )
                cpu_loaded[name] = cpu_seconds(gateways[name].pid) - cpu_start[name]
        finally:
            for proc in (*gateways.values(), upstream):
                proc.terminate()
                proc.wait(10)
    _report(args, lat, rps, gateway_cpus)
    for name in names:
        served = rps[name] * args.seconds
        print(
            f"{name} CPU per request: {cpu_fixed[name] / len(lat[name]) * 1e6:.1f} us at "
            f"{args.rate:g} req/s, {cpu_loaded[name] / served * 1e6:.1f} us at full throughput"
        )


def _report(
    args: argparse.Namespace,
    lat: dict[str, list[float]],
    rps: dict[str, float],
    pinned: set[int] | None,
) -> None:
    print(
        f"\npassthrough at {args.rate:g} req/s for {args.seconds:g} s "
        f"({len(lat['gateway'])} requests per side), latency in ms"
    )
    print(f"{'':>10} {'p50':>8} {'p90':>8} {'p99':>8}")
    rows = {name: [percentile(v, q) for q in (0.5, 0.9, 0.99)] for name, v in lat.items()}
    for name, row in rows.items():
        print(f"{name:>10} " + " ".join(f"{x:8.3f}" for x in row))
    for name in rps:
        overhead = [g - d for g, d in zip(rows[name], rows["direct"], strict=True)]
        print(f"{name + ' +':>10} " + " ".join(f"{x:8.3f}" for x in overhead))
    if "nginx" in rps:
        ours = [g - d for g, d in zip(rows["gateway"], rows["direct"], strict=True)]
        peer = [g - d for g, d in zip(rows["nginx"], rows["direct"], strict=True)]
        ratios = " ".join(
            f"{o / p:8.2f}" if p > 0 else f"{'n/a':>8}" for o, p in zip(ours, peer, strict=True)
        )
        print(f"{'ours/nginx':>10} {ratios}  (added latency, gateway over nginx)")
    core = f"CPU {sorted(pinned)[0]}" if pinned else "unpinned"
    for name, value in rps.items():
        print(
            f"\nmax passthrough throughput, {name} ({core}, {args.connections} connections, "
            f"{args.seconds:g} s): {value:,.0f} req/s"
        )
    if "nginx" in rps:
        print(f"throughput, nginx / gateway: {rps['nginx'] / rps['gateway']:.2f}x")


def _use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


if __name__ == "__main__":
    main()
