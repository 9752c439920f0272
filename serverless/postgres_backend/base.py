"""Django's PostgreSQL backend, keeping one idle connection for the sandbox's next invocation.

Under ASGI every request runs in a fresh thread, so Django's thread-local persistent connections
are never reused (Django ticket 33497). psycopg's pool keeps one instead, but it reconnects in a
background worker with exponential backoff (1, 2, 4, 8 s ...) while each request waits up to the
pool's timeout: a 10 s database outage held every invocation 10 s, concurrency grew to a new
sandbox per waiting request, and the first reconnect came seconds after the database was back.
In a real Lambda it is worse: the environment is frozen between invocations, so that worker
only runs while a request is in flight.

Here there is no worker and no waiting: a request takes the held connection if it still answers,
otherwise connects in its own thread (``connect_timeout`` bounds an unreachable host), and a
failure is the request's own error (Django answers 500; the sandbox stays). So the first request
after the database returns connects again.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.backends.postgresql import base
from psycopg import Connection
from psycopg.pq import TransactionStatus


class _Held:
    """The process's idle connection per database alias, with the isolation level it was set to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[str, tuple[Connection[Any], Any]] = {}

    def put(self, alias: str, connection: Connection[Any], isolation_level: Any) -> None:
        with self._lock:
            previous = self._idle.get(alias)
            self._idle[alias] = (connection, isolation_level)
        if previous is not None:
            previous[0].close()  # one connection per alias and sandbox, never more

    def take(self, alias: str) -> tuple[Connection[Any], Any] | None:
        with self._lock:
            return self._idle.pop(alias, None)


_held = _Held()


def _answers(connection: Connection[Any]) -> bool:
    """psycopg_pool's own check: an empty query, one round trip (the connection is autocommit)."""
    if connection.closed:
        return False
    try:
        connection.execute("")
    except Exception:  # a broken connection raises whatever its socket raised
        connection.close()
        return False
    return True


def _reusable(connection: Connection[Any]) -> bool:
    return (
        not connection.closed
        and connection.autocommit
        and connection.info.transaction_status == TransactionStatus.IDLE
    )


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        held = _held.take(self.alias)
        if held is not None:
            connection, isolation_level = held
            if _answers(connection):
                self.isolation_level = isolation_level
                return connection
        return super().get_new_connection(conn_params)

    def _close(self) -> None:
        connection = self.connection
        if connection is not None and _reusable(connection):
            _held.put(self.alias, connection, self.isolation_level)
            return
        super()._close()  # type: ignore[misc]  # private in django-stubs, not in Django
