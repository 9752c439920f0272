"""Warm invoke overhead of the local Lambda service versus calling the handler in-process.

    .venv/bin/python bench/bench_lambda_invoke.py [--invokes 2000] [--concurrency 50]

Both sides run the same trivial handler in the same run. The Invoke API side uses one
keep-alive http.client connection against a warm sandbox; the difference at p50 is what the
emulation adds per invoke (target: at most 1 ms). A second phase fires --concurrency parallel
clients to show the service keeps up with a load-test burst.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

from lambda_process import start_service, stop_service
from percentiles import percentile

from infra.local.lambda_service.spec import (
    FunctionSpec,
    ServiceConfig,
    ServiceSettings,
)

HANDLER = textwrap.dedent(
    """
    def handler(event, context):
        return {"statusCode": 200, "body": event.get("n", 0)}
    """
)


def in_process(invokes: int, code: Path) -> list[float]:
    sys.path.insert(0, str(code))
    import bench_handler  # type: ignore[import-not-found]

    samples = []
    for n in range(invokes):
        payload = json.dumps({"n": n}).encode()
        start = time.perf_counter()
        json.dumps(bench_handler.handler(json.loads(payload), None)).encode()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def through_api(url: str, invokes: int) -> list[float]:
    conn = http.client.HTTPConnection(urlsplit(url).netloc)
    samples = []
    for n in range(invokes):
        payload = json.dumps({"n": n}).encode()
        start = time.perf_counter()
        conn.request("POST", "/2015-03-31/functions/bench/invocations", body=payload)
        response = conn.getresponse()
        response.read()
        samples.append((time.perf_counter() - start) * 1000)
        if response.status != 200 or response.getheader("X-Amz-Function-Error"):
            raise SystemExit(f"invoke failed: {response.status}")
    conn.close()
    return samples


def burst(url: str, concurrency: int, per_client: int) -> tuple[float, int]:
    def client(_: int) -> int:
        return len(through_api(url, per_client))

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        done = sum(pool.map(client, range(concurrency)))
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--limits", choices=("auto", "off"), default="auto")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp) / "code"
        code.mkdir()
        (code / "bench_handler.py").write_text(HANDLER)
        settings = ServiceSettings(log_dir=str(Path(tmp) / "logs"), enforce_limits=args.limits)
        functions = (
            FunctionSpec(name="bench", handler="bench_handler.handler", code_paths=(str(code),)),
        )
        config = Path(tmp) / "service.json"
        config.write_text(ServiceConfig(settings=settings, functions=functions).model_dump_json())
        # A separate process, as under the gateway: the client must not share the GIL.
        service, url, mode = start_service(config)
        try:
            through_api(url, 200)  # cold start + warm-up, not measured
            api = through_api(url, args.invokes)
            local = in_process(args.invokes, code)
            seconds, done = burst(url, args.concurrency, 20)
            metrics = json.loads(urlopen(f"{url}/strangler/metrics").read())
            sandboxes = metrics["functions"]["bench"]["peak_concurrency"]
        finally:
            stop_service(service)
    print(f"warm invokes: {args.invokes}, (limits: {mode})")
    print(f"{'path':<22}{'p50 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for name, samples in (("in-process handler", local), ("Invoke API (warm)", api)):
        print(
            f"{name:<22}{percentile(samples, 0.5):>10.3f}{percentile(samples, 0.99):>10.3f}"
            f"{statistics.fmean(samples):>10.3f}"
        )
    added_p50 = percentile(api, 0.5) - percentile(local, 0.5)
    added_p99 = percentile(api, 0.99) - percentile(local, 0.99)
    print(f"{'added by the service':<22}{added_p50:>10.3f}{added_p99:>10.3f}")
    print(
        f"burst: {args.concurrency} clients x 20 invokes = {done} in {seconds:.2f} s "
        f"({done / seconds:.0f}/s), peak concurrency {sandboxes}"
    )


if __name__ == "__main__":
    main()
