"""What both ways in serve requests with: the fast lane (``fastlane``) and aiohttp's handler
(``handler``) take the same per-gateway collaborators, built once by the server."""

from __future__ import annotations

from dataclasses import dataclass

from infra.local.gateway.access_log import AccessLog
from infra.local.gateway.capture import Capture
from infra.local.gateway.live_table import LiveTable


@dataclass(frozen=True, slots=True)
class Serving:
    """The gateway's parts a request is served with, whichever path it takes."""

    table: LiveTable
    """The route table in force (each request reads it once and keeps that table)."""
    max_body_bytes: int
    target_header: str
    """The answer header that names the path a request took (``monolith``, ``lambda``)."""
    access_log: AccessLog | None
    capture: Capture | None
