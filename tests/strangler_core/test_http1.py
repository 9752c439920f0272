"""The strict HTTP/1.1 layer (RFC 9112): heads, chunked bodies, serialization.

The edges' raw-socket tests (gateway, Lambda service) send the same malformed requests over
real sockets; these pin the layer itself, and which rules llhttp enforces on its own.
"""

from __future__ import annotations

import httptools
import pytest

from strangler_core.http1 import (
    MAX_REQUEST_HEAD,
    ChunkedDecoder,
    HttpProtocolError,
    parse_request_head,
    parse_response_head,
    request_head,
    response_head,
)
from tests.http1_cases import MALFORMED, Case, padded

# Rules llhttp (httptools) enforces by itself; the layer adds the others.
LLHTTP_REJECTS = {
    "lf-in-header-value",
    "lf-in-target",
    "cr-in-target",
    "nul-in-target",
    "cr-in-header-value",
    "nul-in-header-value",
    "bare-lf-line-ends",
    "obs-fold",
    "header-name-not-a-token",
    "whitespace-before-colon",
    "content-length-superscript-two",
    "content-length-underscore",
    "content-length-plus-sign",
    "content-length-differing-duplicates",
    "content-length-and-transfer-encoding",
    "unknown-transfer-coding",
    "chunk-size-plus-hex",
    "chunk-data-without-crlf",
}


def _llhttp_accepts(raw: bytes) -> bool:
    try:
        httptools.HttpRequestParser(object()).feed_data(raw)
    except httptools.HttpParserError:
        return False
    return True


@pytest.mark.parametrize("case", MALFORMED, ids=lambda case: case.id)
def test_which_rules_llhttp_enforces_itself(case: Case) -> None:
    """If an httptools upgrade relaxes or tightens one of these, this test names it."""
    assert _llhttp_accepts(case.request("/x")) is (case.id not in LLHTTP_REJECTS)


def _parse_whole_message(raw: bytes) -> None:
    buffer = bytearray(raw)
    head = parse_request_head(buffer)
    assert head is not None
    del buffer[: head.size]
    if head.chunked:
        decoder = ChunkedDecoder(1024)
        decoder.decode(buffer)
        assert decoder.done


@pytest.mark.parametrize("case", MALFORMED, ids=lambda case: case.id)
def test_every_malformed_request_is_refused_with_its_status(case: Case) -> None:
    with pytest.raises(HttpProtocolError) as caught:
        _parse_whole_message(case.request("/x"))
    assert caught.value.status == case.status, case.rule


def test_a_head_of_exactly_the_limit_is_accepted_one_byte_more_is_431() -> None:
    """API Gateway HTTP API quota: request line and headers, 10,240 bytes."""
    head = parse_request_head(padded(b"GET", MAX_REQUEST_HEAD).request("/"))
    assert head is not None
    assert head.size == MAX_REQUEST_HEAD + 4
    with pytest.raises(HttpProtocolError) as caught:
        parse_request_head(padded(b"GET", MAX_REQUEST_HEAD + 1).request("/"))
    assert caught.value.status == 431


def test_an_endless_head_is_431_before_its_end_arrives() -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + b"p" * MAX_REQUEST_HEAD
    with pytest.raises(HttpProtocolError) as caught:
        parse_request_head(data)
    assert caught.value.status == 431


def test_an_incomplete_head_is_none_until_it_is_whole() -> None:
    raw = b"POST /a?b=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-Tab: a\tb\r\n\r\nabc"
    end = raw.index(b"\r\n\r\n") + 4
    for cut in range(end):
        assert parse_request_head(raw[:cut]) is None
    head = parse_request_head(raw)
    assert head is not None
    assert (head.method, head.target, head.version) == ("POST", "/a?b=1", "1.1")
    assert head.headers == [("Host", "a"), ("Content-Length", "3"), ("X-Tab", "a\tb")]
    assert (head.content_length, head.chunked, head.keep_alive, head.size) == (3, False, True, end)
    assert head.header("content-length") == "3"


