"""The route table in force: loaded at start, swapped whole when its file changes or on reload.

The compiled table lives in one attribute, ``current``. A reload builds a new state and assigns
it; each request reads the attribute once at its start, so in-flight requests finish on the
table they started with and no request sees half a table.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from infra.local.gateway.throttle import Clock, Throttler
from strangler_core.matching import RouteMatcher
from strangler_core.routes import RouteTableError, load_route_table

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableState:
    matcher: RouteMatcher
    throttler: Throttler


def _file_id(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class LiveTable:
    """Raises RouteTableError at construction if the file is not a valid table."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._file = _file_id(path)
        table = load_route_table(path)
        self.current = TableState(RouteMatcher(table), Throttler(table.throttling, clock))

    @property
    def version(self) -> int:
        return self.current.matcher.table.version

    def reload(self) -> bool:
        """Load the file again; on error log it and keep the current table."""
        self._file = _file_id(self.path)
        try:
            table = load_route_table(self.path)
        except RouteTableError as exc:
            logger.error(
                "route table not reloaded, still serving version %d: %s", self.version, exc
            )
            return False
        state = self.current
        # token buckets carry over, so a reload is no way around a throttle
        self.current = TableState(
            RouteMatcher(table), state.throttler.reconfigured(table.throttling)
        )
        logger.info(
            "route table reloaded: version %d -> %d", state.matcher.table.version, table.version
        )
        return True

    async def watch(self, interval_s: float) -> None:
        """Reload whenever the file changes; runs until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            if _file_id(self.path) != self._file:
                self.reload()
