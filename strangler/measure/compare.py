"""``strangler compare``: one route, both paths, one run; then the decision report.

Two private gateways are started in front of the same monolith and Lambda service: one with
the route on the monolith, one with it on the function. The live route table is not touched.
Every user class of the Locust file runs on both of them (or the route's captured requests
alternate between them), so both paths share the moment's conditions.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loadtests import settings as lt
from loadtests.distributed import forwarded_names
from loadtests.report.raw import LAMBDA_REPORTS, META, OVERHEAD, SAMPLES, write_json, write_lines
from loadtests.samplers import Sampler
from loadtests.shapes import stages_for
from strangler.measure.distributed import MasterOptions
from strangler.measure.load import Load, choose_load
from strangler.measure.overhead import with_probe_route
from strangler.measure.prober import Prober
from strangler.moves.migrate import MigrationError
from strangler.moves.steps import (
    RouteMove,
    apply_move,
    choose_function,
    load_table,
    restore,
    route_keys_for,
)
from strangler.profiles import profile_for, seed_command
from strangler.progress import Progress
from strangler.stack.launch import gateway_argv_for
from strangler.stack.local import require_running
from strangler.stack.processes import ProcessTable
from strangler.stack.readiness import log_tail, wait_answering
from strangler.stack.state import read_state, utc_now
from strangler_core.config import Config, FunctionConfig
from strangler_core.errors import ProcessError
from strangler_core.routes import Integration, RouteTable, save_route_table
from strangler_core.variants import Objective, Variant

LOCUSTFILE = Path(__file__).resolve().parents[2] / "loadtests" / "locustfile.py"
"""What ``locust -f`` loads: the shape and the collector; the users come from ``load.py``."""


def profile_load_environment(config: Config) -> dict[str, str]:
    """The Locust process's environment from the profile: what its journeys read, and the
    application's own error answers that do not count as failures."""
    profile = profile_for(config)
    expected = "\n".join(answer.encode() for answer in profile.expected_answers())
    return {
        **profile.load_environment(config.run_dir, seed_command(config)),
        lt.EXPECTED_ANSWERS: expected,
    }


@dataclass(frozen=True)
class CompareRequest:
    route: str
    scenario: str = "steady"
    duration_s: float = 60.0
    users: int = 20
    load_model: str = "open"
    function: str | None = None
    reports_dir: Path = Path("reports")
    locustfile: Path | None = None
    """The user's own Locust file (else ``[load] locustfile``, else captured traffic)."""
    variants: tuple[Variant, ...] = ()
    """Run after the main run, each with the same load (``variants.py``)."""
    objective: Objective | None = None
    master: MasterOptions | None = None
    """Locust's distributed mode: workers on other machines send the load."""


@dataclass(frozen=True)
class AwsTargets:
    """A comparison against AWS: both paths deployed, REPORT lines from CloudWatch Logs."""

    monolith_url: str  # the fleet directly (its load balancer): the monolith path
    api_url: str  # the deployed HTTP API, with the route migrated: the Lambda path
    function_name: str  # the deployed function's name (its log group)
    logs_client: Any  # boto3 CloudWatch Logs client from the standard credential chain
    allow_remote: bool = False


def _new_run(config: Config, request: CompareRequest) -> tuple[str, Path]:
    stages_for(request.scenario, request.users, request.duration_s)  # validates early
    route_keys_for(request.route)
    run_id = (
        datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        + "-"
        + request.route.strip("/").replace("/", "-")
    )
    run_dir = (config.root / request.reports_dir / run_id).resolve()
    (run_dir / "raw").mkdir(parents=True)
    return run_id, run_dir


