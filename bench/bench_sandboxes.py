"""50 concurrent warm sandboxes of the Wild Rydes function: a burst without errors, memory each.

    .venv/bin/python bench/bench_sandboxes.py [--sandboxes 50] [--invokes 10] [--limits auto|off]

Real parts only: an embedded PostgreSQL (migrated, seeded; max_connections leaves room for one
held connection per sandbox), the local Lambda service as its own process (as under the
gateway, so the clients do not share its GIL), and ``serverless.handler.handler`` sandboxes.

1. Scale-out: --sandboxes clients released together by a barrier each send one GET /unicorns,
   so every one of them starts a sandbox (Django cold starts in parallel on this machine's
   cores: init_timeout_s is raised to --init-timeout for this). The script waits for every
   answer, printing progress, then checks /strangler/metrics: that many warm sandboxes.
2. Burst: the same clients (one keep-alive connection each) send --invokes requests each; errors
   (HTTP status, function errors, statusCode != 200), throttles (429) and cold starts are
   counted; every request must be served by an already warm sandbox.
3. Memory per sandbox, right after the burst: RSS and USS of each awslambdaric process
   (psutil), and the REPORT lines' Max Memory Used (VmHWM) per sandbox: mean and max.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_init_duration import (
    FUNCTION,
    Invoked,
    api_event,
    demo_token,
    function_spec,
    invoke,
    machine_line,
    read_reports,
    wildrydes_database,
)
from lambda_process import start_service, stop_service
from percentiles import percentile

from infra.local.lambda_service.spec import ServiceConfig, ServiceSettings


class Clients:
    """N threads with one keep-alive Invoke API connection each, released together."""

    def __init__(self, url: str, count: int) -> None:
        self.netloc = urlsplit(url).netloc
        self.count = count
        self.body = json.dumps(api_event("/unicorns", demo_token())).encode()
        self.done = 0
        self._lock = threading.Lock()

    def run(self, per_client: int, timeout_s: float) -> tuple[list[Invoked], list[str], float]:
        """Every result, every exception (as text), and the wall time from release to last."""
        results: list[Invoked] = []
        failures: list[str] = []
        barrier = threading.Barrier(self.count + 1)
        self.done = 0

        def client() -> None:
            conn = http.client.HTTPConnection(self.netloc, timeout=timeout_s)
            barrier.wait()
            try:
                for _ in range(per_client):
                    try:
                        result = invoke(conn, self.body)
                    except (OSError, http.client.HTTPException) as exc:
                        conn.close()  # reconnects on the next request
                        with self._lock:
                            failures.append(f"{type(exc).__name__}: {exc}")
                        continue
                    with self._lock:
                        results.append(result)
                        self.done += 1
            finally:
                conn.close()

        threads = [threading.Thread(target=client, daemon=True) for _ in range(self.count)]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        return results, failures, time.perf_counter() - start


def wait_with_progress(clients: Clients, target: int, worker: threading.Thread) -> None:
    started = time.monotonic()
    while worker.is_alive():
        worker.join(5)
        if worker.is_alive():
            print(
                f"  {clients.done}/{target} answered after {time.monotonic() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )


def classify(results: list[Invoked]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for result in results:
        if result.status == 429:
            kinds["throttled (429)"] += 1
        elif (problem := result.problem()) is not None:
            kinds[f"error: {problem[:60]}"] += 1
        else:
            kinds["ok"] += 1
        if "x-strangler-init-duration-ms" in result.headers:
            kinds["cold start"] += 1
    return kinds


def sandbox_memory(service_pid: int) -> list[dict[str, float]]:
    """RSS, USS and PSS (MB) of every awslambdaric process under the service."""
    rows = []
    for child in psutil.Process(service_pid).children(recursive=True):
        try:
            if "awslambdaric" not in " ".join(child.cmdline()):
                continue
            info = child.memory_full_info()
        except psutil.NoSuchProcess:
            continue
        mb = 1024 * 1024
        rows.append(
            {"pid": child.pid, "rss": info.rss / mb, "uss": info.uss / mb, "pss": info.pss / mb}
        )
    return rows


def summary(values: list[float]) -> str:
    return f"mean {statistics.fmean(values):7.1f}  max {max(values):7.1f}  min {min(values):7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument("--sandboxes", type=int, default=50, help="concurrent sandboxes (50)")
    parser.add_argument("--invokes", type=int, default=10, help="burst invokes per client (10)")
    parser.add_argument("--memory", type=int, default=512, help="function memory in MB (512)")
    parser.add_argument(
        "--limits",
        choices=("auto", "off"),
        default="auto",
        help="cgroup v1 memory/CPU limits where possible (auto, the default) or none (off)",
    )
    parser.add_argument(
        "--init-timeout",
        type=float,
        default=180.0,
        help="init_timeout_s of the service: parallel cold starts share the cores (180)",
    )
    args = parser.parse_args()
    if args.sandboxes < 1 or args.invokes < 1:
        parser.error("--sandboxes and --invokes must be >= 1")
    print(machine_line())
    with (
        tempfile.TemporaryDirectory(prefix="bench-sandboxes-") as tmp,
        wildrydes_database(Path(tmp), max_connections=args.sandboxes + 20) as database_url,
    ):
        work = Path(tmp)
        settings = ServiceSettings(
            log_dir=str(work / "logs"),
            enforce_limits=args.limits,
            init_timeout_s=args.init_timeout,
            idle_timeout_s=3600.0,
        )
        config = work / "service.json"
        functions = (function_spec(database_url, args.memory),)
        config.write_text(ServiceConfig(settings=settings, functions=functions).model_dump_json())
        service, url, mode = start_service(config)
        sandbox_pids: set[int] = set()
        try:
            print(f"sandboxes: {args.sandboxes} x {args.memory} MB, limits: {mode}")
            clients = Clients(url, args.sandboxes)
            # 1. scale-out: every client's first request starts a sandbox
            outcome: dict[str, tuple[list[Invoked], list[str], float]] = {}
            worker = threading.Thread(
                target=lambda: outcome.update(warm=clients.run(1, args.init_timeout + 60)),
                daemon=True,
            )
            worker.start()
            wait_with_progress(clients, args.sandboxes, worker)
            warm_results, warm_failures, warm_seconds = outcome["warm"]
            metrics = json.loads(urlopen(f"{url}/strangler/metrics").read())
            warm_now = metrics["functions"][FUNCTION]["sandboxes"]["warm"]
            cold = classify(warm_results)
            init = [
                float(r.headers["x-strangler-init-duration-ms"])
                for r in warm_results
                if "x-strangler-init-duration-ms" in r.headers
            ]
            print(
                f"\n1. scale-out: {args.sandboxes} parallel first requests answered in "
                f"{warm_seconds:.1f} s; {dict(cold)}; transport failures {len(warm_failures)}; "
                f"warm sandboxes now {warm_now}"
            )
            if init:
                print(
                    f"   Init Duration under {args.sandboxes} parallel cold starts (ms): "
                    f"p50 {percentile(init, 0.5):.0f}  p90 {percentile(init, 0.9):.0f}  "
                    f"max {max(init):.0f}"
                )
            if warm_now != args.sandboxes:
                raise SystemExit(f"expected {args.sandboxes} warm sandboxes, found {warm_now}")

            # 2. the burst
            burst_results, burst_failures, burst_seconds = clients.run(args.invokes, 120)
            kinds = classify(burst_results)
            total = args.sandboxes * args.invokes
            served_by = {r.headers.get("x-strangler-sandbox-id") for r in burst_results}
            latency = [r.ms for r in burst_results]
            print(
                f"\n2. burst: {args.sandboxes} clients x {args.invokes} invokes = {total} in "
                f"{burst_seconds:.2f} s ({total / burst_seconds:.0f}/s), "
                f"served by {len(served_by)} sandboxes"
            )
            print(
                f"   ok {kinds['ok']}/{total}, throttled {kinds['throttled (429)']}, "
                f"errors {sum(v for k, v in kinds.items() if k.startswith('error'))}, "
                f"transport failures {len(burst_failures)}, cold starts {kinds['cold start']}"
            )
            for kind, count in kinds.items():
                if kind.startswith("error"):
                    print(f"   {count} x {kind}")
            for failure in sorted(set(burst_failures))[:5]:
                print(f"   transport: {failure}")
            print(
                f"   latency (ms): p50 {percentile(latency, 0.5):.1f}  "
                f"p90 {percentile(latency, 0.9):.1f}  p99 {percentile(latency, 0.99):.1f}  "
                f"max {max(latency):.1f}"
            )
            metrics = json.loads(urlopen(f"{url}/strangler/metrics").read())
            fn = metrics["functions"][FUNCTION]
            print(
                f"   service metrics: invocations {fn['invocations']}, cold starts "
                f"{fn['cold_starts']}, errors {fn['errors']}, throttles {fn['throttles']}, "
                f"peak concurrency {fn['peak_concurrency']}"
            )

            # 3. memory per sandbox
            rows = sandbox_memory(service.pid)
            sandbox_pids = {int(row["pid"]) for row in rows}
            reports = read_reports(work / "logs").values()
            hwm: dict[str, float] = {}
            for record in reports:
                sandbox = str(record["sandbox_id"])
                hwm[sandbox] = max(hwm.get(sandbox, 0.0), float(record["max_memory_mb"]))
            print(f"\n3. memory of {len(rows)} sandbox processes after the burst (MB)")
            print(f"   RSS               {summary([r['rss'] for r in rows])}")
            print(f"   USS (own pages)   {summary([r['uss'] for r in rows])}")
            print(f"   PSS               {summary([r['pss'] for r in rows])}")
            print(
                f"   Max Memory Used   {summary(list(hwm.values()))}"
                f"  (REPORT, {len(hwm)} sandboxes)"
            )
            print(
                f"   all sandboxes together: RSS {sum(r['rss'] for r in rows):.0f} MB, "
                f"USS {sum(r['uss'] for r in rows):.0f} MB, "
                f"PSS {sum(r['pss'] for r in rows):.0f} MB"
            )
            ok = (
                kinds["ok"] == total
                and not burst_failures
                and kinds["cold start"] == 0
                and len(served_by) == args.sandboxes
            )
            print(
                f"\nverdict: {args.sandboxes} warm sandboxes served {total} invokes "
                + ("without errors or throttles: MET" if ok else "with problems: MISSED")
            )
        finally:
            stop_service(service)
            left = [pid for pid in sandbox_pids if psutil.pid_exists(pid)]
            if left:
                print(f"warning: sandbox processes still alive after stop: {left}")


if __name__ == "__main__":
    main()
