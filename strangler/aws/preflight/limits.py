"""The limits that stand in a scaling event's way, and the arithmetic on them (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from strangler_core.errors import StranglerError

DEFAULT_ACCOUNT_CONCURRENCY = 1_000
SCALE_PER_10S = 1_000
SCALE_PERIOD_S = 10.0
API_ACCOUNT_RATE = 10_000.0
API_ACCOUNT_BURST = 5_000
RDS_BYTES_PER_CONNECTION = 9_531_392
RDS_MAX_CONNECTIONS_CAP = 5_000
# RDS reserves part of an instance's memory for the OS and its own processes; the exact amount is
# not published. DBInstanceClassMemory is approximated as the class's memory less this fraction.
RDS_OS_RESERVED_FRACTION = 0.10
SUPERUSER_RESERVED_CONNECTIONS = 3  # PostgreSQL's superuser_reserved_connections default

INSTANCE_MEMORY_GIB: Mapping[str, float] = {
    "db.t3.micro": 1,
    "db.t3.small": 2,
    "db.t3.medium": 4,
    "db.t3.large": 8,
    "db.t3.xlarge": 16,
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.t4g.xlarge": 16,
    "db.m5.large": 8,
    "db.m5.xlarge": 16,
    "db.m5.2xlarge": 32,
    "db.m6g.large": 8,
    "db.m6g.xlarge": 16,
    "db.m6g.2xlarge": 32,
    "db.m6i.large": 8,
    "db.m6i.xlarge": 16,
    "db.m7g.large": 8,
    "db.m7g.xlarge": 16,
    "db.r5.large": 16,
    "db.r5.xlarge": 32,
    "db.r6g.large": 16,
    "db.r6g.xlarge": 32,
    "db.r6i.large": 16,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
}


class PreflightError(StranglerError):
    """The inputs of a preflight are missing or invalid (no duration, unknown class, ...)."""

    exit_code = 2


def needed_concurrency(peak_rps: float, mean_duration_s: float) -> int:
    """Little's law: requests in flight = arrival rate x time in the system."""
    return math.ceil(peak_rps * mean_duration_s)


def time_to_scale_s(needed: int, warm: int = 0, per_10s: int = SCALE_PER_10S) -> float:
    """Seconds until ``needed`` environments exist when ``warm`` are there at the start: up to
    ``per_10s`` new ones at once, then ``per_10s`` more every 10 seconds."""
    extra = max(0, needed - warm)
    if extra == 0:
        return 0.0
    return (math.ceil(extra / per_10s) - 1) * SCALE_PERIOD_S


def rds_instance_class_memory_bytes(instance_class: str) -> int:
    try:
        gib = INSTANCE_MEMORY_GIB[instance_class]
    except KeyError:
        known = ", ".join(sorted(INSTANCE_MEMORY_GIB))
        raise PreflightError(
            f"unknown instance class {instance_class!r}; give max_connections instead "
            f"(known classes: {known})"
        ) from None
    return int(gib * 1024**3 * (1 - RDS_OS_RESERVED_FRACTION))


def rds_default_max_connections(instance_class: str) -> int:
    """RDS PostgreSQL's default ``LEAST({DBInstanceClassMemory/9531392}, 5000)`` (approximate:
    see ``RDS_OS_RESERVED_FRACTION``)."""
    memory = rds_instance_class_memory_bytes(instance_class)
    return min(memory // RDS_BYTES_PER_CONNECTION, RDS_MAX_CONNECTIONS_CAP)
