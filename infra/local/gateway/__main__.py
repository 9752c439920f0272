"""``python -m infra.local.gateway``: run the local API Gateway HTTP API emulator."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.local.gateway.runner import install_fast_loop, serve
from infra.local.gateway.server import Gateway
from infra.local.gateway.settings import DEFAULT_TARGET_HEADER, GatewayConfig
from strangler.core.errors import StranglerError


def parse_args(argv: Sequence[str] | None = None) -> GatewayConfig:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.gateway",
        description="Local emulator of Amazon API Gateway HTTP API (payload format 2.0): sends "
        "each route to the monolith (HTTP_PROXY) or to a Lambda Invoke API (AWS_PROXY) as the "
        "route table says, and reloads the table when its file changes or on SIGHUP.",
    )
    parser.add_argument("--routes", type=Path, required=True, help="route table JSON file")
    parser.add_argument("--monolith-url", required=True, help="base URL of target 'monolith'")
    parser.add_argument("--lambda-url", required=True, help="base URL of the Lambda Invoke API")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080, 0: any)")
    parser.add_argument("--access-log", type=Path, help="append JSON access log lines here")
    parser.add_argument(
        "--target-header",
        default=DEFAULT_TARGET_HEADER,
        help=f"response header naming the target that served it (default {DEFAULT_TARGET_HEADER})",
    )
    parser.add_argument(
        "--allow-non-loopback", action="store_true", help="allow binding a non-loopback address"
    )
    parser.add_argument(
        "--xray-daemon-address",
        metavar="HOST:PORT",
        help="trace requests: start or continue X-Amzn-Trace-Id and send the stage segment to "
        "this X-Ray daemon (the local collector); default off",
    )
    parser.add_argument(
        "--trace-sample-rate",
        type=float,
        default=1.0,
        help="share of requests without a sampling decision to trace, 0..1 (default 1)",
    )
    args = parser.parse_args(argv)
    if not 0.0 <= args.trace_sample_rate <= 1.0:
        parser.error("--trace-sample-rate must be between 0 and 1")
    return GatewayConfig(
        routes_path=args.routes,
        monolith_url=args.monolith_url,
        lambda_url=args.lambda_url,
        host=args.host,
        port=args.port,
        access_log=args.access_log,
        target_header=args.target_header,
        allow_non_loopback=args.allow_non_loopback,
        xray_daemon_address=args.xray_daemon_address,
        trace_sample_rate=args.trace_sample_rate,
    )


def _announce(gateway: Gateway) -> None:
    print(
        f"strangler gateway listening on {gateway.url} "
        f"(route table {gateway.config.routes_path}, version {gateway.table_version})",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    install_fast_loop()
    try:
        asyncio.run(serve(config, _announce))
    except StranglerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
