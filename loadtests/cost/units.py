"""Units and conventions the cost arithmetic shares (AWS's own, where AWS has one)."""

from __future__ import annotations

import math

HOURS_PER_MONTH = 730.0  # AWS's own convention on its pricing pages (8,760 h / 12)
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600.0
MB_PER_GB = 1024.0  # Lambda GB-s use the configured memory in MB / 1024
BYTES_PER_GB = 1024.0**3


def requests_per_month(rps: float) -> float:
    return rps * SECONDS_PER_MONTH


def check_rps(rps: float) -> None:
    if not (math.isfinite(rps) and rps >= 0):
        raise ValueError(f"rps: must be a finite number >= 0, got {rps}")
