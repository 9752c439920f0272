"""``python -m infra.local.gateway --settings FILE``: run the local API Gateway HTTP API emulator.

FILE is a ``GatewaySettings`` model as JSON (``gateway_command`` writes it). Once listening, the
gateway prints its URL, then the settings it runs with, as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.local.gateway.memory import return_large_buffers
from infra.local.gateway.runner import install_fast_loop, serve
from infra.local.gateway.server import Gateway
from infra.local.gateway.settings import load_settings
from strangler_core.errors import StranglerError

SETTINGS_PREFIX = "strangler gateway settings "


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.gateway",
        description="Local emulator of Amazon API Gateway HTTP API (payload format 2.0): sends "
        "each route to the monolith (HTTP_PROXY) or to a Lambda Invoke API (AWS_PROXY) as the "
        "route table says, and reloads the table when its file changes or on SIGHUP.",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        required=True,
        help="JSON file of the gateway's settings (routes_path, monolith_url, lambda_url, host, "
        "port, access_log, capture_dir, capture_max_bytes, capture_files, target_header, "
        "allow_non_loopback, reload_interval_s, max_body_bytes, header_timeout_s, body_timeout_s, "
        "upstream_idle_timeout_s, api, xray_daemon_address, trace_sample_rate)",
    )
    return parser


def _announce(gateway: Gateway) -> None:
    settings = gateway.settings
    print(
        f"strangler gateway listening on {gateway.url} "
        f"(route table {settings.routes_path}, version {gateway.table_version})",
        flush=True,
    )
    # the Invoke API's secret stays in the 0600 settings file, out of the gateway's log
    secret = {"lambda_credentials": {"secret_access_key"}}
    print(SETTINGS_PREFIX + settings.model_dump_json(exclude=secret), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    install_fast_loop()
    return_large_buffers()
    try:
        asyncio.run(serve(load_settings(args.settings), _announce))
    except StranglerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
