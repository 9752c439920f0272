"""The event as streamed JSON: the same event as ``build_event``, its size known beforehand."""

from __future__ import annotations

import base64
import json

import pytest

from infra.local.gateway.event_json import PIECE, event_json
from infra.local.gateway.events import ApiContext, build_event
from tests.infra.local.gateway.test_events import _request

BINARY = bytes(range(256)) * (3 * PIECE // 256 + 7)  # several pieces, the last one short


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", BINARY),
        ("application/octet-stream", b"\x00"),
        ("application/json", '{"q": "say \\"hi\\"\\\\", "tab": "\t", "é": "\u2028"}\n'.encode()),
        ("text/plain", bytes(range(0x20)) + b"\x7f"),
        ("text/plain", b"\xff\xfe"),  # declared text, not UTF-8: binary
        ("application/json", b""),
    ],
)
def test_streamed_json_is_the_event_and_its_size_is_known_first(
    content_type: str, body: bytes
) -> None:
    request = _request(headers=[("Content-Type", content_type)], body=body)
    document = event_json(request, ApiContext())
    whole = document.whole()
    assert document.size == len(whole)
    assert json.loads(whole) == build_event(request, ApiContext())


def test_a_binary_body_is_encoded_a_piece_at_a_time() -> None:
    document = event_json(_request(headers=[], body=BINARY), ApiContext())
    pieces = list(document.pieces())
    assert len(pieces) == 2 + 4  # head, 4 pieces of body, tail
    assert max(len(p) for p in pieces[1:-1]) == 4 * PIECE // 3
    event = json.loads(document.whole())
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == BINARY
