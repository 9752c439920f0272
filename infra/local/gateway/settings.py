"""The gateway's settings: one model, built by whoever starts the gateway, read by the gateway.

A process gets them whole as a JSON file (``save_settings`` / ``load_settings``, validated by
this same model on both sides), never re-typed as command-line flags, so no setting is lost on
the way. ``check_bind_address`` is the one check that needs the network's view of the host.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import Field, Strict

from infra.local.gateway.events import ApiContext
from infra.local.gateway.timeouts import DEFAULT_BODY_TIMEOUT_S, DEFAULT_HEADER_TIMEOUT_S
from infra.local.gateway.upstream import DEFAULT_IDLE_TIMEOUT_S
from strangler_core.atomic import write_atomic
from strangler_core.errors import ConfigError
from strangler_core.lambda_model import InvokeCredentials
from strangler_core.model import Port, StrictModel, load_json_file

MAX_BODY_BYTES = 10 * 1024 * 1024
"""HTTP API payload limit: 10 MB."""
DEFAULT_TARGET_HEADER = "x-strangler-target"

FilePath = Annotated[Path, Strict(False)]
"""A path that JSON carries as a string."""


class GatewaySettings(StrictModel):
    routes_path: FilePath
    """The route table file; reloaded when it changes."""
    monolith_url: str
    """Base URL of HTTP_PROXY target ``monolith``."""
    lambda_url: str
    """Base URL of the Lambda Invoke API (AWS_PROXY routes)."""
    lambda_credentials: InvokeCredentials | None = None
    """The key the gateway SigV4-signs its Invoke requests with; None: unsigned."""
    lambda_region: str = "us-east-1"
    """The region those signatures are scoped to (the Lambda service's)."""
    host: str = "127.0.0.1"
    port: Port = 8080
    """0 picks a free port (see ``Gateway.url`` once started)."""
    access_log: FilePath | None = None
    """Append one JSON line per request here; None: no access log."""
    capture_dir: FilePath | None = None
    """Record every request served (``strangler_core.traffic``) in this directory; None: off."""
    capture_max_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    """The capture's size cap, all its files together."""
    capture_files: int = Field(default=4, ge=1)
    """How many files the capture rotates through (the cap is split between them)."""
    target_header: str = DEFAULT_TARGET_HEADER
    """Response header naming the target that served the request."""
    allow_non_loopback: bool = False
    reload_interval_s: float = Field(default=0.2, gt=0)
    """How often the route table file is checked for changes."""
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, gt=0)
    """Larger request bodies are answered 413."""
    header_timeout_s: float = Field(default=DEFAULT_HEADER_TIMEOUT_S, gt=0)
    """A request head must arrive whole within this of its first byte, else 408 and close."""
    body_timeout_s: float = Field(default=DEFAULT_BODY_TIMEOUT_S, gt=0)
    """The longest pause between two reads of a request body, else 408 (or close) too."""
    upstream_idle_timeout_s: float = Field(default=DEFAULT_IDLE_TIMEOUT_S, gt=0)
    """A pooled connection to an integration idle this long is closed, not reused; keep it
    below the upstream's keep-alive timeout (gunicorn's default: 2 s)."""
    api: ApiContext = ApiContext()
    xray_daemon_address: str | None = None
    """host:port of the X-Ray daemon (collector); None: tracing off, headers untouched."""
    trace_sample_rate: float = Field(default=1.0, ge=0, le=1)
    """Share of requests without a sampling decision that are traced (0..1)."""


def save_settings(settings: GatewaySettings, path: Path) -> None:
    write_atomic(path, settings.model_dump_json(indent=2) + "\n")


def load_settings(path: Path) -> GatewaySettings:
    """Raises ConfigError naming the file and the key."""
    return load_json_file(GatewaySettings, path)


def check_bind_address(host: str, allow_non_loopback: bool) -> None:
    """Refuse to expose the emulator beyond this machine unless asked to."""
    if allow_non_loopback or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError as exc:
        raise ConfigError(f"host {host!r} is not an IP address") from exc
    if not loopback:
        raise ConfigError(
            f"refusing to bind {host}: not a loopback address (set allow_non_loopback)"
        )
