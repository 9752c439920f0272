"""The gateway's settings, and the one check on them that needs the network's view of a host."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from infra.local.gateway.events import ApiContext
from strangler.core.errors import ConfigError

MAX_BODY_BYTES = 10 * 1024 * 1024
"""HTTP API payload limit: 10 MB."""
DEFAULT_TARGET_HEADER = "x-strangler-target"


@dataclass(frozen=True)
class GatewayConfig:
    routes_path: Path
    monolith_url: str
    lambda_url: str
    host: str = "127.0.0.1"
    port: int = 8080
    """0 picks a free port (see ``Gateway.url`` once started)."""
    access_log: Path | None = None
    target_header: str = DEFAULT_TARGET_HEADER
    allow_non_loopback: bool = False
    reload_interval_s: float = 0.2
    max_body_bytes: int = MAX_BODY_BYTES
    api: ApiContext = field(default_factory=ApiContext)
    xray_daemon_address: str | None = None
    """host:port of the X-Ray daemon (collector); None: tracing off, headers untouched."""
    trace_sample_rate: float = 1.0
    """Share of requests without a sampling decision that are traced (0..1)."""


def check_bind_address(host: str, allow_non_loopback: bool) -> None:
    """Refuse to expose the emulator beyond this machine unless asked to."""
    if allow_non_loopback or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError as exc:
        raise ConfigError(f"--host {host!r} is not an IP address") from exc
    if not loopback:
        raise ConfigError(
            f"refusing to bind {host}: not a loopback address (pass --allow-non-loopback)"
        )
