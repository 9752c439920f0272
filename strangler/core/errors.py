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
