"""The raw results of one load run (`reports/<run-id>/raw/`): one definition for both sides.

The collector writes them with `write_raw`, the report reads them with `read_raw`. Only the
fixed-size parts are held in memory: run metadata, counters and the HDR histograms. The
per-second and per-invocation files (`*.jsonl`) are `JsonlStream`s: iterating one opens the
file and parses it a line at a time, so a run of millions of requests reads in flat memory.
Field by field documentation: docs/report-schema.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from hdrh.histogram import HdrHistogram
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails

from strangler.core.atomic import write_atomic
from strangler.core.errors import StranglerError
from strangler.core.model import StrictModel, describe

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


Sample = LambdaSample | DbSample


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
    if isinstance(record, BaseModel):
        return record.model_dump(by_alias=True)
    return dict(record)


@dataclass(frozen=True)
class RecordType(Generic[T]):
    """How one kind of raw document is validated: built once, used for every line.

    ``tagged``: a union told apart by its ``kind`` key, whose errors pydantic files under the
    tag (``db.lambda``); the file's key is ``lambda``.
    """

    adapter: TypeAdapter[T]
    tagged: bool = False

    def parse(self, text: str | bytes, where: str) -> T:
        try:
            return self.adapter.validate_json(text, by_alias=True, by_name=False)
        except ValidationError as exc:
            problem = _untagged(exc) if self.tagged else exc
            raise RawFormatError(str(describe(problem, where))) from None


def _untagged(exc: ValidationError) -> ValidationError:
    details: list[InitErrorDetails] = []
    for error in exc.errors(include_url=False):
        detail = InitErrorDetails(
            type=error["type"], loc=tuple(error["loc"])[1:], input=error["input"]
        )
        if "ctx" in error:
            detail["ctx"] = error["ctx"]
        details.append(detail)
    return ValidationError.from_exception_data(exc.title, details)


META_RECORD = RecordType(TypeAdapter(RunMeta))
COUNTERS_RECORD = RecordType(TypeAdapter(dict[str, PathCounters]))
HISTOGRAMS_RECORD = RecordType(TypeAdapter(dict[str, str]))
SECOND_RECORD = RecordType(TypeAdapter(SecondRow))
COLD_START_RECORD = RecordType(TypeAdapter(ColdStart))
SAMPLE_RECORD: RecordType[Sample] = RecordType(
    TypeAdapter(Annotated[Sample, Field(discriminator="kind")]), tagged=True
)
LAMBDA_REPORT_RECORD = RecordType(TypeAdapter(LambdaReport))
SEGMENT_RECORD = RecordType(TypeAdapter(dict[str, Any]))


def parse_histograms(text: str | bytes, where: str = HISTOGRAMS) -> dict[str, HdrHistogram]:
    out: dict[str, HdrHistogram] = {}
    for path, encoded in HISTOGRAMS_RECORD.parse(text, where).items():
        try:
            out[path] = HdrHistogram.decode(encoded.encode("ascii"))
        except Exception as exc:  # hdrh raises assorted errors on bad input: convert here
            raise RawFormatError(f"{where}: {path}: not an encoded HDR histogram") from exc
    return out


# --- files ---------------------------------------------------------------------------------


class JsonlStream(Generic[T]):
    """A re-iterable view of a `.jsonl` file: each iteration reads the file line by line.

    A missing file is an empty stream (a run without a Lambda path has no REPORT lines).
    """

    def __init__(self, path: Path, record: RecordType[T]) -> None:
        self.path = path
        self._record = record

    def __iter__(self) -> Iterator[T]:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield self._record.parse(line, f"{self.path.name}:{number}")

    def __repr__(self) -> str:
        return f"JsonlStream({str(self.path)!r})"


def _read_json(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise RawFormatError(f"{path.name}: missing in {path.parent}") from exc


def raw_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "raw"


def read_raw(run_dir: Path) -> RawRun:
    """The raw results under `run_dir/raw/`; the `.jsonl` parts stream on each iteration."""
    raw = raw_dir(run_dir)
    return RawRun(
        meta=META_RECORD.parse(_read_json(raw / META), META),
        histograms=parse_histograms(_read_json(raw / HISTOGRAMS)),
        counters=COUNTERS_RECORD.parse(_read_json(raw / COUNTERS), COUNTERS),
        timeseries=JsonlStream(raw / TIMESERIES, SECOND_RECORD),
        cold_starts=JsonlStream(raw / COLD_STARTS, COLD_START_RECORD),
        samples=JsonlStream(raw / SAMPLES, SAMPLE_RECORD),
        lambda_reports=JsonlStream(raw / LAMBDA_REPORTS, LAMBDA_REPORT_RECORD),
        segments=JsonlStream(raw / SEGMENTS, SEGMENT_RECORD),
    )


def write_json(path: Path, document: Any) -> None:
    write_atomic(path, json.dumps(document, indent=2))


def write_lines(path: Path, records: Iterable[Any]) -> None:
    """One JSON object a line (records: the models above, or plain dicts), atomically."""
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
