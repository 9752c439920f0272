"""The container-lifetime database connection policy, as a pure transformation of settings.

Under ASGI, Django runs each request's sync code in a fresh thread, so thread-local persistent
connections (CONN_MAX_AGE) are never reused across invocations and leak until the sandbox dies
(Django ticket 33497). Django 5.1+ can instead use psycopg's pool; a pool of exactly one
connection is the one-connection-per-container rule the seeds recommend, and the pool's
``check`` reconnects after a database restart.
"""

from __future__ import annotations

from typing import Any


def one_connection_per_container(database: dict[str, Any]) -> dict[str, Any]:
    """Settings for one ``DATABASES`` entry that hold one pooled connection per process."""
    from psycopg_pool import ConnectionPool

    options = dict(database.get("OPTIONS") or {})
    options["pool"] = {
        "min_size": 1,
        "max_size": 1,
        "timeout": 10,
        # validated on checkout: a connection broken by a database restart is replaced
        "check": ConnectionPool.check_connection,
    }
    # Django refuses pooling together with persistent connections or health checks
    return {**database, "OPTIONS": options, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False}
