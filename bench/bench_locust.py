"""Load generator capacity: requests/s of one Locust worker process, and of WORKERS=2.

    .venv/bin/python bench/bench_locust.py [--seconds 10] [--users 50]

A trivial aiohttp target on loopback (its own process) answers "ok"; Locust FastHttpUser with
no wait runs headless with --processes 1, then 2, in the same run. On a 2-core machine the
target competes for the same cores, so read the ratio, not the absolute figure.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from infra.local.net import free_port

TARGET = """
import sys
from aiohttp import web
async def ok(request): return web.Response(text="ok")
app = web.Application(); app.router.add_get("/", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def run_locust(url: str, processes: int, users: int, seconds: int, out: Path) -> float:
    prefix = out / f"p{processes}"
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).with_name("locust_trivial.py")),
        "--headless",
        "--host",
        url,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "ERROR",
    ]
    if processes > 1:
        argv += ["--processes", str(processes)]
    subprocess.run(argv, check=True, capture_output=True)
    with open(f"{prefix}_stats.csv") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    return float(total["Requests/s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    target = subprocess.Popen([sys.executable, "-c", TARGET, str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            one = run_locust(url, 1, args.users, args.seconds, Path(tmp))
            two = run_locust(url, 2, args.users, args.seconds, Path(tmp))
    finally:
        target.terminate()
        target.wait(timeout=10)
    print("| Locust processes | requests/s |")
    print("|---|---|")
    print(f"| 1 (one worker) | {one:,.0f} |")
    print(f"| 2 (master + 2 workers) | {two:,.0f} |")
    print(f"ratio 2/1: {two / one:.2f}")


if __name__ == "__main__":
    main()
