"""Init Duration of the Wild Rydes function, the first request's latency, and where init goes.

    .venv/bin/python bench/bench_init_duration.py [--cold-starts 20] [--importtime-runs 5]
    .venv/bin/python bench/bench_init_duration.py --herd 20 [--solo 10] [--herds 3]

Real parts only: an embedded PostgreSQL (migrated, seeded), the local Lambda service, and
``serverless.handler.handler`` (Mangum around the Django ASGI app) in awslambdaric sandboxes.

1. Cold starts. Every sample is a fresh ``LambdaService`` whose first invoke (GET /unicorns as
   the demo rider, through the Invoke API over HTTP) starts a new sandbox process; the service
   is stopped, and its process gone, before the next sample. Init Duration is the service's own
   measure (process spawn to the runtime's first ``/next``, the ``X-Strangler-Init-Duration-Ms``
   header, checked against reports.jsonl). The first request's latency is the client's time for
   that cold invoke; one warm invoke on the same sandbox follows for comparison. The three
   configurations (512 MB and 1769 MB = 1 vCPU under cgroup v1 limits, and limits off) are
   interleaved sample by sample so machine drift hits them alike. One unmeasured start first
   warms the page cache and the .pyc files. Target: Init Duration p50 <= 400 ms.
2. Where init goes: ``python -X importtime -c "import serverless.handler"`` with the function's
   environment (median over --importtime-runs), summarised by top cumulative imports and by
   package; and the wall-clock phases of a sandbox's life in one process (interpreter, runtime
   client, handler import, first request, warm request) with the imports each phase triggers.
3. ``--herd N`` (instead of 1 and 2): the projection validated. --solo cold starts one at a
   time (a fresh service each) against --herds bursts of N simultaneous cold starts on one
   service (N threads invoking at once, 512 MB under the local limits): Init Duration p50 as
   measured and as projected (reports.jsonl's ``projected_init_ms``: the host's run-queue
   wait taken out), each as a ratio of the solo p50. Target: the herd's projected p50 within
   25% of the solo p50, while its measured p50 is several times it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from percentiles import percentile  # noqa: E402

from infra.local.lambda_service import LambdaService  # noqa: E402
from infra.local.lambda_service.spec import FunctionSpec, ServiceSettings  # noqa: E402
from infra.local.net import free_port  # noqa: E402
from infra.local.postgres import EmbeddedPostgres  # noqa: E402
from strangler.profiles.wildrydes.tokens import rider_token  # noqa: E402

FUNCTION = "wildrydes"
HANDLER = "serverless.handler.handler"
TOKEN_SECRET = "bench-token-secret"
TARGET_INIT_P50_MS = 400.0
COLD_START_HEADER = "x-strangler-cold-start"
# (label, memory_mb, enforce_limits)
CONFIGURATIONS = (
    ("512 MB, cgroup v1", 512, "auto"),
    ("1769 MB (1 vCPU), cgroup v1", 1769, "auto"),
    ("512 MB, limits off", 512, "off"),
)


# -- shared with bench_sandboxes.py ------------------------------------------------------------


def django_environment(database_url: str) -> dict[str, str]:
    """What the function's sandboxes (and manage commands) need to serve Wild Rydes."""
    return {
        "DJANGO_SETTINGS_MODULE": "monolith.settings",
        "DATABASE_URL": database_url,
        "WILDRYDES_TOKEN_SECRET": TOKEN_SECRET,
    }


@contextmanager
def wildrydes_database(work: Path, *, max_connections: int = 100) -> Iterator[str]:
    """An embedded PostgreSQL, migrated and seeded (50 unicorns, 100 riders); yields its URL."""
    server = EmbeddedPostgres(
        work / "pgdata", port=free_port(), database="wildrydes", max_connections=max_connections
    )
    try:
        url = server.start().url
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(REPO),
            **django_environment(url),
        }
        for command in (
            ["migrate", "--noinput"],
            ["seed_wildrydes", "--unicorns", "50", "--riders", "100"],
        ):
            done = subprocess.run(
                [sys.executable, "-m", "django", *command],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"django {command[0]} failed:\n{done.stderr}")
        yield url
    finally:
        server.stop()


