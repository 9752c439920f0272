"""``python -m serverless package``: build the Lambda deployment zip and report its size."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from serverless.package import PLATFORMS, PackagingError, build_zip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serverless", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    package = commands.add_parser(
        "package", help="build the deployment zip (code + runtime dependencies for Lambda)"
    )
    package.add_argument("--out", type=Path, default=Path("dist/function.zip"))
    package.add_argument(
        "--package",
        dest="packages",
        type=Path,
        action="append",
        help="a package directory to include (repeatable; default: monolith and serverless)",
    )
    package.add_argument("--architecture", choices=sorted(PLATFORMS), default="x86_64")
    args = parser.parse_args(argv)
    packages = args.packages or [Path("monolith"), Path("serverless")]
    missing = [p for p in packages if not (p / "__init__.py").exists()]
    if missing:
        parser.error(f"not a Python package directory: {missing[0]}")
    print(f"building {args.out} for {args.architecture} (fetching Lambda wheels with pip)...")
    try:
        built = build_zip(args.out, packages, architecture=args.architecture)
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{built.path}: {built.size_bytes / 1e6:.1f} MB, {built.files} files")
    print("dependencies: " + ", ".join(built.requirements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
