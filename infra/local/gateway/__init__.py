"""Local emulator of Amazon API Gateway HTTP API: the strangler's facade in front of both paths.

Public API: ``GatewaySettings`` + ``GatewayThread`` (in-process) or ``gateway_command`` (a
background process for ``strangler up``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from infra.local.gateway.server import Gateway
from infra.local.gateway.settings import GatewaySettings, save_settings
from infra.local.gateway.thread import GatewayThread


def gateway_command(
    settings: GatewaySettings, settings_file: Path, python: str = sys.executable
) -> list[str]:
    """Write ``settings`` to ``settings_file``; the command line of a gateway that runs them."""
    save_settings(settings, settings_file)
    return [python, "-m", "infra.local.gateway", "--settings", str(settings_file)]


__all__ = ["Gateway", "GatewaySettings", "GatewayThread", "gateway_command"]
