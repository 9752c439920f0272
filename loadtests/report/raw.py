"""The raw results of one load run (`reports/<run-id>/raw/`): one definition for both sides.

The collector writes them with `write_raw`, the report reads them with `read_raw`. Only the
fixed-size parts are held in memory: run metadata, counters and the HDR histograms. The
per-second and per-invocation files (`*.jsonl`) are `JsonlStream`s: iterating one opens the
file and parses it a line at a time, so a run of millions of requests reads in flat memory.
Field by field documentation: docs/report-schema.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

from hdrh.histogram import HdrHistogram

from strangler.core.atomic import write_atomic
from strangler.core.errors import StranglerError

PathName = Literal["monolith", "lambda"]
PATHS: tuple[PathName, ...] = ("monolith", "lambda")
LoadModel = Literal["closed", "open"]
ERROR_CLASSES = ("gateway_throttle", "lambda_throttle", "function_error", "timeout", "other")

# Latency histograms: microseconds, 1 us .. 60 s, 3 significant digits.
LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS = 1, 60_000_000, 3

META, HISTOGRAMS, COUNTERS = "meta.json", "histograms.json", "counters.json"
TIMESERIES, COLD_STARTS = "timeseries.jsonl", "cold_starts.jsonl"
SAMPLES, LAMBDA_REPORTS = "samples.jsonl", "lambda_reports.jsonl"
SEGMENTS = "segments.jsonl"  # optional: X-Ray segments, as the local collector writes them

T = TypeVar("T")


class RawFormatError(StranglerError, ValueError):
    """A raw results file is missing or malformed; the message names the file and the key."""


def new_latency_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


# --- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostInfo:
    cores: int | None  # os.cpu_count() may not know
    python: str
    platform: str


@dataclass(frozen=True)
class LambdaConfig:
    function: str
    memory_mb: int
    architecture: str  # "x86_64" | "arm64"
    limits: str  # "cgroup-v1" | "unconstrained (<why>)"
    reserved_concurrency: int | None = None
    provisioned_concurrency: int | None = None


@dataclass(frozen=True)
class MonolithConfig:
    workers: int
    threads: int


@dataclass(frozen=True)
class DatabaseConfig:
    max_connections: int | None


@dataclass(frozen=True)
class RunMeta:
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
    lambda_: LambdaConfig  # "lambda" in JSON
    monolith: MonolithConfig
    database: DatabaseConfig


@dataclass(frozen=True)
class PathCounters:
    requests: int
    failures: int
    status_counts: Mapping[str, int] = field(default_factory=dict)
    error_classes: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SecondRow:
    """One second of one path (`timeseries.jsonl`)."""

    t: int  # whole seconds since the run started
    path: PathName
    requests: int
    failures: int
    p50_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True)
class ColdStart:
    """A client request that landed on a new sandbox, joined to its REPORT by request id."""

    t: float  # seconds since the run started
    request_id: str | None
    latency_ms: float
    init_ms: float | None
    sandbox_id: str | None


@dataclass(frozen=True)
class LambdaSample:
    """The Lambda service's gauges at time t; `throttles`/`cold_starts` are cumulative counters."""

    t: float
    concurrent_executions: int
    sandboxes_warm: int
    sandboxes_busy: int
    throttles: int
    cold_starts: int
    kind: Literal["lambda"] = "lambda"


@dataclass(frozen=True)
class DbSample:
    """Open database connections at time t, by application name (pg_stat_activity)."""

    t: float
    monolith: int
    lambda_: int  # "lambda" in JSON
    total: int
    kind: Literal["db"] = "db"


Sample = LambdaSample | DbSample


@dataclass(frozen=True)
class LambdaReport:
    """One REPORT record of the run window (Lambda's own numbers for one invocation)."""

    request_id: str
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None
    status: str
    timestamp: str  # ISO 8601, e.g. "2026-11-23T14:01:02.345Z"


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
    # X-Ray documents, untouched (strangler.core.traces assembles them); None: not written here,
    # since the collector appends to raw/segments.jsonl itself during the run
    segments: Iterable[dict[str, Any]] | None = None


# --- JSON <-> records (pure) ---------------------------------------------------------------


