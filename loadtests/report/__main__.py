"""`python -m loadtests.report <run-dir> [--prices FILE]`: rebuild a run's report from raw/."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from loadtests.report.build import INDEX_HTML, build_report
from strangler_core.errors import StranglerError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.report",
        description="Rebuild report.json, summary.md and index.html of a run from its raw/.",
    )
    parser.add_argument("run_dir", type=Path, help="reports/<run-id> (the folder holding raw/)")
    parser.add_argument("--prices", type=Path, default=None, help="a prices file of your own")
    args = parser.parse_args(argv)
    try:
        report = build_report(args.run_dir, args.prices)
    except (StranglerError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.verdict.text)
    print(f"report: {args.run_dir / INDEX_HTML}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
