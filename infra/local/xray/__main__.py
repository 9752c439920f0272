"""``python -m infra.local.xray --port 2000 --out segments.jsonl``: run until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from infra.local.xray.collector import XRayCollector


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.xray",
        description="A local stand-in for the AWS X-Ray daemon: receives segments over UDP "
        "(the daemon protocol) and appends them to a JSONL file. Prints a ready line; "
        "SIGTERM or SIGINT stops it and prints what it received.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2000, help="UDP port (default 2000, 0: any)")
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to append to")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        collector = XRayCollector(args.host, args.port, out=args.out).start()
    except OSError as exc:
        print(f"error: cannot listen on udp {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"xray collector ready on udp {collector.address} -> {args.out}", flush=True)
        stop.wait()
    finally:
        collector.stop()
    stats = collector.stats()
    print(
        f"xray collector stopped: {stats.segments} segments, {stats.malformed} malformed",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
