"""The payload 2.0 event as the JSON the Invoke API gets, produced piece by piece (pure).

``build_event`` gives the event as a dict, whose body is one base64 string: a 9.9 MiB upload
became 13 MiB of base64, again as a str, again as the JSON text and once more as its bytes,
all at once. Here the body stays the client's bytes until it is sent: the event's other fields
are serialized once, and the body follows them base64-encoded a slice at a time (or, for a text
body, escaped once), so sending an event holds little beyond the body itself.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from infra.local.gateway.events import ApiContext, GatewayRequest, body_is_text, event_fields

PIECE = 3 * 16 * 1024
"""Body bytes per base64 piece: a multiple of 3, so the pieces join without padding."""

_MUST_ESCAPE = re.compile(rb'["\\\x00-\x1f]')
"""What a JSON string cannot hold as is (RFC 8259 §7); UTF-8 bytes above 0x7f it can."""


@dataclass(frozen=True)
class EventJson:
    head: bytes
    """The event's JSON up to its body's first character (all of it when there is no body)."""
    body: bytes
    """The client's body (base64-encoded as it is sent), or a text body already escaped."""
    base64: bool
    tail: bytes

    @property
    def size(self) -> int:
        body = 4 * -(-len(self.body) // 3) if self.base64 else len(self.body)
        return len(self.head) + body + len(self.tail)

    def pieces(self) -> Iterator[bytes]:
        yield self.head
        if self.base64:
            view = memoryview(self.body)
            for start in range(0, len(view), PIECE):
                yield base64.b64encode(view[start : start + PIECE])
        elif self.body:
            yield self.body
        if self.tail:
            yield self.tail

    def whole(self) -> bytes:
        return b"".join(self.pieces())


def event_json(request: GatewayRequest, api: ApiContext) -> EventJson:
    """``build_event(request, api)`` as JSON, the body last."""
    event = event_fields(request, api)
    body = request.body
    text = bool(body) and body_is_text(body, event["headers"].get("content-type"))
    event["isBase64Encoded"] = bool(body) and not text
    fields = json.dumps(event, separators=(",", ":")).encode()
    if not body:
        return EventJson(fields, b"", False, b"")
    head = fields[:-1] + b',"body":"'
    if text:
        return EventJson(head, _MUST_ESCAPE.sub(_escape, body), False, b'"}')
    return EventJson(head, body, True, b'"}')


def _escape(match: re.Match[bytes]) -> bytes:
    char = match.group()
    return b"\\" + char if char in (b'"', b"\\") else b"\\u%04x" % char[0]