def test_a_bare_lf_is_refused_before_the_head_ends() -> None:
    """RFC 9112 §2.2: no waiting for a CRLF CRLF that a broken client never sends."""
    with pytest.raises(HttpProtocolError) as caught:
        parse_request_head(b"GET / HTTP/1.1\nHost: a\n")
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("raw", "keep_alive"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", True),
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", False),
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, Close\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
    ],
)
def test_keep_alive_follows_the_version_and_connection(raw: bytes, keep_alive: bool) -> None:
    """RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive"."""
    head = parse_request_head(raw)
    assert head is not None
    assert head.keep_alive is keep_alive


def test_other_http_versions_are_505() -> None:
    with pytest.raises(HttpProtocolError) as caught:
        parse_request_head(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n")
    assert caught.value.status == 505


def test_two_host_headers_are_400() -> None:
    """RFC 9112 §3.2: more than one Host field line is a 400."""
    with pytest.raises(HttpProtocolError) as caught:
        parse_request_head(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    assert caught.value.status == 400


def test_an_upgrade_request_is_parsed_and_marked() -> None:
    raw = b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
    head = parse_request_head(raw)
    assert head is not None
    assert head.upgrade is True


MALFORMED_RESPONSES = [
    pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 1_0\r\n\r\n", id="content-length-1_0"),
    pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", id="content-length-plus"),
    pytest.param(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", id="two-lengths"
    ),
    pytest.param(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        id="length-and-chunked",
    ),
    pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", id="gzip-coding"),
    pytest.param(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", id="chunked-then-gzip"
    ),
    pytest.param(b"HTTP/1.1 200 OK\r\nX-A: b\nX-B: c\r\n\r\n", id="lf-in-value"),
    pytest.param(b"HTTP/1.1 200 OK\nContent-Length: 0\n\n", id="bare-lf"),
    pytest.param(b"HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n\r\n", id="obs-fold"),
    pytest.param(b"HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n", id="whitespace-before-colon"),
    pytest.param(b"HTTP/1.1 2000 OK\r\n\r\n", id="four-digit-status"),
    pytest.param(b"HTTP/1.1 200 O\x01K\r\n\r\n", id="control-in-reason"),
    pytest.param(b"HTTP/2.0 200 OK\r\n\r\n", id="http-2"),
    pytest.param(b"HTTP/1.1 200 OK\r\nX-Pad: " + b"p" * 70_000 + b"\r\n\r\n", id="huge-head"),
]


@pytest.mark.parametrize("raw", MALFORMED_RESPONSES)
def test_malformed_responses_are_502(raw: bytes) -> None:
    """What a proxy answers for an upstream that breaks RFC 9112 (RFC 9110 §15.6.3)."""
    with pytest.raises(HttpProtocolError) as caught:
        parse_response_head(raw)
    assert caught.value.status == 502


@pytest.mark.parametrize(
    ("raw", "head_request", "body_length", "chunked", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", False, 2, False, True),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n", False, None, True, True),
        (b"HTTP/1.1 200 OK\r\n\r\n", False, None, False, False),  # ends at close
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", True, 0, False, True),  # HEAD
        (b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", False, 0, False, True),
        (b"HTTP/1.1 304 Not Modified\r\n\r\n", False, 0, False, True),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", False, 2, False, False),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n",
            False,
            2,
            False,
            False,
        ),
    ],
)
def test_response_framing(
    raw: bytes, head_request: bool, body_length: int | None, chunked: bool, keep_alive: bool
) -> None:
    """RFC 9112 §6.3, the rules in order: HEAD, 1xx, 204 and 304 have no body; chunked;
    Content-Length; otherwise the body ends when the connection closes."""
    head = parse_response_head(raw, head_request=head_request)
    assert head is not None
    assert (head.body_length, head.chunked, head.keep_alive) == (body_length, chunked, keep_alive)


def test_a_response_head_without_reason_phrase() -> None:
    head = parse_response_head(b"HTTP/1.1 201 \r\nContent-Length: 0\r\n\r\n")
    assert head is not None
    assert (head.status, head.reason, head.size) == (201, "", 36)


BODY = (
    b"4;name=value\r\nWiki\r\n"
    b'7; quoted = "a \\" b"\r\npedia i\r\n'
    b"B\r\nn \r\nchunks.\r\n"
    b"0\r\nExpires: never\r\n\r\n"
)


def test_chunked_body_decodes_whole_and_byte_by_byte_alike() -> None:
    whole = bytearray(BODY + b"NEXT")
    decoder = ChunkedDecoder(100)
    assert decoder.decode(whole) == b"Wikipedia in \r\nchunks."
    assert decoder.done
    assert whole == b"NEXT"  # what follows the body (a pipelined request) stays

    decoder = ChunkedDecoder(100)
    buffer = bytearray()
    out = b""
    for byte in BODY:
        buffer.append(byte)
        out += decoder.decode(buffer)
    assert (out, decoder.done, buffer) == (b"Wikipedia in \r\nchunks.", True, b"")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"+0x5\r\nabcde\r\n0\r\n\r\n", id="plus-hex"),
        pytest.param(b"0x5\r\nabcde\r\n0\r\n\r\n", id="hex-prefix"),
        pytest.param(b" 5\r\nabcde\r\n0\r\n\r\n", id="leading-space"),
        pytest.param(b"5 \r\nabcde\r\n0\r\n\r\n", id="space-without-extension"),
        pytest.param(b"-5\r\nabcde\r\n0\r\n\r\n", id="negative"),
        pytest.param(b"\r\nabcde\r\n0\r\n\r\n", id="empty-size"),
        pytest.param(b"5;\r\nabcde\r\n0\r\n\r\n", id="empty-extension"),
        pytest.param(b"5\r\nabcdeXX0\r\n\r\n", id="no-crlf-after-data"),
        pytest.param(b"5\r\nabcde\n0\r\n\r\n", id="lf-after-data"),
        pytest.param(b"5\nabcde\r\n0\r\n\r\n", id="bare-lf-after-size"),
        pytest.param(b"5\r\nabcde\r\n0\r\nBad Trailer\r\n\r\n", id="malformed-trailer"),
        pytest.param(b"5\r\nabcde\r\n0\r\nX: a\rb\r\n\r\n", id="cr-in-trailer"),
        pytest.param(b"1" * 5000 + b"\r\n", id="endless-size-line"),
        pytest.param(b"11111111111111111\r\n", id="seventeen-hex-digits"),
    ],
)
def test_malformed_chunked_bodies_are_400(body: bytes) -> None:
    with pytest.raises(HttpProtocolError) as caught:
        ChunkedDecoder(1 << 70).decode(bytearray(body))
    assert caught.value.status == 400


