"""The X-Ray daemon protocol and the ``X-Amzn-Trace-Id`` header, as pure functions.

A datagram is a JSON header line, a newline, then one segment (or streamed subsegment)
document: ``{"format": "json", "version": 1}\\n{"trace_id": ..., "id": ..., ...}``.
A trace id is ``1-<8 hex digits: epoch seconds>-<24 hex digits>``; an entity id 16 hex digits.
"""

from __future__ import annotations

import json
import random
import re
import secrets
from dataclasses import dataclass
from typing import Any

DEFAULT_DAEMON_ADDRESS = "127.0.0.1:2000"
PROTOCOL_HEADER = {"format": "json", "version": 1}
_HEADER_LINE = b'{"format":"json","version":1}'
_TRACE_ID_RE = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
_ENTITY_ID_RE = re.compile(r"^[0-9a-f]{16}$")


class MalformedDatagram(ValueError):
    """A datagram that is not the daemon protocol; the collector counts it and goes on."""


def new_trace_id(now: float) -> str:
    return f"1-{int(now) & 0xFFFFFFFF:08x}-{secrets.token_hex(12)}"


def new_entity_id() -> str:
    return secrets.token_hex(8)


def is_trace_id(value: object) -> bool:
    return isinstance(value, str) and _TRACE_ID_RE.match(value) is not None


def encode_datagram(document: dict[str, Any]) -> bytes:
    body = json.dumps(document, separators=(",", ":"))
    return _HEADER_LINE + b"\n" + body.encode()


def parse_datagram(data: bytes) -> dict[str, Any]:
    """The segment document of one datagram, or MalformedDatagram saying what is wrong."""
    head, newline, body = data.partition(b"\n")
    if not newline:
        raise MalformedDatagram("no newline after the protocol header")
    try:
        header = json.loads(head)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedDatagram(f"protocol header is not JSON: {exc}") from None
    if not isinstance(header, dict) or header.get("format") != "json" or header.get("version") != 1:
        raise MalformedDatagram(f"unsupported protocol header {header!r}")
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedDatagram(f"segment is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise MalformedDatagram("segment is not a JSON object")
    if not is_trace_id(document.get("trace_id")):
        raise MalformedDatagram(f"bad trace_id {document.get('trace_id')!r}")
    entity_id = document.get("id")
    if not isinstance(entity_id, str) or not _ENTITY_ID_RE.match(entity_id):
        raise MalformedDatagram(f"bad id {entity_id!r}")
    if not isinstance(document.get("start_time"), int | float):
        raise MalformedDatagram("start_time is missing")
    return document


@dataclass(frozen=True)
class TraceHeader:
    """``Root=1-...;Parent=<16 hex>;Sampled=0|1`` (the parts may be missing or in any order)."""

    root: str | None = None
    parent: str | None = None
    sampled: bool | None = None  # None: the receiver decides ("Sampled=?" or absent)

    @classmethod
    def parse(cls, value: str | None) -> TraceHeader:
        """Lenient like AWS: unknown keys are ignored, a malformed Root is dropped."""
        if not value:
            return cls()
        fields: dict[str, str] = {}
        for part in value.split(";"):
            key, eq, val = part.strip().partition("=")
            if eq:
                fields[key.strip().lower()] = val.strip()
        root = fields.get("root")
        parent = fields.get("parent")
        sampled = {"1": True, "0": False}.get(fields.get("sampled", ""))
        return cls(
            root=root if is_trace_id(root) else None,
            parent=parent if parent and _ENTITY_ID_RE.match(parent) else None,
            sampled=sampled,
        )

    def format(self) -> str:
        parts = []
        if self.root:
            parts.append(f"Root={self.root}")
        if self.parent:
            parts.append(f"Parent={self.parent}")
        if self.sampled is not None:
            parts.append(f"Sampled={int(self.sampled)}")
        return ";".join(parts)


def continue_trace(
    incoming: TraceHeader, *, now: float, sample_rate: float, rng: random.Random | None = None
) -> TraceHeader:
    """What an entry point (the gateway, an un-traced Invoke) continues: the caller's root and
    sampling decision when it gave them, else a new root and a decision at ``sample_rate``.
    The returned ``parent`` is the caller's segment (None when the trace starts here)."""
    root = incoming.root or new_trace_id(now)
    sampled = incoming.sampled
    if sampled is None:
        sampled = (rng or random).random() < sample_rate
    parent = incoming.parent if incoming.root else None
    return TraceHeader(root=root, parent=parent, sampled=sampled)
