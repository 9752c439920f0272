"""The strict-HTTP/1.1 rules every edge of the harness enforces, as raw requests.

One table, sent over real sockets to each edge (the gateway's fast path and aiohttp path, the
Lambda service's Invoke and Runtime APIs), so all of them answer a malformed message alike:
an error status and a closed connection. Sections are RFC 9112's unless named otherwise.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
from dataclasses import dataclass

from strangler_core.http1 import MAX_REQUEST_HEAD

TARGET = b"{target}"
PAD = b"{pad}"


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    raw: bytes  # TARGET stands for the edge's request target, PAD for padding
    status: int
    head_size: int | None = None  # PAD grows the head to exactly this many bytes

    def request(self, target: str) -> bytes:
        raw = self.raw.replace(TARGET, target.encode())
        if self.head_size is not None:
            unpadded = raw.find(b"\r\n\r\n") - len(PAD)
            raw = raw.replace(PAD, b"p" * (self.head_size - unpadded))
        return raw


def _post(headers: bytes, body: bytes = b"") -> bytes:
    return b"POST " + TARGET + b" HTTP/1.1\r\nHost: edge\r\n" + headers + b"\r\n" + body


def _get(extra: bytes) -> bytes:
    return b"GET " + TARGET + b" HTTP/1.1\r\nHost: edge\r\n" + extra + b"\r\n"


def padded(method: bytes, size: int) -> Case:
    """A request whose head (the bytes before its final CRLF CRLF) is ``size`` bytes long."""
    raw = method + b" " + TARGET + b" HTTP/1.1\r\nHost: edge\r\nX-Pad: " + PAD + b"\r\n\r\n"
    return Case(f"head-of-{size}-bytes", "API Gateway HTTP API quota", raw, 0, size)


MALFORMED = [
    Case(
        "lf-in-header-value",
        "§2.2 bare LF is no line end; §5.5 field values exclude CR, LF and NUL",
        _get(b"X-A: b\nTransfer-Encoding: chunked\r\n"),
        400,
    ),
    Case(
        "lf-in-target",
        "§3.2 the request target has no whitespace or controls",
        b"GET " + TARGET + b"\nx HTTP/1.1\r\nHost: edge\r\n\r\n",
        400,
    ),
    Case("cr-in-target", "§3.2", b"GET " + TARGET + b"\rx HTTP/1.1\r\nHost: edge\r\n\r\n", 400),
    Case("nul-in-target", "§3.2", b"GET " + TARGET + b"\x00 HTTP/1.1\r\nHost: edge\r\n\r\n", 400),
    Case("cr-in-header-value", "§5.5", _get(b"X-A: a\rb\r\n"), 400),
    Case("nul-in-header-value", "§5.5", _get(b"X-A: a\x00b\r\n"), 400),
    Case("bare-lf-line-ends", "§2.2", b"GET " + TARGET + b" HTTP/1.1\nHost: edge\n\n", 400),
    Case(
        "obs-fold",
        "§5.2 a server MUST reject obs-fold (or replace it), here: reject",
        _get(b"X-A: a\r\n b\r\n"),
        400,
    ),
    Case(
        "header-name-not-a-token",
        "§5.1 field-name is a token (RFC 9110 §5.1)",
        _get(b"X(A): a\r\n"),
        400,
    ),
    Case(
        "whitespace-before-colon",
        "§5.1 a server MUST reject whitespace before the colon",
        _get(b"X-A : a\r\n"),
        400,
    ),
    Case(
        "no-host",
        "§3.2 a server MUST answer 400 to an HTTP/1.1 request without Host",
        b"GET " + TARGET + b" HTTP/1.1\r\n\r\n",
        400,
    ),
    Case(
        "content-length-superscript-two",
        "§6.3 Content-Length is 1*DIGIT (RFC 9110 §8.6)",
        _post("Content-Length: \u00b2\r\n".encode(), b"ab"),
        400,
    ),
    Case(
        "content-length-underscore", "§6.3", _post(b"Content-Length: 1_0\r\n", b"0123456789"), 400
    ),
    Case("content-length-plus-sign", "§6.3", _post(b"Content-Length: +5\r\n", b"01234"), 400),
    Case(
        "content-length-differing-duplicates",
        "§6.3 differing lengths are unrecoverable",
        _post(b"Content-Length: 5\r\nContent-Length: 6\r\n", b"012345"),
        400,
    ),
    Case(
        "content-length-and-transfer-encoding",
        "§6.1 a server MAY reject both together, and MUST close the connection after",
        _post(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
        400,
    ),
    Case(
        "unknown-transfer-coding",
        "§6.1 a coding the server does not understand",
        _post(b"Transfer-Encoding: gzip\r\n"),
        400,
    ),
    Case(
        "gzip-then-chunked",
        "§6.1 only chunked is implemented here",
        _post(b"Transfer-Encoding: gzip, chunked\r\n", b"0\r\n\r\n"),
        400,
    ),
    Case(
        "chunk-size-plus-hex",
        "§7.1 chunk-size is 1*HEXDIG",
        _post(b"Transfer-Encoding: chunked\r\n", b"+0x5\r\nabcde\r\n0\r\n\r\n"),
        400,
    ),
    Case(
        "chunk-data-without-crlf",
        "§7.1 chunk-data is followed by CRLF",
        _post(b"Transfer-Encoding: chunked\r\n", b"5\r\nabcdeXX0\r\n\r\n"),
        400,
    ),
    Case(
        "head-over-the-limit",
        "API Gateway HTTP API quota: request line and header values up to 10,240 bytes; "
        "RFC 6585 §5 431 Request Header Fields Too Large",
        padded(b"GET", MAX_REQUEST_HEAD + 1).raw,
        431,
        MAX_REQUEST_HEAD + 1,
    ),
]


@dataclass(frozen=True)
class ResponseCase:
    id: str
    rule: str
    raw: bytes  # a whole answer from an upstream


def _answer(headers: bytes, body: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + headers + b"\r\n" + body


MALFORMED_RESPONSES = [
    ResponseCase(
        "content-length-underscore",
        "§6.3 Content-Length is 1*DIGIT",
        _answer(b"Content-Length: 1_0\r\n", b"0123456789"),
    ),
    ResponseCase("content-length-plus-sign", "§6.3", _answer(b"Content-Length: +5\r\n", b"abcde")),
    ResponseCase(
        "content-length-superscript-two",
        "§6.3",
        _answer("Content-Length: \u00b2\r\n".encode(), b"ab"),
    ),
    ResponseCase(
        "content-length-differing-duplicates",
        "§6.3 unrecoverable framing",
        _answer(b"Content-Length: 2\r\nContent-Length: 5\r\n", b"abcde"),
    ),
    ResponseCase(
        "content-length-and-transfer-encoding",
        "§6.1 smuggling vector",
        _answer(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
    ),
    ResponseCase(
        "unknown-transfer-coding",
        "§6.1 a coding the proxy cannot decode",
        _answer(b"Transfer-Encoding: gzip\r\n", b"abc"),
    ),
    ResponseCase(
        "chunk-size-plus-hex",
        "§7.1 chunk-size is 1*HEXDIG",
        _answer(b"Transfer-Encoding: chunked\r\n", b"+0x5\r\nabcde\r\n0\r\n\r\n"),
    ),
    ResponseCase(
        "chunk-data-without-crlf",
        "§7.1 chunk-data is followed by CRLF",
        _answer(b"Transfer-Encoding: chunked\r\n", b"5\r\nabcdeXX0\r\n\r\n"),
    ),
    ResponseCase(
        "lf-in-header-value",
        "§2.2, §5.5",
        _answer(b"X-A: b\nX-B: c\r\nContent-Length: 2\r\n", b"ab"),
    ),
    ResponseCase("bare-lf-line-ends", "§2.2", b"HTTP/1.1 200 OK\nContent-Length: 2\n\nab"),
    ResponseCase(
        "obs-fold",
        "§5.2 a proxy MUST reject obs-fold in a response (or replace it)",
        _answer(b"X-A: a\r\n b\r\nContent-Length: 2\r\n", b"ab"),
    ),
    ResponseCase("status-not-three-digits", "§4", b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n"),
]


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    closed: bool  # the server closed the connection after its last answer


class _Stream(io.BufferedReader):
    """One buffered stream that several ``http.client.HTTPResponse`` read in turn (each
    closes its file when done; this one stays open until the socket closes)."""

    def close(self) -> None:
        pass

    def makefile(self, *args: object, **kwargs: object) -> _Stream:
        return self


def exchange(
    address: tuple[str, int],
    raw: bytes,
    *,
    answers: int = 1,
    expect_close: bool = True,
    first: bytes = b"",
) -> list[Answer]:
    """Send raw bytes on a fresh connection and read ``answers`` answers with the stdlib's
    parser (an independent one). ``first`` is sent, and its answer read, before ``raw``.
    With ``expect_close`` the connection must then end: a server that kept it open makes the
    read time out and the test fail."""
    with socket.create_connection(address, timeout=30) as sock:
        stream = _Stream(socket.SocketIO(sock, "rb"))
        found = []
        for data, count in ((first, 1), (raw, answers)) if first else ((raw, answers),):
            sock.sendall(data)
            for _ in range(count):
                response = http.client.HTTPResponse(stream)  # type: ignore[arg-type]
                response.begin()
                found.append(Answer(response.status, response.msg, response.read(), False))
        if expect_close:
            found[-1].closed = stream.read(1) == b""
        return found


def rejected(address: tuple[str, int], raw: bytes) -> Answer:
    """The one answer to a request the server must refuse, and whether it then closed."""
    return exchange(address, raw)[0]


class RawUpstream:
    """A raw-socket upstream that answers each request head it reads with ``answer`` as given,
    byte for byte (malformed framing included), then closes if ``close`` is set."""

    def __init__(self) -> None:
        self.answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        self.close = False
        self.rest = b""  # sent after ``answer`` once ``release`` is set
        # answer this many requests on a connection, then close it when the next one comes
        # (a keep-alive timeout that strikes as a request arrives); None: no limit
        self.drop_after: int | None = None
        self.release = threading.Event()
        self.connections = 0
        self.requests: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._threads: list[threading.Thread] = []
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            answered = 0
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                self.requests.append(head)
                if self.drop_after is not None and answered == self.drop_after:
                    return
                answered += 1
                conn.sendall(self.answer)
                if self.rest:
                    self.release.wait()
                    conn.sendall(self.rest)
                if self.close:
                    return

    def __enter__(self) -> RawUpstream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (Linux)
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)