def machine_line() -> str:
    """nproc, Python, date and the commit measured (the tree may move under a long session)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "serverless", "monolith", "infra"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (
        f"machine: nproc {len(os.sched_getaffinity(0))}, Python {sys.version.split()[0]}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, commit {head or '?'}"
        + (" (+ uncommitted changes in serverless/monolith/infra)" if dirty else "")
    )


def demo_token() -> str:
    return rider_token(TOKEN_SECRET, "demo")


def api_event(path: str, token: str, method: str = "GET") -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event, as the gateway builds it."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"authorization": f"Bearer {token}", "host": "127.0.0.1"},
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "bench",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }


def function_spec(database_url: str, memory_mb: int) -> FunctionSpec:
    return FunctionSpec(
        name=FUNCTION,
        handler=HANDLER,
        code_paths=(str(REPO),),
        memory_mb=memory_mb,
        environment=django_environment(database_url),
    )


@dataclass(frozen=True)
class Invoked:
    ms: float  # the client's round trip
    status: int
    headers: dict[str, str]
    payload: bytes

    def problem(self) -> str | None:
        """Why this is not a 200 from the function, or None."""
        if self.status != 200:
            return f"Invoke API answered {self.status}"
        if "x-amz-function-error" in self.headers:
            return f"function error: {self.payload[:200]!r}"
        status = json.loads(self.payload).get("statusCode")
        return None if status == 200 else f"function answered statusCode {status}"


def invoke(conn: http.client.HTTPConnection, body: bytes, function: str = FUNCTION) -> Invoked:
    start = time.perf_counter()
    conn.request("POST", f"/2015-03-31/functions/{function}/invocations", body=body)
    response = conn.getresponse()
    payload = response.read()
    ms = (time.perf_counter() - start) * 1000
    headers = {key.lower(): value for key, value in response.getheaders()}
    return Invoked(ms, response.status, headers, payload)


def read_reports(log_dir: Path) -> dict[str, dict[str, Any]]:
    path = log_dir / "reports.jsonl"
    if not path.exists():
        return {}
    records = (json.loads(line) for line in path.read_text().splitlines() if line)
    return {record["request_id"]: record for record in records}


# -- 1. cold starts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColdStart:
    init_ms: float  # X-Strangler-Init-Duration-Ms
    first_ms: float  # the cold invoke, client side
    warm_ms: float  # the next invoke on the same sandbox
    request_id: str
    sandbox_id: str


def one_cold_start(database_url: str, memory_mb: int, enforce: str, log_dir: Path) -> ColdStart:
    settings = ServiceSettings(port=0, log_dir=str(log_dir), enforce_limits=enforce)  # type: ignore[arg-type]
    service = LambdaService(settings, [function_spec(database_url, memory_mb)])
    service.start()
    try:
        conn = http.client.HTTPConnection(urlsplit(service.url).netloc, timeout=60)
        try:
            token = demo_token()
            first = invoke(conn, json.dumps(api_event("/unicorns", token)).encode())
            warm = invoke(conn, json.dumps(api_event("/unicorns", token)).encode())
        finally:
            conn.close()
    finally:
        service.stop()
    for name, result in (("cold", first), ("warm", warm)):
        if (problem := result.problem()) is not None:
            raise SystemExit(f"{name} invoke failed: {problem}")
    if "x-strangler-init-duration-ms" not in first.headers:
        raise SystemExit("the first invoke was not a cold start (no Init Duration)")
    if "x-strangler-init-duration-ms" in warm.headers:
        raise SystemExit("the second invoke was a cold start: the sandbox was not reused")
    if COLD_START_HEADER not in json.loads(first.payload).get("headers", {}):
        raise SystemExit("the handler did not mark its first invocation as cold")
    return ColdStart(
        init_ms=float(first.headers["x-strangler-init-duration-ms"]),
        first_ms=first.ms,
        warm_ms=warm.ms,
        request_id=first.headers["x-amzn-requestid"],
        sandbox_id=first.headers["x-strangler-sandbox-id"],
    )


def limits_mode(enforce: str) -> str:
    from infra.local.lambda_service.limits import Limits

    return Limits(enforce).mode


def run_cold_starts(
    database_url: str, work: Path, count: int
) -> list[tuple[str, int, str, list[ColdStart], dict[str, dict[str, Any]]]]:
    configurations = []
    seen_modes: set[tuple[int, str]] = set()
    for label, memory_mb, enforce in CONFIGURATIONS:
        mode = limits_mode(enforce)
        if (memory_mb, mode) in seen_modes:  # auto fell back to unconstrained: same as off
            continue
        seen_modes.add((memory_mb, mode))
        if enforce == "auto" and mode != "cgroup-v1":
            label = f"{memory_mb} MB, {mode}"
        configurations.append((label, memory_mb, enforce, mode))
    one_cold_start(database_url, 512, "off", work / "logs-warmup")  # page cache, .pyc files
    samples: dict[str, list[ColdStart]] = defaultdict(list)
    for index in range(count):
        for label, memory_mb, enforce, _ in configurations:
            log_dir = work / f"logs-{memory_mb}-{enforce}"
            samples[label].append(one_cold_start(database_url, memory_mb, enforce, log_dir))
        print(f"  cold start {index + 1}/{count} done", file=sys.stderr, flush=True)
    results = []
    for label, memory_mb, enforce, mode in configurations:
        reports = read_reports(work / f"logs-{memory_mb}-{enforce}")
        starts = samples[label]
        if len({s.sandbox_id for s in starts}) != len(starts):
            raise SystemExit(f"{label}: a sandbox served two samples")
        results.append((label, memory_mb, mode, starts, reports))
    return results


def print_cold_starts(
    results: list[tuple[str, int, str, list[ColdStart], dict[str, dict[str, Any]]]],
) -> None:
    header = f"{'configuration':<30}{'p50':>9}{'p90':>9}{'max':>9}{'mean':>9}"
    for title, pick in (
        ("Init Duration (ms)", lambda s: s.init_ms),
        ("first request, cold invoke round trip (ms)", lambda s: s.first_ms),
        ("first request minus Init Duration (ms)", lambda s: s.first_ms - s.init_ms),
        ("next request, warm invoke round trip (ms)", lambda s: s.warm_ms),
    ):
        print(f"\n{title}")
        print(header)
        for label, _, _, starts, _ in results:
            values = [pick(s) for s in starts]
            print(
                f"{label:<30}{percentile(values, 0.5):>9.1f}{percentile(values, 0.9):>9.1f}"
                f"{max(values):>9.1f}{statistics.fmean(values):>9.1f}"
            )
    print("\nREPORT lines of the cold invokes (reports.jsonl)")
    print(
        f"{'configuration':<30}{'Init p50':>10}{'|hdr-rep|':>11}"
        f"{'MaxMem p50':>12}{'MaxMem max':>12}"
    )
    for label, _, _, starts, reports in results:
        records = [reports[s.request_id] for s in starts if s.request_id in reports]
        if len(records) != len(starts):
            raise SystemExit(f"{label}: {len(starts) - len(records)} cold REPORT lines missing")
        init = [float(r["init_ms"]) for r in records]
        drift = max(
            abs(float(r["init_ms"]) - s.init_ms) for r, s in zip(records, starts, strict=True)
        )
        memory = [float(r["max_memory_mb"]) for r in records]
        print(
            f"{label:<30}{percentile(init, 0.5):>10.1f}{drift:>11.2f}"
            f"{percentile(memory, 0.5):>10.0f}MB{max(memory):>10.0f}MB"
        )
    print(f"\ntarget: Init Duration p50 <= {TARGET_INIT_P50_MS:.0f} ms")
    for label, _, _, starts, _ in results:
        p50 = percentile([s.init_ms for s in starts], 0.5)
        verdict = "MET" if p50 <= TARGET_INIT_P50_MS else "MISSED"
        print(f"  {label:<30}p50 {p50:7.1f} ms  {verdict} ({p50 / TARGET_INIT_P50_MS:.2f}x target)")


# -- 3. solo vs herd: the projection validated ---------------------------------------------------

HERD_MEMORY_MB = 512
HERD_TOLERANCE = 0.25


def herd(database_url: str, log_dir: Path, size: int) -> list[dict[str, Any]]:
    """``size`` cold starts at once on one service: their reports.jsonl records."""
    from concurrent.futures import ThreadPoolExecutor

    settings = ServiceSettings(port=0, log_dir=str(log_dir), enforce_limits="auto")
    body = json.dumps(api_event("/unicorns", demo_token())).encode()
    # every connection open before any request, and the requests sent together: so no
    # sandbox of the herd is done (and reused) before the last request arrives
    ready = threading.Barrier(size)

    def one(_: int) -> Invoked:
        conn = http.client.HTTPConnection(urlsplit(service.url).netloc, timeout=120)
        try:
            conn.connect()
            ready.wait()
            return invoke(conn, body)
        finally:
            conn.close()

    spec = function_spec(database_url, HERD_MEMORY_MB)
    with LambdaService(settings, [spec]) as service, ThreadPoolExecutor(size) as pool:
        results = list(pool.map(one, range(size)))
    for result in results:
        if (problem := result.problem()) is not None:
            raise SystemExit(f"herd invoke failed: {problem}")
    reports = read_reports(log_dir)
    records = [reports[r.headers["x-amzn-requestid"]] for r in results]
    # an init past 10 s was suppressed and re-run inside the invoke (no Init Duration, so no
    # projection): said, and left out
    cold = [r for r in records if r["init_ms"] is not None]
    suppressed = sum(1 for r in records if r.get("suppressed_init_ms") is not None)
    if len(cold) < size:
        print(f"  herd: {len(cold)} of {size} cold with an Init Duration, {suppressed} suppressed")
    return cold


def solo(database_url: str, log_dir: Path) -> dict[str, Any]:
    start = one_cold_start(database_url, HERD_MEMORY_MB, "auto", log_dir)
    return read_reports(log_dir)[start.request_id]


def run_herd(database_url: str, work: Path, size: int, solos: int, herds: int) -> None:
    print(f"\nsolo vs herd: {solos} cold starts alone, {herds} x {size} at once,")
    print(f"{HERD_MEMORY_MB} MB, limits {limits_mode('auto')}, GET /unicorns as rider demo")
    print(f"1-minute load average at the start: {os.getloadavg()[0]:.1f}")
    one_cold_start(database_url, 512, "off", work / "logs-warmup")  # page cache, .pyc files
    alone: list[dict[str, Any]] = []
    crowd: list[dict[str, Any]] = []
    for index in range(max(solos, herds)):  # interleaved, so drift hits both alike
        if index < solos:
            alone.append(solo(database_url, work / f"logs-solo-{index}"))
        if index < herds:
            crowd.extend(herd(database_url, work / f"logs-herd-{index}", size))
        print(f"  round {index + 1} done", file=sys.stderr, flush=True)
    if not crowd:
        raise SystemExit("no herd cold start finished its init within 10 s: host too busy")
    header = f"{'':<26}{'n':>4}{'p50':>9}{'p90':>9}{'max':>9}{'/ solo p50':>12}"
    base = percentile([r["init_ms"] for r in alone], 0.5)
    print(f"1-minute load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(header)
    for label, rows, key in (
        ("solo, measured", alone, "init_ms"),
        ("solo, projected", alone, "projected_init_ms"),
        (f"herd of {size}, measured", crowd, "init_ms"),
        (f"herd of {size}, projected", crowd, "projected_init_ms"),
        (f"herd of {size}, run-queue", crowd, "init_run_queue_wait_ms"),
        (f"herd of {size}, CPU", crowd, "init_cpu_ms"),
    ):
        values = [float(r[key]) for r in rows]
        p50 = percentile(values, 0.5)
        print(
            f"{label:<26}{len(values):>4}{p50:>9.1f}{percentile(values, 0.9):>9.1f}"
            f"{max(values):>9.1f}{p50 / base:>11.2f}x"
        )
    projected = percentile([float(r["projected_init_ms"]) for r in crowd], 0.5)
    measured = percentile([float(r["init_ms"]) for r in crowd], 0.5)
    # On a busy host the solo starts queue too (for other work): their projected p50 is the
    # solo figure such a host can still give; on a quiet one the two solo p50s agree.
    solo_projected = percentile([float(r["projected_init_ms"]) for r in alone], 0.5)
    for label, reference in (("measured", base), ("projected", solo_projected)):
        met = abs(projected / reference - 1) <= HERD_TOLERANCE
        print(
            f"target: herd projected p50 within {HERD_TOLERANCE:.0%} of solo {label} p50: "
            f"{'MET' if met else 'MISSED'} ({projected / reference - 1:+.0%})"
        )
    print(f"herd measured p50 is {measured / base:.1f}x solo measured p50")


# -- 2. where init goes ------------------------------------------------------------------------

# One sandbox's life in one process, phase by phase; markers split -X importtime's output.
PHASES_SCRIPT = """
import json, sys, time
marks = [("start", time.perf_counter())]
sys.stderr.write("@@phase interpreter start (site, .pth files)\\n")
def mark(name):
    marks.append((name, time.perf_counter()))
    sys.stderr.write(f"@@phase {name}\\n")
    sys.stderr.flush()
