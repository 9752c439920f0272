"""What a replayed captured request resends (pure; Locust is not imported here, since importing
it patches the interpreter)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from strangler_core.traffic import CapturedRequest

_NOT_RESENT = frozenset({"host", "content-length", "connection", "transfer-encoding"})
"""Set by the client for the connection it opens, not part of what was asked."""


@dataclass(frozen=True)
class Replayed:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


def replayed(records: Iterable[CapturedRequest]) -> list[Replayed]:
    """What each record resends; repeated header names joined as their syntax allows
    (RFC 9110 5.3: a list with ", "; RFC 6265 5.4: cookies with "; ")."""
    requests = []
    for record in records:
        headers: dict[str, str] = {}
        for name, value in record.headers:
            if name.lower() in _NOT_RESENT:
                continue
            joiner = "; " if name.lower() == "cookie" else ", "
            headers[name] = f"{headers[name]}{joiner}{value}" if name in headers else value
        requests.append(Replayed(record.method, record.target, headers, record.body))
    return requests
