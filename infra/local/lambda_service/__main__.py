"""``python -m infra.local.lambda_service --config service.json``: run until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from strangler_core.errors import StranglerError

from .service import LambdaService
from .spec import ServiceConfig, load_service_config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.lambda_service",
        description=(
            "Run the local AWS Lambda service in the foreground: the Invoke API for boto3 "
            "(endpoint_url) and one awslambdaric process per sandbox. Prints its URL when "
            "ready; SIGTERM or SIGINT stops every sandbox it started."
        ),
    )
    parser.add_argument(
        "--config",
        required=True,
        help='JSON file: {"settings": {...}, "functions": [{"name", "handler", "code_paths"}]}',
    )
    parser.add_argument(
        "--print-config",
        action="store_true",
        help=(
            "once started, print the settings and functions the service runs with, as one "
            "line of JSON in the --config format (but the Invoke API's secret key), before the "
            "ready line"
        ),
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        config = load_service_config(args.config)
        service = LambdaService(config.settings, config.functions).start()
    except StranglerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        if args.print_config:
            running = ServiceConfig(
                settings=service.settings, functions=tuple(service.functions.values())
            )
            # the Invoke API's secret stays in the file it came from, out of any log
            secret = {"settings": {"credentials": {"secret_access_key"}}}
            print(running.model_dump_json(exclude=secret), flush=True)
        print(f"lambda service ready at {service.url} (limits: {service.limits.mode})", flush=True)
        stop.wait()
    finally:
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