def run_compare_aws(
    config: Config, request: CompareRequest, aws: AwsTargets, progress: Progress
) -> Path:
    """Both paths on AWS: Locust against the fleet and the API, billing from REPORT lines."""
    from infra.aws.reports import fetch_reports
    from loadtests.targets import check_target

    for url in (aws.monolith_url, aws.api_url):
        check_target(url, aws.allow_remote or config.project.allow_non_loopback)
    function = choose_function(config, request.function)
    load = _choose_load(config, request)
    run_id, run_dir = _new_run(config, request)
    raw_dir = run_dir / "raw"
    urls = {"monolith": aws.monolith_url, "lambda": aws.api_url}
    started = time.time()
    _run_locust(config, request, load, urls, raw_dir, None, progress)
    ended = time.time()
    progress(f"fetching REPORT lines of {aws.function_name} from CloudWatch Logs")
    window = (datetime.fromtimestamp(started, UTC), datetime.fromtimestamp(ended + 5, UTC))
    write_lines(
        raw_dir / LAMBDA_REPORTS, fetch_reports(aws.logs_client, aws.function_name, *window)
    )
    write_lines(raw_dir / SAMPLES, [])  # concurrency and DB connections are not sampled on AWS
    status = {"lambda_limits": "AWS Lambda (the real service)"}
    fn = config.function(function)
    assert fn is not None
    write_json(raw_dir / META, _meta(config, request, fn, status, run_id, started, ended))
    return run_dir


def run_compare(config: Config, request: CompareRequest, progress: Progress) -> Path:
    status = require_running(config)
    if not status.get("lambda"):
        raise MigrationError("the local Lambda service is not running; `make up` starts it")
    function = choose_function(config, request.function)
    keys = route_keys_for(request.route)
    if request.variants:
        from strangler.measure.variants import variant_function

        for variant in request.variants:  # a bad variant stops here, before any load
            variant_function(config, function, variant)
    load = _choose_load(config, request)
    run_id, run_dir = _new_run(config, request)
    raw_dir = run_dir / "raw"
    processes = ProcessTable(run_dir / "work")

    # the live table as it is, with the route forced to each path in turn
    without_route = restore(load_table(config), {k: None for k in keys}, utc_now())
    tables = {
        "monolith": without_route,
        "lambda": apply_move(without_route, RouteMove(request.route, keys, function), utc_now()),
    }
    # each path's table with the probe route of the harness's own overhead, on its integration
    probed = {
        "monolith": with_probe_route(tables["monolith"], Integration.monolith(), utc_now()),
        "lambda": with_probe_route(tables["lambda"], Integration.aws_proxy(function), utc_now()),
    }
    urls: dict[str, str] = {}
    quiet = threading.Lock()
    try:
        for path, table in probed.items():
            urls[path] = _path_gateway(processes, run_dir / "work", path, table, status, config)
        progress(
            f"private gateways: monolith path {urls['monolith']}, lambda path {urls['lambda']}"
        )
        sampler = Sampler(
            lambda_url=status["lambda"],
            function=function,
            database_url=read_state(config)["database"],
            quiet=quiet,
        ).start()
        prober = Prober(
            gateways=urls, lambda_url=status["lambda"], function=function, quiet=quiet
        ).start()
        started = time.time()
        try:
            _run_locust(config, request, load, urls, raw_dir, sampler, progress)
        finally:
            prober.stop()
            samples = sampler.stop()
        ended = time.time()
    finally:
        for path in urls:
            processes.stop(f"gateway-{path}")
    write_lines(raw_dir / SAMPLES, samples)
    reports = config.run_dir / "lambda-logs" / "reports.jsonl"
    access_logs = {path: _access_log(run_dir / "work", path) for path in urls}
    own = prober.results(access_logs, reports)
    write_lines(raw_dir / OVERHEAD, own.probes)
    _copy_window(reports, raw_dir / LAMBDA_REPORTS, started, ended, "timestamp", own.invocations)
    if config.tracing.enabled:
        segments = config.run_dir / "segments.jsonl"
        target = raw_dir / "segments.jsonl"
        _copy_window(segments, target, started, ended, "start_time", own.traces, key="trace_id")
    fn = config.function(function)
    assert fn is not None
    write_json(raw_dir / META, _meta(config, request, fn, status, run_id, started, ended))
    if request.variants:
        _run_variants(config, request, load, function, tables, status, run_dir, progress)
    return run_dir


