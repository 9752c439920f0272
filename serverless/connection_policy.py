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
    options = dict(database.get("OPTIONS") or {})
    options["pool"] = {"min_size": 1, "max_size": 1, "timeout": 10}
    return {
        **database,
        "OPTIONS": options,
        # Django refuses pooling together with persistent (thread-local) connections
        "CONN_MAX_AGE": 0,
        # with a pool, Django turns this into psycopg_pool's check on checkout: a connection
        # broken by a database restart is replaced instead of failing the request
        "CONN_HEALTH_CHECKS": True,
    }
