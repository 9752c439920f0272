"""The records of a run's raw results: strict, frozen models, one per kind of line or file.

Pure data: reading and writing them is ``files.py``; JSON <-> records is ``codec.py``.
Field by field documentation: docs/report-schema.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hdrh.histogram import HdrHistogram
from pydantic import ConfigDict, Field

from strangler_core.model import StrictModel
from strangler_core.variants import Objective, Variant

PathName = Literal["monolith", "lambda"]
PATHS: tuple[PathName, ...] = ("monolith", "lambda")
LoadModel = Literal["closed", "open"]

# Latency histograms: microseconds, 1 us .. 60 s, 3 significant digits.
LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS = 1, 60_000_000, 3

META, HISTOGRAMS, COUNTERS = "meta.json", "histograms.json", "counters.json"
TIMESERIES, COLD_STARTS = "timeseries.jsonl", "cold_starts.jsonl"
SAMPLES, LAMBDA_REPORTS = "samples.jsonl", "lambda_reports.jsonl"
SEGMENTS = "segments.jsonl"  # optional: X-Ray segments, as the local collector writes them
# compare's variants: <run>/variants/variants.json (objective, names in order) and, per
# variant, <run>/variants/<name>/variant.json beside its own raw/ (with prewarm_reports.jsonl)
VARIANTS_DIR, VARIANTS_PLAN, VARIANT_SETTINGS = "variants", "variants.json", "variant.json"
PREWARM_REPORTS = "prewarm_reports.jsonl"
OVERHEAD = "overhead.jsonl"  # optional: compare's probes of the harness's own cost per path


def new_latency_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


class RawRecord(StrictModel):
    """A record of the raw files. ``lambda`` is a keyword, so those fields are ``lambda_`` in
    Python (built by that name); the files are read by alias only."""

    model_config = ConfigDict(validate_by_name=True)


class HostInfo(RawRecord):
    cores: int | None  # os.cpu_count() may not know
    python: str
    platform: str


class LambdaConfig(RawRecord):
    function: str
    memory_mb: int
    architecture: str  # "x86_64" | "arm64"
    limits: str  # "cgroup-v1" | "unconstrained (<why>)"
    reserved_concurrency: int | None = None
    provisioned_concurrency: int | None = None


class MonolithConfig(RawRecord):
    workers: int
    threads: int


class DatabaseConfig(RawRecord):
    max_connections: int | None


class RunMeta(RawRecord):
    run_id: str
    route: str
    scenario: str
    load_model: LoadModel
    load_model_detail: str
    users: int
    duration_s: float
    started_at: str  # ISO 8601
    ended_at: str  # ISO 8601
    host: HostInfo
    lambda_: LambdaConfig = Field(alias="lambda")
    monolith: MonolithConfig
    database: DatabaseConfig


class PathCounters(RawRecord):
    requests: int
    failures: int
    status_counts: dict[str, int] = Field(default_factory=dict)
    error_classes: dict[str, int] = Field(default_factory=dict)


class SecondRow(RawRecord):
    """One second of one path (`timeseries.jsonl`)."""

    t: int  # whole seconds since the run started
    path: PathName
    requests: int
    failures: int
    p50_ms: float
    p99_ms: float
    max_ms: float


class ColdStart(RawRecord):
    """A client request that landed on a new sandbox, joined to its REPORT by request id."""

    t: float  # seconds since the run started
    request_id: str | None
    latency_ms: float
    init_ms: float | None
    sandbox_id: str | None


class LambdaSample(RawRecord):
    """The Lambda service's gauges at time t; `throttles`/`cold_starts` are cumulative counters."""

    t: float
    concurrent_executions: int
    sandboxes_warm: int
    sandboxes_busy: int
    throttles: int
    cold_starts: int
    kind: Literal["lambda"] = "lambda"


class DbSample(RawRecord):
    """Open database connections at time t, by application name (pg_stat_activity)."""

    t: float
    monolith: int
    lambda_: int = Field(alias="lambda")
    total: int
    kind: Literal["db"] = "db"


class HostSample(RawRecord):
    """This host's CPUs at time t: runnable tasks (``/proc/stat`` procs_running, the sampler
    itself left out), the cores, CPU busy % since the previous sample, the 1-minute load."""

    t: float
    runnable: int
    cores: int
    busy_pct: float
    load1: float
    kind: Literal["host"] = "host"


Sample = LambdaSample | DbSample | HostSample


class LambdaReport(RawRecord):
    """One REPORT record of the run window (Lambda's own numbers for one invocation).

    The records are copies of the Lambda service's own (`reports.jsonl`, or CloudWatch's on
    AWS), which carry more keys than the report reads (`function`, `sandbox_id`,
    `error_type`, `restore_ms`, ...): here, and only here, unknown keys are ignored.
    """

    model_config = ConfigDict(extra="ignore")

    request_id: str
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None
    status: str
    timestamp: str  # ISO 8601, e.g. "2026-11-23T14:01:02.345Z"
    # Of init_ms, the time the sandbox waited for a host CPU, and init_ms without it (the
    # local Lambda service's; absent from CloudWatch's and older records)
    init_run_queue_wait_ms: float | None = None
    projected_init_ms: float | None = None
    # An init past 10 s that Lambda suppressed, and its re-run inside the invocation (measured,
    # within duration_ms); projected_init_ms is then the re-run's projection
    suppressed_init_ms: float | None = None
    rerun_init_ms: float | None = None
    sandbox_id: str | None = None  # the local Lambda service's; CloudWatch's REPORT has none


class OverheadProbe(RawRecord):
    """One probe of the harness's own cost on a path, taken during the run.

    ``through_ms`` is a null request's round trip through the harness (the path's private
    gateway, and on the Lambda path the Lambda service); ``inner_ms`` is the part of it that is
    not the harness's: the same request sent straight to the monolith, or the invocation's
    REPORT Duration. Their difference is the harness's overhead on that request.
    """

    t: float  # seconds since the run started
    path: PathName
    through_ms: float
    inner_ms: float
    # Lambda path: the gateway's wait on the Lambda service (its integrationLatency), which
    # splits the overhead into the gateway's share and the Lambda service's
    integration_ms: float | None = None


@dataclass(frozen=True)
class RawRun:
    """Everything a run recorded. The iterables may be lists, generators or `JsonlStream`s."""

    meta: RunMeta
    histograms: Mapping[str, HdrHistogram]  # path -> latency in microseconds
    counters: Mapping[str, PathCounters]
    timeseries: Iterable[SecondRow] = ()
    cold_starts: Iterable[ColdStart] = ()
    samples: Iterable[Sample] = ()
    lambda_reports: Iterable[LambdaReport] = ()
    # X-Ray documents, untouched (strangler_core.traces assembles them); None: not written here,
    # since the collector appends to raw/segments.jsonl itself during the run
    segments: Iterable[dict[str, Any]] | None = None
    # the harness's own cost per path; None: not written here (compare probes beside Locust and
    # writes raw/overhead.jsonl itself); an empty stream when the run did not probe (AWS)
    overhead: Iterable[OverheadProbe] | None = None


@dataclass(frozen=True)
class VariantRaw:
    """One variant's run: its settings, its raw results, and its pre-warm invokes' REPORTs."""

    variant: Variant
    run: RawRun
    prewarm_reports: Iterable[LambdaReport] = ()


@dataclass(frozen=True)
class VariantsRaw:
    objective: Objective | None
    variants: tuple[VariantRaw, ...]
