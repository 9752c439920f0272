from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str], None]
"""Receives one line of progress for long work (the CLI prints it to stderr)."""
