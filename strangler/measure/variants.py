"""``compare``'s variants: the route's function with other settings, each run in turn.

Each variant is its own function deployment (same code, its own configuration) in a private
local Lambda service started for it alone, behind a private gateway, loaded with the same load
shape and length as the main run, next to the monolith as in the main run. The variants run one
after another, not interleaved: on a small host, several functions initialising and serving at
once would take CPU from each other, and a variant's cold starts would be slowed by its
neighbours' (the host's run queue is shared; on AWS each sandbox has its own CPU share). One
at a time, each variant meets the same host the main run met, and its private service is
stopped after it, so its sandboxes and their database connections are gone before the next.

A pre-warm schedule is what a scheduled EventBridge rule fanning out to N concurrent
invokes sends: the first event as the variant's run starts (the rule is in place before the
traffic comes), then one every K minutes. Their REPORTs go to ``prewarm_reports.jsonl``, the
load's to ``lambda_reports.jsonl``.

Layout: ``<run>/variants/variants.json`` (the objective and the variants, in order) and one
directory per variant, ``<run>/variants/<name>/`` with ``variant.json`` and ``raw/`` as a
main run has it, so ``strangler report`` rebuilds everything from the files.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from infra.local.lambda_service.spec import ServiceConfig
from loadtests.report.raw import (
    LAMBDA_REPORTS,
    META,
    OVERHEAD,
    PREWARM_REPORTS,
    SAMPLES,
    VARIANT_SETTINGS,
    VARIANTS_DIR,
    VARIANTS_PLAN,
    write_json,
    write_lines,
)
from loadtests.samplers import Sampler
from strangler.measure.prober import Prober
from strangler.progress import Progress
from strangler.stack.functions import function_spec, service_settings
from strangler.stack.launch import lambda_service_argv_for
from strangler.stack.processes import ProcessTable
from strangler.stack.readiness import wait_http_ok
from strangler_core.atomic import write_atomic
from strangler_core.config import Config, FunctionConfig
from strangler_core.lambda_model import InvokeCredentials
from strangler_core.model import load
from strangler_core.variants import Objective, Variant

PREWARM_EVENT = b'{"isPrewarm": true}'
PREWARM_INVOKE_TIMEOUT_S = 60.0
PROVISIONED_START_S = 15.0  # per provisioned sandbox, on top of [lambda] start_timeout_s


def variant_function(config: Config, function: str, variant: Variant) -> FunctionConfig:
    """The function as configured, with the variant's settings: its own name, same code."""
    base = config.function(function)
    assert base is not None
    changes: dict[str, Any] = {"name": f"{function}-{variant.name}"[:64]}
    if variant.memory_mb is not None:
        changes["memory_mb"] = variant.memory_mb
    if variant.provisioned is not None:
        changes["provisioned_concurrency"] = variant.provisioned
    return load(
        FunctionConfig,
        {**dict(base), **changes},
        f"{config.source}: variant {variant.name} of [[functions]] {function}",
    )


def write_plan(run_dir: Path, objective: Objective | None, variants: tuple[Variant, ...]) -> None:
    document = {
        "objective": None if objective is None else objective.model_dump(),
        "variants": [v.name for v in variants],
    }
    (run_dir / VARIANTS_DIR).mkdir(parents=True, exist_ok=True)
    write_json(run_dir / VARIANTS_DIR / VARIANTS_PLAN, document)


@dataclass(frozen=True)
class VariantRun:
    """What one variant's run needs from the comparison around it."""

    config: Config
    function: str  # the configured function the variants vary
    database_url: str
    start_gateway: Callable[[ProcessTable, str, str], str]
    """(processes, name, lambda_url) -> the private gateway's URL with the route on that Lambda
    service's function of that name."""
    run_load: Callable[[dict[str, str], Path, Sampler], None]
    """(path URLs, raw dir, sampler): the main run's load, once more."""
    copy_window: Callable[[Path, Path, float, float], None]
    meta: Callable[[FunctionConfig, dict[str, Any], float, float], dict[str, Any]]
    access_log: Callable[[Path, str], Path]
    """(work dir, path) -> the access log of that path's private gateway started in it."""


