"""Instructions per fast-path request of the gateway process, under valgrind's callgrind.

    .venv/bin/python bench/bench_fastpath_instructions.py [--requests 2000] [--baseline DIR]

On a shared machine wall-clock figures move with the other work on the host; the count of
user-space instructions does not (it repeats to about 0.1 %). The gateway (``python -m
infra.local.gateway``, an HTTP_PROXY route, tracing off) runs under callgrind in front of
``bench_gateway.py``'s trivial upstream; one keep-alive connection sends body-less GETs one at
a time. Each gateway runs twice, with 200 and with 200 + ``--requests`` requests: the difference
over ``--requests`` is what one request costs, start-up left out. ``--baseline DIR`` counts the
gateway of another checkout (one whose gateway takes ``--settings FILE``) the same way.
Needs valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rawhttp import request_bytes  # noqa: E402

from infra.local.gateway.settings import GatewaySettings, save_settings  # noqa: E402
from infra.local.net import free_port  # noqa: E402
from strangler_core.routes import parse_route_table, save_route_table  # noqa: E402

WARM = 200
ROUTES = {
    "version": 1,
    "routes": [
        {"route_key": "$default", "integration": {"type": "HTTP_PROXY", "target": "monolith"}}
    ],
}


def instructions(checkout: Path, upstream: int, requests: int, work: Path) -> int:
    """What callgrind counts for one gateway process that serves ``requests`` GETs."""
    port = free_port()
    routes, settings = work / "routes.json", work / "settings.json"
    save_route_table(parse_route_table(ROUTES, str(routes)), routes)
    save_settings(
        GatewaySettings(
            routes_path=routes,
            monolith_url=f"http://127.0.0.1:{upstream}",
            lambda_url="http://127.0.0.1:9",
            port=port,
        ),
        settings,
    )
    out = work / f"callgrind-{requests}.out"
    gateway = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
         "-m", "infra.local.gateway", "--settings", str(settings)],
        cwd=checkout, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    try:
        assert gateway.stdout is not None
        if not gateway.stdout.readline():
            raise SystemExit(f"the gateway of {checkout} did not start")
        request = request_bytes("/ping")
        with socket.create_connection(("127.0.0.1", port)) as conn:
            for _ in range(requests):
                conn.sendall(request)
                answer = b""
                while not answer.endswith(b"ok"):  # the upstream's body
                    answer += conn.recv(4096)
    finally:
        gateway.terminate()
        gateway.wait(300)
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(f"no instruction count in {out}")


def per_request(checkout: Path, upstream: int, requests: int, work: Path) -> float:
    (work / "warm").mkdir()
    (work / "counted").mkdir()
    warm = instructions(checkout, upstream, WARM, work / "warm")
    counted = instructions(checkout, upstream, WARM + requests, work / "counted")
    return (counted - warm) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="also this checkout")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    upstream_port = free_port()
    upstream = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bench_gateway.py"), "--upstream",
         str(upstream_port)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    checkouts = {"this tree": ROOT, **({"baseline": args.baseline} if args.baseline else {})}
    counts = {}
    try:
        assert upstream.stdout is not None
        upstream.stdout.readline()
        with tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp:
            for name, checkout in checkouts.items():
                (Path(tmp) / name).mkdir()
                counts[name] = per_request(checkout, upstream_port, args.requests, Path(tmp) / name)
                print(f"{name:>10}: {counts[name]:,.0f} instructions per request", flush=True)
    finally:
        upstream.terminate()
        upstream.wait(10)
    if "baseline" in counts:
        print(f"this tree / baseline: {counts['this tree'] / counts['baseline']:.3f}")


if __name__ == "__main__":
    main()