import awslambdaric.bootstrap
mark("runtime client (import awslambdaric.bootstrap)")
import serverless.handler
mark("handler import (Django setup, Mangum, pool policy)")
class Context:
    aws_request_id = "bench"
    function_name = "wildrydes"
    def get_remaining_time_in_millis(self):
        return 30000
event = json.loads(sys.argv[1])
response = serverless.handler.handler(event, Context())
assert response["statusCode"] == 200, response
mark("first request (lazy imports, DB connect, query)")
response = serverless.handler.handler(event, Context())
assert response["statusCode"] == 200, response
mark("second request (warm)")
print(json.dumps([(b[0], (b[1] - a[1]) * 1000) for a, b in zip(marks, marks[1:])]))
"""


@dataclass(frozen=True)
class ImportLine:
    self_us: int
    cumulative_us: int
    depth: int
    module: str


def parse_importtime(stderr: str) -> dict[str, list[ImportLine]]:
    """importtime lines grouped by phase: a ``@@phase NAME`` marker line closes phase NAME.

    Lines after the last marker (or all of them, without markers) form phase "".
    """
    phases: dict[str, list[ImportLine]] = {}
    pending: list[ImportLine] = []
    for line in stderr.splitlines():
        if line.startswith("@@phase "):
            phases[line[len("@@phase ") :]] = pending
            pending = []
            continue
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        pending.append(ImportLine(int(self_us), int(cumulative_us), depth, name.strip()))
    phases[""] = pending
    return phases


def package_of(module: str) -> str:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top.startswith("_"):
        return "(stdlib)"
    if top in ("monolith", "serverless"):
        return ".".join(module.split(".")[:2])
    return top


def function_process_env(database_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        **django_environment(database_url),
    }


def wall_ms(argv: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, cwd=REPO, check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def breakdown(database_url: str, runs: int) -> None:
    env = function_process_env(database_url)
    # a. the brief's command, median per module over the runs
    per_module: dict[str, list[ImportLine]] = defaultdict(list)
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import serverless.handler"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        for item in parse_importtime(done.stderr)[""]:
            per_module[item.module].append(item)

    def median_of(module: str, field: str) -> float:
        return statistics.median(getattr(i, field) for i in per_module[module]) / 1000

    total = median_of("serverless.handler", "cumulative_us")
    print(f'\npython -X importtime -c "import serverless.handler" (median of {runs} runs)')
    print(f"import serverless.handler, cumulative: {total:.1f} ms (importtime inflates this)")
    print("\ntop cumulative imports (ms; a module's cumulative includes its children)")
    print(f"{'module':<52}{'cumulative':>11}{'self':>8}{'% of total':>11}")
    ranked = sorted(per_module, key=lambda m: median_of(m, "cumulative_us"), reverse=True)
    for module in ranked[:22]:
        depth = per_module[module][0].depth
        cumulative = median_of(module, "cumulative_us")
        print(
            f"{'  ' * depth + module:<52}{cumulative:>11.1f}{median_of(module, 'self_us'):>8.1f}"
            f"{100 * cumulative / total:>10.0f}%"
        )
    by_package: dict[str, float] = defaultdict(float)
    for module in per_module:
        by_package[package_of(module)] += median_of(module, "self_us")
    print("\nself time summed by package (ms): where the import time is spent")
    print(f"{'package':<34}{'ms':>9}{'share':>8}{'modules':>9}")
    counts: dict[str, int] = defaultdict(int)
    for module in per_module:
        counts[package_of(module)] += 1
    all_self = sum(by_package.values())
    for package, ms in sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:14]:
        print(f"{package:<34}{ms:>9.1f}{100 * ms / all_self:>7.0f}%{counts[package]:>9}")

    # b. wall-clock phases of a sandbox's life, without importtime's overhead
    event = json.dumps(api_event("/unicorns", demo_token()))
    argv = [sys.executable, "-c", PHASES_SCRIPT, event]
    phase_runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, check=True)
        for name, ms in json.loads(done.stdout.splitlines()[-1]):
            phase_runs[name].append(ms)
    bare = wall_ms([sys.executable, "-c", "pass"], env, runs)
    no_site = wall_ms([sys.executable, "-S", "-c", "pass"], env, runs)
    print(f"\nwall-clock phases in one process, limits off (median of {runs} runs, ms)")
    print(f"{'interpreter start + exit (python -c pass)':<58}{bare:>8.1f}")
    print(f"{'  of which site + .pth files (minus python -S -c pass)':<58}{bare - no_site:>8.1f}")
    for name, values in phase_runs.items():
        print(f"{name:<58}{statistics.median(values):>8.1f}")

    # c. what each phase imports (one more run, under importtime)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv[1:]],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    phases = parse_importtime(done.stderr)
    print("\nimports each phase triggers (one run under -X importtime)")
    for name, lines in phases.items():
        if not lines:
            continue
        packages: dict[str, float] = defaultdict(float)
        for item in lines:
            packages[package_of(item.module)] += item.self_us / 1000
        top = ", ".join(
            f"{p} {ms:.1f}" for p, ms in sorted(packages.items(), key=lambda kv: -kv[1])[:6]
        )
        print(f"  {name}: {len(lines)} modules, {sum(packages.values()):.1f} ms: {top}")
    first = [
        item.module
        for item in phases.get("first request (lazy imports, DB connect, query)", [])
        if item.depth == 0
    ]
    if first:
        print(f"  first request's top-level imports: {', '.join(first[:12])}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]),
    )
    parser.add_argument(
        "--cold-starts", type=int, default=20, help="cold starts per configuration (20)"
    )
    parser.add_argument(
        "--importtime-runs", type=int, default=5, help="runs of the import breakdown (5)"
    )
    parser.add_argument(
        "--herd",
        type=int,
        metavar="N",
        help="instead: solo cold starts vs N simultaneous ones (the projection validated)",
    )
    parser.add_argument("--solo", type=int, default=10, help="with --herd: solo cold starts (10)")
    parser.add_argument("--herds", type=int, default=3, help="with --herd: herds to run (3)")
    args = parser.parse_args()
    if args.cold_starts < 1 or args.importtime_runs < 1:
        parser.error("--cold-starts and --importtime-runs must be >= 1")
    if args.herd is not None and (args.herd < 2 or args.solo < 1 or args.herds < 1):
        parser.error("--herd must be >= 2, --solo and --herds >= 1")
    print(machine_line())
    with (
        tempfile.TemporaryDirectory(prefix="bench-init-") as tmp,
        wildrydes_database(Path(tmp), max_connections=max(100, 4 * (args.herd or 0))) as url,
    ):
        work = Path(tmp)
        if args.herd is not None:
            run_herd(url, work, args.herd, args.solo, args.herds)
            return
        print(f"cold starts: {args.cold_starts} per configuration, GET /unicorns as rider demo")
        results = run_cold_starts(url, work, args.cold_starts)
        print_cold_starts(results)
        breakdown(url, args.importtime_runs)


if __name__ == "__main__":
    main()
