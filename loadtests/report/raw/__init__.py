"""The raw results of one load run (`reports/<run-id>/raw/`): one definition for both sides.

`records` holds the models (pure data), `codec` turns JSON into them and back (pure), `files`
is the one place that reads and writes the files (`read_raw`, `write_raw`, `JsonlStream`).
Field by field documentation: docs/report-schema.md.
"""

from __future__ import annotations

from loadtests.report.raw.codec import RawFormatError, RecordType
from loadtests.report.raw.files import (
    JsonlStream,
    raw_dir,
    read_raw,
    write_json,
    write_lines,
    write_raw,
)
from loadtests.report.raw.records import (
    COLD_STARTS,
    COUNTERS,
    HIGHEST_US,
    HISTOGRAMS,
    LAMBDA_REPORTS,
    LOWEST_US,
    META,
    PATHS,
    SAMPLES,
    SEGMENTS,
    SIGNIFICANT_DIGITS,
    TIMESERIES,
    ColdStart,
    DatabaseConfig,
    DbSample,
    HostInfo,
    HostSample,
    LambdaConfig,
    LambdaReport,
    LambdaSample,
    LoadModel,
    MonolithConfig,
    PathCounters,
    PathName,
    RawRun,
    RunMeta,
    Sample,
    SecondRow,
    new_latency_histogram,
)

__all__ = [
    "COLD_STARTS",
    "COUNTERS",
    "HIGHEST_US",
    "HISTOGRAMS",
    "LAMBDA_REPORTS",
    "LOWEST_US",
    "META",
    "PATHS",
    "SAMPLES",
    "SEGMENTS",
    "SIGNIFICANT_DIGITS",
    "TIMESERIES",
    "ColdStart",
    "DatabaseConfig",
    "DbSample",
    "HostInfo",
    "HostSample",
    "JsonlStream",
    "LambdaConfig",
    "LambdaReport",
    "LambdaSample",
    "LoadModel",
    "MonolithConfig",
    "PathCounters",
    "PathName",
    "RawFormatError",
    "RawRun",
    "RecordType",
    "RunMeta",
    "Sample",
    "SecondRow",
    "new_latency_histogram",
    "raw_dir",
    "read_raw",
    "write_json",
    "write_lines",
    "write_raw",
]
