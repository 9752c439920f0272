"""Local emulator of Amazon API Gateway HTTP API: the strangler's facade in front of both paths.

Public API: ``GatewayConfig`` + ``GatewayThread`` (in-process) or ``gateway_argv`` (a
background process for ``strangler up``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from infra.local.gateway.server import Gateway
from infra.local.gateway.settings import GatewayConfig
from infra.local.gateway.thread import GatewayThread


def gateway_argv(config: GatewayConfig, python: str = sys.executable) -> Sequence[str]:
    """The command line that runs ``config`` as its own process (e.g. via ProcessTable.spawn)."""
    argv = [
        python,
        "-m",
        "infra.local.gateway",
        "--routes",
        str(config.routes_path),
        "--monolith-url",
        config.monolith_url,
        "--lambda-url",
        config.lambda_url,
        "--host",
        config.host,
        "--port",
        str(config.port),
        "--target-header",
        config.target_header,
    ]
    if config.access_log is not None:
        argv += ["--access-log", str(config.access_log)]
    if config.allow_non_loopback:
        argv.append("--allow-non-loopback")
    if config.xray_daemon_address is not None:
        argv += [
            "--xray-daemon-address",
            config.xray_daemon_address,
            "--trace-sample-rate",
            repr(config.trace_sample_rate),
        ]
    return argv


__all__ = ["Gateway", "GatewayConfig", "GatewayThread", "gateway_argv"]
