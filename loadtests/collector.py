"""Per-path measurements of a run, in constant memory: HDR histograms and per-second rows.

Fed from Locust's request event; written once, at the end, as the raw results the report is
built from (see docs/report-schema.md). Memory does not grow with the number of requests:
only the histograms, one compressed histogram per second and path, and one record per cold
start are kept. In Locust's distributed mode each worker sends its ``snapshot()`` to the master,
which ``merge``s them: histograms are added, so every percentile is that of all requests.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from loadtests.classify import ERROR_CLASSES
from loadtests.report.raw import (
    COLD_STARTS,
    COUNTERS,
    HIGHEST_US,
    HISTOGRAMS,
    LOWEST_US,
    TIMESERIES,
    new_latency_histogram,
    write_json,
    write_lines,
)


@dataclass
class PathStats:
    histogram: HdrHistogram = field(default_factory=new_latency_histogram)
    requests: int = 0
    failures: int = 0
    status_counts: Counter[str] = field(default_factory=Counter)
    error_classes: Counter[str] = field(default_factory=Counter)

    def counters(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "status_counts": dict(sorted(self.status_counts.items())),
            "error_classes": {name: self.error_classes.get(name, 0) for name in ERROR_CLASSES},
        }


@dataclass
class SecondRow:
    histogram: HdrHistogram = field(default_factory=new_latency_histogram)
    requests: int = 0
    failures: int = 0


class Collector:
    def __init__(self, started: float | None = None) -> None:
        self.reset(started)

    def reset(self, started: float | None = None) -> None:
        """Start counting from now (Locust's test_start), forgetting anything recorded."""
        self.started = time.time() if started is None else started
        self.paths: dict[str, PathStats] = {}
        self._current_second = 0
        self._second: dict[str, SecondRow] = {}
        self.seconds: list[dict[str, Any]] = []
        """Finished seconds: ``t``, ``path``, ``requests``, ``failures`` and the second's
        histogram (compressed, base64), merged and turned into rows by ``timeseries()``."""
        self.cold_starts: list[dict[str, Any]] = []

    def record(
        self,
        *,
        path: str,
        latency_ms: float,
        status: int,
        error: str | None,
        cold_start: bool = False,
        lambda_request_id: str | None = None,
        init_ms: float | None = None,
        sandbox_id: str | None = None,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        elapsed = now - self.started
        self._roll(int(elapsed))
        micros = max(LOWEST_US, min(HIGHEST_US, round(latency_ms * 1000)))
        stats = self.paths.setdefault(path, PathStats())
        second = self._second.setdefault(path, SecondRow())
        stats.histogram.record_value(micros)
        second.histogram.record_value(micros)
        stats.requests += 1
        second.requests += 1
        stats.status_counts[str(status)] += 1
        if error is not None:
            stats.failures += 1
            second.failures += 1
            stats.error_classes[error] += 1
        if cold_start:
            self.cold_starts.append(
                {
                    "t": round(elapsed, 3),
                    "request_id": lambda_request_id,
                    "latency_ms": round(latency_ms, 3),
                    "init_ms": init_ms,
                    "sandbox_id": sandbox_id,
                }
            )

    def _roll(self, second: int) -> None:
        if second == self._current_second:
            return
        self._flush_second()
        self._current_second = second

    def _flush_second(self) -> None:
        for path, row in sorted(self._second.items()):
            self.seconds.append(
                {
                    "t": self._current_second,
                    "path": path,
                    "requests": row.requests,
                    "failures": row.failures,
                    "histogram": row.histogram.encode().decode(),
                }
            )
        self._second = {}

    def timeseries(self) -> list[dict[str, Any]]:
        """One row per second and path, over every merged collector's requests."""
        merged: dict[tuple[int, str], SecondRow] = {}
        for second in self.seconds:
            row = merged.setdefault((second["t"], second["path"]), SecondRow())
            row.histogram.add(HdrHistogram.decode(second["histogram"]))
            row.requests += second["requests"]
            row.failures += second["failures"]
        return [
            {
                "t": t,
                "path": path,
                "requests": row.requests,
                "failures": row.failures,
                "p50_ms": row.histogram.get_value_at_percentile(50) / 1000,
                "p99_ms": row.histogram.get_value_at_percentile(99) / 1000,
                "max_ms": row.histogram.get_max_value() / 1000,
            }
            for (t, path), row in sorted(merged.items())
        ]

    def snapshot(self) -> dict[str, Any]:
        """Everything recorded, as plain data for Locust's master-worker channel."""
        self._flush_second()
        return {
            "paths": {
                path: {"histogram": stats.histogram.encode().decode(), **stats.counters()}
                for path, stats in self.paths.items()
            },
            "seconds": self.seconds,
            "cold_starts": self.cold_starts,
        }

    def merge(self, snapshot: dict[str, Any]) -> None:
        """Add another collector's ``snapshot()`` (a worker's) to this one."""
        for path, recorded in snapshot["paths"].items():
            stats = self.paths.setdefault(path, PathStats())
            stats.histogram.add(HdrHistogram.decode(recorded["histogram"]))
            stats.requests += recorded["requests"]
            stats.failures += recorded["failures"]
            stats.status_counts.update(recorded["status_counts"])
            stats.error_classes.update(recorded["error_classes"])
        self.seconds.extend(snapshot["seconds"])
        self.cold_starts.extend(snapshot["cold_starts"])

    def write(self, raw_dir: Path) -> None:
        """The collector's part of the raw results (the runner adds meta and samples)."""
        self._flush_second()
        raw_dir.mkdir(parents=True, exist_ok=True)
        # encode() is already base64 text (compressed HdrHistogram V2 format)
        histograms = {path: stats.histogram.encode().decode() for path, stats in self.paths.items()}
        write_json(raw_dir / HISTOGRAMS, histograms)
        write_json(raw_dir / COUNTERS, {path: s.counters() for path, s in self.paths.items()})
        write_lines(raw_dir / TIMESERIES, self.timeseries())
        write_lines(raw_dir / COLD_STARTS, self.cold_starts)
