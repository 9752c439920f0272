"""Traffic capture's CPU cost per request, split into the serving path's share and the writer's.

    .venv/bin/python bench/bench_capture.py [--requests 50000] [--body 0]

Feeds ``--requests`` requests shaped like ``bench_gateway.py``'s (a GET, three headers, the
fast path's ``CIMultiDict``) to the gateway's ``Capture`` as the fast lane does, then closes it.
The serving path's share is this thread's CPU time in ``record``; the writer's is the rest of
the process's CPU time until every line is on disk. Both are CPU time, not wall time, so a
busy machine changes them little; compare them with the gateway's CPU per request that
``bench_gateway.py`` prints.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from multidict import CIMultiDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.local.gateway.capture import Capture  # noqa: E402
from strangler_core.traffic import read_captured  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--body", type=int, default=0, help="request body bytes")
    args = parser.parse_args()
    headers: CIMultiDict[str] = CIMultiDict(
        [("Host", "bench"), ("User-Agent", "bench/1"), ("Accept", "*/*")]
    )
    body = b"x" * args.body
    with tempfile.TemporaryDirectory() as tmp:
        capture = Capture(Path(tmp), max_bytes=1 << 30, max_files=2, max_pending=args.requests)
        process_start, thread_start = time.process_time(), time.thread_time()
        for number in range(args.requests):
            capture.record(
                time.time(), "GET", f"/ping?n={number}", headers.items(), body, 200, "$default"
            )
        serving = time.thread_time() - thread_start
        capture.close()
        total = time.process_time() - process_start
        written = sum(1 for _ in read_captured(Path(tmp)))
    if written != args.requests:
        raise SystemExit(f"{written} of {args.requests} requests written")
    per = 1e6 / args.requests
    print(
        f"{args.requests} requests, body {args.body} B: serving path {serving * per:.2f} us, "
        f"writer {(total - serving) * per:.2f} us, total {total * per:.2f} us CPU per request"
    )


if __name__ == "__main__":
    main()
