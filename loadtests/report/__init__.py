"""The decision report of a load run: raw results in, report.json / summary.md / index.html out.

`build_report(run_dir)` rebuilds the report of `run_dir` from `run_dir/raw/`;
`write_raw` / `read_raw` are the one definition of the raw results (docs/report-schema.md).
"""

from __future__ import annotations

from loadtests.report.build import build_report
from loadtests.report.model import Report
from loadtests.report.raw import RawFormatError, RawRun, read_raw, write_raw

__all__ = ["RawFormatError", "RawRun", "Report", "build_report", "read_raw", "write_raw"]
