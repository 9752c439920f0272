"""The harness's one exception tree.

Every error a user can cause or fix derives from ``StranglerError``; the CLI prints its message
and exits non-zero without a traceback. Third-party errors are converted at the boundary that
calls them, so callers never catch ``subprocess`` or ``psycopg`` errors directly.
"""

from __future__ import annotations


class StranglerError(Exception):
    """Base of every error the harness reports to the user."""

    exit_code = 1


class ConfigError(StranglerError):
    """A configuration file or environment value is missing or invalid."""

    exit_code = 2


class PortInUseError(StranglerError):
    """A port the stack wants to bind is already taken."""


class DatabaseError(StranglerError):
    """The database could not be started, reached or prepared."""


class ProcessError(StranglerError):
    """A background process failed to start, crashed or did not become healthy."""


class StackNotRunningError(StranglerError):
    """A command needs the local stack, and it is not running."""


class HttpProtocolError(StranglerError):
    """An HTTP/1.1 message breaks RFC 9112 (or cannot be written as one).

    ``status`` is what a server answers before closing the connection: 400 for a malformed
    message, 413 for a body over the limit, 431 for a head over the limit, 505 for an HTTP
    version other than 1.x. A proxy that gets this from its upstream answers 502 instead.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
