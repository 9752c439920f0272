"""The container-lifetime database connection policy, as a pure transformation of settings.

Under ASGI, Django runs each request's sync code in a fresh thread, so thread-local persistent
connections (CONN_MAX_AGE) are never reused across invocations and leak until the sandbox dies
(Django ticket 33497). The sandbox's own backend (``serverless.postgres_backend``) keeps exactly
one connection per process instead, the one-connection-per-container rule, checked before each
reuse and reconnected in the request itself: during a database outage an invocation fails at
once (Django's 500, the sandbox stays) and the first one after it connects again.
"""

from __future__ import annotations

from typing import Any

POSTGRESQL_ENGINE = "django.db.backends.postgresql"
SANDBOX_ENGINE = "serverless.postgres_backend"
CONNECT_TIMEOUT_S = 3
"""libpq's connect_timeout unless the project sets one: an unreachable host (a database that
drops packets while it reboots) fails the request in seconds, not at the kernel's TCP timeout."""


def one_connection_per_container(database: dict[str, Any]) -> dict[str, Any]:
    """Settings for one ``DATABASES`` entry that hold one connection per process.

    Engines other than Django's PostgreSQL backend are returned unchanged.
    """
    if database.get("ENGINE") != POSTGRESQL_ENGINE:
        return dict(database)
    options = {
        key: value for key, value in (database.get("OPTIONS") or {}).items() if key != "pool"
    }
    options.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    return {
        **database,
        "ENGINE": SANDBOX_ENGINE,
        "OPTIONS": options,
        # a request's connection goes back to the backend's holder at the request's end
        "CONN_MAX_AGE": 0,
    }