def _run_variants(
    config: Config,
    request: CompareRequest,
    load: Load,
    function: str,
    tables: dict[str, RouteTable],
    status: dict[str, Any],
    run_dir: Path,
    progress: Progress,
) -> None:
    """Each variant in turn, with the main run's load, route and monolith path."""
    from strangler.measure import variants

    count = len(request.variants)
    progress(
        f"variants: {count} more run(s) of {request.duration_s:.0f} s, one after another "
        f"({', '.join(v.name for v in request.variants)})"
    )
    variants.write_plan(run_dir, request.objective, request.variants)
    keys = route_keys_for(request.route)

    def start_gateway(processes: ProcessTable, target: str, lambda_url: str) -> str:
        path = "monolith" if target == "monolith" else "lambda"
        table = with_probe_route(tables["monolith"], Integration.monolith(), utc_now())
        if path == "lambda":
            table = apply_move(
                tables["monolith"], RouteMove(request.route, keys, target), utc_now()
            )
            table = with_probe_route(table, Integration.aws_proxy(target), utc_now())
        work = processes.pid_dir.parent
        return _path_gateway(processes, work, path, table, {**status, "lambda": lambda_url}, config)

    def run_load(urls: dict[str, str], raw: Path, sampler: Sampler) -> None:
        _run_locust(config, request, load, urls, raw, sampler, progress)

    def meta(
        fn: FunctionConfig, limits: dict[str, Any], started: float, ended: float
    ) -> dict[str, Any]:
        run_id = f"{run_dir.name}/{fn.name}"
        return _meta(config, request, fn, limits, run_id, started, ended)

    run = variants.VariantRun(
        config=config,
        function=function,
        database_url=read_state(config)["database"],
        start_gateway=start_gateway,
        run_load=run_load,
        copy_window=lambda src, dst, t0, t1: _copy_window(src, dst, t0, t1, "timestamp"),
        meta=meta,
        access_log=_access_log,
    )
    for variant in request.variants:
        variants.run_variant(run, variant, run_dir, progress)


def _routes_file(work: Path, path: str) -> Path:
    return work / f"{path}-routes.json"


def _access_log(work: Path, path: str) -> Path:
    """The private gateway's access log (``_start_gateway`` names it)."""
    return _routes_file(work, path).with_suffix(".access.jsonl")


def _path_gateway(
    processes: ProcessTable,
    work: Path,
    path: str,
    table: RouteTable,
    status: dict[str, Any],
    config: Config,
) -> str:
    routes_file = _routes_file(work, path)
    routes_file.parent.mkdir(parents=True, exist_ok=True)
    save_route_table(table, routes_file)
    return _start_gateway(processes, path, routes_file, status, config)


def _start_gateway(
    processes: ProcessTable, path: str, routes_file: Path, status: dict[str, Any], config: Config
) -> str:
    from infra.local.net import free_port

    port = free_port()
    argv = gateway_argv_for(
        config,
        routes_path=routes_file,
        monolith_url=status["monolith"],
        lambda_url=status["lambda"],
        host="127.0.0.1",
        port=port,
        access_log=routes_file.with_suffix(".access.jsonl"),
        settings_file=routes_file.with_suffix(".gateway.json"),
        capture_dir=(
            routes_file.parent / f"{path}-traffic" if config.gateway.capture_comparisons else None
        ),
    )
    record = processes.spawn(f"gateway-{path}", argv, env=dict(os.environ), cwd=config.root)
    url = f"http://127.0.0.1:{port}"
    wait_answering(f"{url}{config.monolith.health_path}", record, config.gateway.start_timeout_s)
    return url


def load_environment(config: Config, request: CompareRequest) -> dict[str, str]:
    """What the Locust process (and the user's Locust file in it) reads, but the paths."""
    return {
        **os.environ,
        lt.SCENARIO: request.scenario,
        lt.USERS: str(request.users),
        lt.DURATION_S: str(request.duration_s),
        lt.LOAD_MODEL: request.load_model,
        lt.ROUTE: request.route,
        **profile_load_environment(config),
    }


def _choose_load(config: Config, request: CompareRequest) -> Load:
    return choose_load(
        config,
        request.route,
        route_keys_for(request.route),
        request.locustfile,
        load_environment(config, request),
        default_locustfile=profile_for(config).locustfile(),
    )