def test_a_chunked_body_over_the_limit_is_413_at_the_chunk_that_crosses_it() -> None:
    decoder = ChunkedDecoder(8)
    buffer = bytearray(b"5\r\nabcde\r\n")
    assert decoder.decode(buffer) == b"abcde"
    with pytest.raises(HttpProtocolError) as caught:
        decoder.decode(bytearray(b"4\r\n"))
    assert caught.value.status == 413


def test_heads_are_written_whole() -> None:
    assert request_head("GET", "/a?b", [("Host", "x:1"), ("X-A", "b")]) == (
        b"GET /a?b HTTP/1.1\r\nHost: x:1\r\nX-A: b\r\n\r\n"
    )
    assert response_head(404, None, [("Content-Length", "0")]) == (
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    )
    assert response_head(599, "", []) == b"HTTP/1.1 599 \r\n\r\n"
    assert response_head(200, "Fine", []) == b"HTTP/1.1 200 Fine\r\n\r\n"


@pytest.mark.parametrize(
    "headers",
    [
        [("X-A", "b\r\nSet-Cookie: injected")],
        [("X-A", "b\nc")],
        [("X-A\r\nX-B", "c")],
        [("X-A", "caf\u00e9 \u2603")],
    ],
)
def test_a_header_that_would_split_the_head_is_refused(headers: list[tuple[str, str]]) -> None:
    with pytest.raises(HttpProtocolError) as caught:
        response_head(200, None, headers)
    assert caught.value.status == 500
