"""``strangler traffic``: what the gateway captured, per route and method; HAR import; clearing.

The summary and the request listing are pure (records in, rows out) and show no credential:
header values go through ``redacted_headers``, query values through ``redacted_target``, and
bodies are counted, never shown (a login form's body is a password).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from strangler.stack.state import traffic_dir
from strangler_core.config import Config
from strangler_core.matching import RouteMatcher
from strangler_core.routes import RouteTable, default_route_table, load_route_table
from strangler_core.traffic import (
    CapturedRequest,
    TrafficLog,
    capture_files,
    load_har,
    read_captured,
    redacted_headers,
    redacted_target,
)

NO_ROUTE = "(no route)"


@dataclass
class RouteTraffic:
    """The captured requests of one route and method."""

    route: str
    method: str
    count: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    first: float = float("inf")
    last: float = float("-inf")

    def add(self, record: CapturedRequest) -> None:
        self.count += 1
        self.statuses[record.status] += 1
        self.first = min(self.first, record.time)
        self.last = max(self.last, record.time)

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "method": self.method,
            "count": self.count,
            "statuses": {str(s): n for s, n in sorted(self.statuses.items())},
            "first": iso_time(self.first),
            "last": iso_time(self.last),
        }


def summarize(records: Iterable[CapturedRequest]) -> list[RouteTraffic]:
    """One row per route key and method, ordered by route then method."""
    rows: dict[tuple[str, str], RouteTraffic] = {}
    for record in records:
        key = (record.route_key or NO_ROUTE, record.method)
        rows.setdefault(key, RouteTraffic(*key)).add(record)
    return [rows[key] for key in sorted(rows)]


def request_view(record: CapturedRequest) -> dict[str, Any]:
    """One captured request fit to print: credentials redacted, the body only counted."""
    return {
        "time": iso_time(record.time),
        "method": record.method,
        "target": redacted_target(record.target),
        "status": record.status,
        "route": record.route_key or NO_ROUTE,
        "headers": redacted_headers(record.headers),
        "body_bytes": len(record.body) if record.body_complete else None,
    }


def iso_time(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def with_route_keys(records: Iterable[CapturedRequest], table: RouteTable) -> list[CapturedRequest]:
    """Records given the route key the table sends them to, as the gateway would (None: none).

    The gateway matches the decoded path, so the recorded raw path is decoded first.
    """
    matcher = RouteMatcher(table)
    out = []
    for record in records:
        match = matcher.match(record.method, unquote(record.raw_path))
        out.append(
            record.model_copy(
                update={"route_key": None if match is None else match.route.route_key}
            )
        )
    return out


def current_table(config: Config) -> RouteTable:
    """The route table in force; before the first ``up``, the one ``up`` creates."""
    path = config.routes_path
    return load_route_table(path) if path.exists() else default_route_table()


def traffic_log(config: Config) -> TrafficLog:
    """The capture as the gateway writes it, with the same bounds."""
    gateway = config.gateway
    return TrafficLog(
        traffic_dir(config),
        max(1, gateway.capture_max_bytes // gateway.capture_files),
        gateway.capture_files,
    )


def import_har(config: Config, har: Path) -> list[CapturedRequest]:
    """Append a HAR file's requests to the capture; the records appended.

    The file is read and checked whole first: a broken file changes nothing.
    """
    records = with_route_keys(load_har(har), current_table(config))
    traffic_log(config).append(records)
    return records


def clear(config: Config) -> list[Path]:
    """Delete the capture's files; the files deleted."""
    files = capture_files(traffic_dir(config))
    for path in files:
        path.unlink(missing_ok=True)
    return files


def captured_records(config: Config) -> list[CapturedRequest]:
    directory = traffic_dir(config)
    return list(read_captured(directory)) if directory.exists() else []