def run_variant(run: VariantRun, variant: Variant, run_dir: Path, progress: Progress) -> Path:
    """One variant's run, into ``<run>/variants/<name>/``."""
    fn = variant_function(run.config, run.function, variant)
    here = run_dir / VARIANTS_DIR / variant.name
    raw = here / "raw"
    raw.mkdir(parents=True)
    write_json(here / VARIANT_SETTINGS, variant.model_dump())
    work = here / "work"
    processes = ProcessTable(work)
    log_dir = work / "lambda-logs"
    prewarm_ids: list[str] = []
    stop = threading.Event()
    warmer: threading.Thread | None = None
    try:
        invoker = _start_service(run.config, fn, run.database_url, processes, work)
        lambda_url = invoker.lambda_url
        status = {"lambda_limits": _limits(lambda_url)}
        progress(f"variant {variant.name}: function {fn.name} ({fn.memory_mb} MB) on {lambda_url}")
        urls = {
            "monolith": run.start_gateway(processes, "monolith", lambda_url),
            "lambda": run.start_gateway(processes, fn.name, lambda_url),
        }
        opened = time.time()  # the window's REPORTs include the first pre-warm event's
        if variant.prewarm and variant.prewarm_every_min:
            prewarm_ids += prewarm_round(invoker, variant.prewarm)
            progress(f"variant {variant.name}: pre-warmed {variant.prewarm} sandboxes")
            warmer = threading.Thread(
                target=_prewarm_every,
                args=(invoker, variant, stop, prewarm_ids),
                name="prewarm",
                daemon=True,
            )
            warmer.start()
        quiet = threading.Lock()
        sampler = Sampler(
            lambda_url=lambda_url, function=fn.name, database_url=run.database_url, quiet=quiet
        ).start()
        prober = Prober(gateways=urls, lambda_url=lambda_url, function=fn.name, quiet=quiet)
        prober.start()
        started = time.time()
        try:
            run.run_load(urls, raw, sampler)
        finally:
            prober.stop()
            samples = sampler.stop()
            stop.set()
            if warmer is not None:
                warmer.join(timeout=PREWARM_INVOKE_TIMEOUT_S)
        ended = time.time()
    finally:
        for name in ("gateway-monolith", "gateway-lambda", "lambda"):
            processes.stop(name)
    write_lines(raw / SAMPLES, samples)
    own = prober.results(
        {path: run.access_log(work, path) for path in urls}, log_dir / "reports.jsonl"
    )
    write_lines(raw / OVERHEAD, own.probes)
    window = here / "work" / "reports-window.jsonl"
    run.copy_window(log_dir / "reports.jsonl", window, opened, ended)
    _split_reports(
        window, set(prewarm_ids), own.invocations, raw / LAMBDA_REPORTS, raw / PREWARM_REPORTS
    )
    write_json(raw / META, run.meta(fn, status, started, ended))
    return here


def _start_service(
    config: Config, fn: FunctionConfig, database_url: str, processes: ProcessTable, work: Path
) -> Invoker:
    """A Lambda service serving ``fn`` alone, its logs under ``work``."""
    from infra.local.net import free_port

    host = config.lambda_service.host
    port = free_port(host)
    settings = service_settings(config, port).model_copy(
        update={"log_dir": str(work / "lambda-logs")}
    )
    service = load(
        ServiceConfig,
        {"settings": settings, "functions": (function_spec(config, fn, database_url),)},
        f"{config.source}: variant {fn.name}",
    )
    service_file = work / "lambda-service.json"
    work.mkdir(parents=True, exist_ok=True)
    # owner-only, like the stack's own: the function's environment holds DATABASE_URL
    write_atomic(service_file, service.model_dump_json(indent=2))
    record = processes.spawn(
        "lambda", lambda_service_argv_for(service_file), env=dict(os.environ), cwd=config.root
    )
    timeout = config.lambda_service.start_timeout_s + PROVISIONED_START_S * (
        fn.provisioned_concurrency
    )
    url = f"http://{host}:{port}"
    wait_http_ok(f"{url}/strangler/health", record, timeout)
    return Invoker(url, fn.name, settings.region, settings.credentials)


@dataclass(frozen=True)
class Invoker:
    """Where a variant's function is invoked, and the key its Invoke API wants, if any."""

    lambda_url: str
    function: str
    region: str
    credentials: InvokeCredentials | None = None

    def request(self) -> urllib.request.Request:
        url = f"{self.lambda_url}/2015-03-31/functions/{self.function}/invocations"
        headers = {"Content-Type": "application/json"}
        if self.credentials is not None:  # SigV4, as boto3 signs an Invoke
            signed = AWSRequest(method="POST", url=url, data=PREWARM_EVENT, headers=headers)
            key = self.credentials
            SigV4Auth(
                Credentials(key.access_key_id, key.secret_access_key), "lambda", self.region
            ).add_auth(signed)
            headers = dict(signed.headers.items())
        return urllib.request.Request(url, data=PREWARM_EVENT, headers=headers, method="POST")


def prewarm_round(invoker: Invoker, sandboxes: int) -> list[str]:
    """One pre-warm event: ``sandboxes`` concurrent ``isPrewarm`` invokes; their request ids."""

    def invoke(_: int) -> str:
        request = invoker.request()
        with urllib.request.urlopen(request, timeout=PREWARM_INVOKE_TIMEOUT_S) as response:
            response.read()
            return str(response.headers.get("x-amzn-RequestId", ""))

    with ThreadPoolExecutor(sandboxes, thread_name_prefix="prewarm") as pool:
        return [rid for rid in pool.map(invoke, range(sandboxes)) if rid]


def _prewarm_every(
    invoker: Invoker, variant: Variant, stop: threading.Event, ids: list[str]
) -> None:
    assert variant.prewarm is not None and variant.prewarm_every_min is not None
    while not stop.wait(variant.prewarm_every_min * 60.0):
        try:
            ids += prewarm_round(invoker, variant.prewarm)
        except OSError:
            continue  # a missed pre-warm is a colder next minute, as on AWS; not a failed run


def _split_reports(
    source: Path, prewarm: set[str], probes: Collection[str], load_file: Path, prewarm_file: Path
) -> None:
    """The window's REPORTs: the load's, the pre-warm events' apart, the overhead probes' out."""
    with source.open() as lines, load_file.open("w") as ours, prewarm_file.open("w") as warm:
        for line in lines:
            request_id = json.loads(line).get("request_id")
            if request_id not in probes:
                (warm if request_id in prewarm else ours).write(line)


def _limits(lambda_url: str) -> str:
    try:
        with urllib.request.urlopen(f"{lambda_url}/strangler/metrics", timeout=5) as response:
            return str(json.loads(response.read()).get("limits") or "unknown")
    except (OSError, ValueError):
        return "unknown"