def _run_locust(
    config: Config,
    request: CompareRequest,
    load: Load,
    urls: dict[str, str],
    raw_dir: Path,
    sampler: Sampler | None,
    progress: Progress,
) -> None:
    env = {
        **load_environment(config, request),
        **load.environment(raw_dir.parent / "work"),
        lt.PATH_URLS: ",".join(f"{k}={v}" for k, v in urls.items()),
        lt.RAW_DIR: str(raw_dir),
        **forwarded_names(profile_load_environment(config)),
    }
    log = raw_dir.parent / "locust.log"
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        # no --host: Locust would set it on every user class, and each runs on its own path
        "--headless",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--run-time",
        f"{int(request.duration_s + 60)}s",
        "--stop-timeout",
        "10",
        "--exit-code-on-error",
        "0",
        *(request.master.locust_arguments() if request.master else []),
    ]
    if request.master:
        progress(
            f"locust master: waiting for {request.master.expect_workers} worker(s) on port "
            f"{request.master.bind_port} (`strangler worker --master-host <this host>`)"
        )
    progress(
        f"locust: {load.describe()}, {request.scenario}, {request.users} users, "
        f"{request.duration_s:.0f} s ({request.load_model} model)"
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=config.root
        )
        began = time.monotonic()
        try:
            while not _exited(proc, within_s=5):
                elapsed = f"  {time.monotonic() - began:4.0f}/{request.duration_s:.0f} s"
                if sampler is None:
                    progress(elapsed)
                    continue
                lam, db = sampler.latest("lambda"), sampler.latest("db")
                # the service counts cold starts since it started (the smoke check's among
                # them); the report counts those of the run, and so does this line
                cold = lam.get("cold_starts", 0) - sampler.first("lambda").get("cold_starts", 0)
                progress(
                    f"{elapsed}  lambda concurrency {lam.get('concurrent_executions', 0)}, "
                    f"cold starts {cold}, "
                    f"db connections monolith {db.get('monolith', 0)} / "
                    f"lambda {db.get('lambda', 0)}"
                )
        except BaseException:
            proc.terminate()
            proc.wait(timeout=30)
            raise
    if proc.returncode != 0 or not (raw_dir / "histograms.json").exists():
        raise ProcessError(
            f"locust failed (exit {proc.returncode}). Last lines of {log}:\n{log_tail(log)}"
        )


def _exited(proc: subprocess.Popen[bytes], within_s: float) -> bool:
    """Whether ``proc`` ends within ``within_s``: the run is over the moment Locust is, not at
    the next progress tick."""
    try:
        proc.wait(timeout=within_s)
    except subprocess.TimeoutExpired:
        return False
    return True


def _copy_window(
    source: Path,
    target: Path,
    started: float,
    ended: float,
    stamp: str,
    leave_out: Collection[str] = (),
    key: str = "request_id",
) -> None:
    """The records of ``source`` whose ``stamp`` falls in the run's window, streamed (these
    files grow with every invocation, across runs), but those whose ``key`` is in
    ``leave_out`` (the harness's own probes')."""
    with target.open("w") as out:
        if not source.exists():
            return
        with source.open() as lines:
            for line in lines:
                record = json.loads(line)
                moment = _epoch(record.get(stamp))
                if moment is None or not started <= moment <= ended + 1:
                    continue
                if record.get(key) not in leave_out:
                    out.write(line)


def _epoch(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _meta(
    config: Config,
    request: CompareRequest,
    fn: FunctionConfig,
    status: dict[str, Any],
    run_id: str,
    started: float,
    ended: float,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "route": request.route,
        "scenario": request.scenario,
        "load_model": request.load_model,
        "load_model_detail": (
            "open: each user paces itself at 1 journey/s (constant_throughput), so arrivals "
            "stay steady when answers slow down"
            if request.load_model == "open"
            else "closed: users wait 0.5-1.5 s after each answer"
        ),
        "users": request.users,
        "duration_s": round(ended - started, 3),
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(),
        "ended_at": datetime.fromtimestamp(ended, UTC).isoformat(),
        "host": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "lambda": {
            "function": fn.name,
            "memory_mb": fn.memory_mb,
            "architecture": fn.architecture,
            "limits": status.get("lambda_limits") or "unknown",
            "reserved_concurrency": fn.reserved_concurrency,
            "provisioned_concurrency": fn.provisioned_concurrency,
        },
        "monolith": {"workers": config.monolith.workers, "threads": config.monolith.threads},
        "database": {"max_connections": config.database.max_connections},
    }
