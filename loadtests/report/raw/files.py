"""The raw results on disk (`reports/<run-id>/raw/`): the one place they are read and written.

The collector writes them with `write_raw`, the report reads them with `read_raw`. Only the
fixed-size parts are held in memory: run metadata, counters and the HDR histograms. The
per-second and per-invocation files (`*.jsonl`) are `JsonlStream`s: iterating one opens the
file and validates it a line at a time, so a run of millions of requests reads in flat memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from loadtests.report.raw.codec import (
    COLD_START_RECORD,
    COUNTERS_RECORD,
    LAMBDA_REPORT_RECORD,
    META_RECORD,
    OVERHEAD_RECORD,
    SAMPLE_RECORD,
    SECOND_RECORD,
    SEGMENT_RECORD,
    RawFormatError,
    RecordType,
    parse_histograms,
    to_json,
)
from loadtests.report.raw.records import (
    COLD_STARTS,
    COUNTERS,
    HISTOGRAMS,
    LAMBDA_REPORTS,
    META,
    OVERHEAD,
    PREWARM_REPORTS,
    SAMPLES,
    SEGMENTS,
    TIMESERIES,
    VARIANT_SETTINGS,
    VARIANTS_DIR,
    VARIANTS_PLAN,
    RawRun,
    VariantRaw,
    VariantsRaw,
)
from strangler_core.atomic import write_atomic
from strangler_core.model import load
from strangler_core.variants import Objective, Variant

T = TypeVar("T")


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
        overhead=JsonlStream(raw / OVERHEAD, OVERHEAD_RECORD),
    )


def read_variants(run_dir: Path) -> VariantsRaw | None:
    """The run's variants (``compare --variant``), or None when it ran none."""
    base = Path(run_dir) / VARIANTS_DIR
    plan_file = base / VARIANTS_PLAN
    if not plan_file.exists():
        return None
    plan = json.loads(_read_json(plan_file))
    objective = plan.get("objective")
    runs = []
    for name in plan.get("variants", []):
        here = base / str(name)
        settings = json.loads(_read_json(here / VARIANT_SETTINGS))
        runs.append(
            VariantRaw(
                variant=load(Variant, settings, str(here / VARIANT_SETTINGS)),
                run=read_raw(here),
                prewarm_reports=JsonlStream(raw_dir(here) / PREWARM_REPORTS, LAMBDA_REPORT_RECORD),
            )
        )
    return VariantsRaw(
        objective=None if objective is None else load(Objective, objective, str(plan_file)),
        variants=tuple(runs),
    )


def write_json(path: Path, document: Any) -> None:
    write_atomic(path, json.dumps(document, indent=2))


def write_lines(path: Path, records: Iterable[Any]) -> None:
    """One JSON object a line (records: the models above, or plain dicts), atomically."""
    text = "".join(json.dumps(to_json(r), separators=(",", ":")) + "\n" for r in records)
    write_atomic(path, text)


def write_raw(run_dir: Path, run: RawRun) -> Path:
    """Write `run` under `run_dir/raw/` (each file atomically); iterables are consumed once."""
    raw = raw_dir(run_dir)
    raw.mkdir(parents=True, exist_ok=True)
    meta = to_json(run.meta)
    histograms = {path: h.encode().decode("ascii") for path, h in run.histograms.items()}
    counters = {path: to_json(c) for path, c in run.counters.items()}
    for name, document in ((META, meta), (HISTOGRAMS, histograms), (COUNTERS, counters)):
        write_json(raw / name, document)
    write_lines(raw / TIMESERIES, run.timeseries)
    write_lines(raw / COLD_STARTS, run.cold_starts)
    write_lines(raw / SAMPLES, run.samples)
    write_lines(raw / LAMBDA_REPORTS, run.lambda_reports)
    if run.overhead is not None:
        write_lines(raw / OVERHEAD, run.overhead)
    if run.segments is not None:
        write_lines(raw / SEGMENTS, run.segments)
    return raw