def _to_json(record: Any) -> dict[str, Any]:
    """A record as the JSON object of the raw format (`lambda_` is written `lambda`)."""
    if isinstance(record, Mapping):
        return dict(record)
    out: dict[str, Any] = {}
    for name in record.__dataclass_fields__:
        value = getattr(record, name)
        if hasattr(value, "__dataclass_fields__"):
            value = _to_json(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        out["lambda" if name == "lambda_" else name] = value
    return out


class _Fields:
    """Typed access to one JSON object; every error names the file, the line and the key."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise RawFormatError(f"{where}: expected a JSON object, got {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.where = where

    def _get(self, key: str, optional: bool) -> Any:
        if key not in self.data:
            if optional:
                return None
            raise RawFormatError(f"{self.where}: missing key {key!r}")
        return self.data[key]

    def _bad(self, key: str, want: str) -> RawFormatError:
        return RawFormatError(f"{self.where}: key {key!r} must be {want}, got {self.data[key]!r}")

    def integer(self, key: str) -> int:
        value = self._get(key, False)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(key, "an integer")
        return value

    def opt_integer(self, key: str) -> int | None:
        value = self._get(key, True)
        return None if value is None else self.integer(key)

    def number(self, key: str) -> float:
        value = self._get(key, False)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad(key, "a number")
        return float(value)

    def opt_number(self, key: str) -> float | None:
        value = self._get(key, True)
        return None if value is None else self.number(key)

    def text(self, key: str) -> str:
        value = self._get(key, False)
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self._get(key, True)
        return None if value is None else self.text(key)

    def obj(self, key: str) -> _Fields:
        return _Fields(self._get(key, False), f"{self.where}: {key}")

    def counts(self, key: str) -> dict[str, int]:
        value = self._get(key, True) or {}
        sub = _Fields(value, f"{self.where}: {key}")
        return {name: sub.integer(name) for name in sub.data}

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise self._bad(key, "one of " + ", ".join(allowed))
        return value


def parse_meta(data: Any, where: str = META) -> RunMeta:
    f = _Fields(data, where)
    host, lam, mono, db = f.obj("host"), f.obj("lambda"), f.obj("monolith"), f.obj("database")
    return RunMeta(
        run_id=f.text("run_id"),
        route=f.text("route"),
        scenario=f.text("scenario"),
        load_model=cast(LoadModel, f.choice("load_model", ("closed", "open"))),
        load_model_detail=f.text("load_model_detail"),
        users=f.integer("users"),
        duration_s=f.number("duration_s"),
        started_at=f.text("started_at"),
        ended_at=f.text("ended_at"),
        host=HostInfo(
            cores=host.opt_integer("cores"),
            python=host.text("python"),
            platform=host.text("platform"),
        ),
        lambda_=LambdaConfig(
            function=lam.text("function"),
            memory_mb=lam.integer("memory_mb"),
            architecture=lam.text("architecture"),
            limits=lam.text("limits"),
            reserved_concurrency=lam.opt_integer("reserved_concurrency"),
            provisioned_concurrency=lam.opt_integer("provisioned_concurrency"),
        ),
        monolith=MonolithConfig(workers=mono.integer("workers"), threads=mono.integer("threads")),
        database=DatabaseConfig(max_connections=db.opt_integer("max_connections")),
    )


def parse_counters(data: Any, where: str = COUNTERS) -> dict[str, PathCounters]:
    f = _Fields(data, where)
    out: dict[str, PathCounters] = {}
    for path in f.data:
        p = f.obj(path)
        out[path] = PathCounters(
            requests=p.integer("requests"),
            failures=p.integer("failures"),
            status_counts=p.counts("status_counts"),
            error_classes=p.counts("error_classes"),
        )
    return out


def parse_histograms(data: Any, where: str = HISTOGRAMS) -> dict[str, HdrHistogram]:
    f = _Fields(data, where)
    out: dict[str, HdrHistogram] = {}
    for path in f.data:
        encoded = f.text(path)
        try:
            out[path] = HdrHistogram.decode(encoded.encode("ascii"))
        except Exception as exc:  # hdrh raises assorted errors on bad input: convert here
            raise RawFormatError(f"{where}: key {path!r} is not an encoded HDR histogram") from exc
    return out


def parse_second(data: Any, where: str) -> SecondRow:
    f = _Fields(data, where)
    return SecondRow(
        t=f.integer("t"),
        path=cast(PathName, f.choice("path", PATHS)),
        requests=f.integer("requests"),
        failures=f.integer("failures"),
        p50_ms=f.number("p50_ms"),
        p99_ms=f.number("p99_ms"),
        max_ms=f.number("max_ms"),
    )


def parse_cold_start(data: Any, where: str) -> ColdStart:
    f = _Fields(data, where)
    return ColdStart(
        t=f.number("t"),
        request_id=f.opt_text("request_id"),
        latency_ms=f.number("latency_ms"),
        init_ms=f.opt_number("init_ms"),
        sandbox_id=f.opt_text("sandbox_id"),
    )


def parse_sample(data: Any, where: str) -> Sample:
    f = _Fields(data, where)
    if f.choice("kind", ("lambda", "db")) == "lambda":
        return LambdaSample(
            t=f.number("t"),
            concurrent_executions=f.integer("concurrent_executions"),
            sandboxes_warm=f.integer("sandboxes_warm"),
            sandboxes_busy=f.integer("sandboxes_busy"),
            throttles=f.integer("throttles"),
            cold_starts=f.integer("cold_starts"),
        )
    return DbSample(
        t=f.number("t"),
        monolith=f.integer("monolith"),
        lambda_=f.integer("lambda"),
        total=f.integer("total"),
    )


def parse_segment(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RawFormatError(f"{where}: a segment must be a JSON object")
    return data


def parse_lambda_report(data: Any, where: str) -> LambdaReport:
    f = _Fields(data, where)
    return LambdaReport(
        request_id=f.text("request_id"),
        duration_ms=f.number("duration_ms"),
        billed_ms=f.integer("billed_ms"),
        memory_mb=f.integer("memory_mb"),
        max_memory_mb=f.integer("max_memory_mb"),
        init_ms=f.opt_number("init_ms"),
        status=f.text("status"),
        timestamp=f.text("timestamp"),
    )


# --- files ---------------------------------------------------------------------------------


class JsonlStream(Generic[T]):
    """A re-iterable view of a `.jsonl` file: each iteration reads the file line by line.

    A missing file is an empty stream (a run without a Lambda path has no REPORT lines).
    """

    def __init__(self, path: Path, parse: Callable[[Any, str], T]) -> None:
        self.path = path
        self._parse = parse

    def __iter__(self) -> Iterator[T]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{self.path.name}:{number}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise RawFormatError(f"{where}: not JSON ({exc.msg})") from exc
                yield self._parse(data, where)

    def __repr__(self) -> str:
        return f"JsonlStream({str(self.path)!r})"


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RawFormatError(f"{path.name}: missing in {path.parent}") from exc
    except json.JSONDecodeError as exc:
        raise RawFormatError(f"{path.name}: not JSON ({exc.msg} at line {exc.lineno})") from exc


def raw_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "raw"


def read_raw(run_dir: Path) -> RawRun:
    """The raw results under `run_dir/raw/`; the `.jsonl` parts stream on each iteration."""
    raw = raw_dir(run_dir)
    return RawRun(
        meta=parse_meta(_load_json(raw / META)),
        histograms=parse_histograms(_load_json(raw / HISTOGRAMS)),
        counters=parse_counters(_load_json(raw / COUNTERS)),
        timeseries=JsonlStream(raw / TIMESERIES, parse_second),
        cold_starts=JsonlStream(raw / COLD_STARTS, parse_cold_start),
        samples=JsonlStream(raw / SAMPLES, parse_sample),
        lambda_reports=JsonlStream(raw / LAMBDA_REPORTS, parse_lambda_report),
        segments=JsonlStream(raw / SEGMENTS, parse_segment),
    )


def write_json(path: Path, document: Any) -> None:
    write_atomic(path, json.dumps(document, indent=2))


def write_lines(path: Path, records: Iterable[Any]) -> None:
    """One JSON object a line (records: the dataclasses above, or plain dicts), atomically."""
    text = "".join(json.dumps(_to_json(r), separators=(",", ":")) + "\n" for r in records)
    write_atomic(path, text)


def write_raw(run_dir: Path, run: RawRun) -> Path:
    """Write `run` under `run_dir/raw/` (each file atomically); iterables are consumed once."""
    raw = raw_dir(run_dir)
    raw.mkdir(parents=True, exist_ok=True)
    meta = _to_json(run.meta)
    histograms = {path: h.encode().decode("ascii") for path, h in run.histograms.items()}
    counters = {path: _to_json(c) for path, c in run.counters.items()}
    for name, document in ((META, meta), (HISTOGRAMS, histograms), (COUNTERS, counters)):
        write_json(raw / name, document)
    write_lines(raw / TIMESERIES, run.timeseries)
    write_lines(raw / COLD_STARTS, run.cold_starts)
    write_lines(raw / SAMPLES, run.samples)
    write_lines(raw / LAMBDA_REPORTS, run.lambda_reports)
    if run.segments is not None:
        write_lines(raw / SEGMENTS, run.segments)
    return raw
