"""Traffic capture through a real gateway on real sockets: both ways in (the fast path and
aiohttp's), both integrations, requests recorded byte for byte as the client sent them, files
bounded and readable by their owner only."""

from __future__ import annotations

import json
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.gateway import GatewaySettings, GatewayThread
from strangler_core.traffic import capture_files, read_captured
from tests.infra.local.gateway.conftest import ROUTES, FakeLambda, write_table

SECRET_TOKEN = "Bearer s3cr3t-token-value"
SECRET_COOKIE = "sessionid=cookie-secret-value"


def _settings(
    tmp: Path, upstream_url: str, fake_lambda: FakeLambda, **extra: object
) -> GatewaySettings:
    routes = tmp / "routes.json"
    write_table(routes, ROUTES)
    return GatewaySettings(
        routes_path=routes,
        monolith_url=upstream_url,
        lambda_url=fake_lambda.url,
        port=0,
        access_log=tmp / "access.jsonl",
        capture_dir=tmp / "traffic",
        **extra,  # type: ignore[arg-type]
    )


def _exchange(port: int, raw: bytes) -> bytes:
    """Send one raw request on its own connection; the whole answer (the server closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.fixture
def capturing(
    tmp_path: Path, upstream_url: str, fake_lambda: FakeLambda
) -> Iterator[tuple[GatewayThread, int]]:
    thread = GatewayThread(_settings(tmp_path, upstream_url, fake_lambda))
    url = thread.start()
    try:
        yield thread, int(url.rsplit(":", 1)[1])
    finally:
        thread.stop()


def _request(method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", *(f"{n}: {v}" for n, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def test_both_paths_and_both_integrations_are_captured_as_sent(
    capturing: tuple[GatewayThread, int], tmp_path: Path
) -> None:
    thread, port = capturing
    sent = [
        # fast path: a plain keep-alive request for the monolith (then the server keeps the
        # connection, so each of these ends with a second request that closes it)
        (
            "POST",
            "/rides?b=2&a=1&a=3",
            [
                ("Host", "gw.test"),
                ("Authorization", SECRET_TOKEN),
                ("X-Dup", "one"),
                ("Cookie", SECRET_COOKIE),
                ("X-Dup", "two"),
                ("Content-Type", "application/json"),
                ("Content-Length", "17"),
            ],
            b'{"pickup": "a b"}',
        ),
        # aiohttp's path to the monolith: an encoded path segment is not the fast path's
        (
            "PUT",
            "/books/caf%C3%A9%2F1?x=%20y",
            [("Host", "gw.test"), ("Cookie", SECRET_COOKIE), ("Content-Length", "3")],
            b"abc",
        ),
        # aiohttp's path to Lambda (AWS_PROXY)
        (
            "POST",
            "/fn/echo?q=1",
            [("Host", "gw.test"), ("x-amz-date", "now"), ("Content-Length", "2")],
            b"{}",
        ),
        # the monolith's own 404, through $default
        ("GET", "/status/404", [("Host", "gw.test")], b""),
    ]
    statuses = []
    for method, target, headers, body in sent:
        answer = _exchange(
            port,
            _request(method, target, headers, body)
            + _request("GET", "/status/204", [("Host", "gw.test"), ("Connection", "close")]),
        )
        statuses.append(_status(answer))
    thread.stop()  # flushes the capture

    records = [r for r in read_captured(tmp_path / "traffic") if r.raw_path != "/status/204"]
    assert [(r.method, r.target, list(r.headers), r.body) for r in records] == [
        (method, target, headers, body) for method, target, headers, body in sent
    ]
    assert [r.status for r in records] == statuses == [200, 200, 201, 404]
    assert [r.route_key for r in records] == ["$default", "$default", "ANY /fn/echo", "$default"]
    assert all(r.body_complete for r in records)
    # the request that closed each connection took aiohttp's path (Connection: close)
    closers = [r for r in read_captured(tmp_path / "traffic") if r.raw_path == "/status/204"]
    assert [(r.status, r.headers[-1]) for r in closers] == [(204, ("Connection", "close"))] * 4


def test_a_refused_or_unread_body_is_marked_incomplete(
    capturing: tuple[GatewayThread, int], tmp_path: Path
) -> None:
    thread, port = capturing
    too_big = 10 * 1024 * 1024 + 1
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(_request("POST", "/upload", [("Host", "x"), ("Content-Length", str(too_big))]))
        assert _status(sock.makefile("rb").readline()) == 413
    thread.stop()
    [record] = read_captured(tmp_path / "traffic")
    assert (record.method, record.raw_path, record.status) == ("POST", "/upload", 413)
    assert (record.body, record.body_complete) == (b"", False)


def test_a_streamed_upload_is_captured_without_its_body(
    capturing: tuple[GatewayThread, int], tmp_path: Path
) -> None:
    thread, port = capturing
    body = b"y" * (300 * 1024)  # past the 256 KiB the gateway reads whole: streamed upstream
    headers = [("Host", "x"), ("Content-Length", str(len(body))), ("Connection", "close")]
    answer = _exchange(port, _request("POST", "/upload", headers, body))
    assert _status(answer) == 200
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["length"] == len(body)
    thread.stop()
    [record] = read_captured(tmp_path / "traffic")
    assert (record.method, record.target, record.status, list(record.headers)) == (
        "POST",
        "/upload",
        200,
        headers,
    )
    assert (record.body, record.body_complete) == (b"", False)


def test_credentials_stay_out_of_the_access_log(
    capturing: tuple[GatewayThread, int], tmp_path: Path
) -> None:
    thread, port = capturing
    for target in ("/rides", "/fn/echo", "/caf%C3%A9"):
        _exchange(
            port,
            _request(
                "GET",
                target,
                [
                    ("Host", "x"),
                    ("Authorization", SECRET_TOKEN),
                    ("Cookie", SECRET_COOKIE),
                    ("Connection", "close"),
                ],
            ),
        )
    thread.stop()
    log = (tmp_path / "access.jsonl").read_text()
    assert len(log.splitlines()) == 3
    assert "s3cr3t" not in log and "cookie-secret" not in log
    capture = (tmp_path / "traffic" / "traffic.jsonl").read_text()
    assert capture.count(SECRET_TOKEN) == 3 and capture.count(SECRET_COOKIE) == 3


def test_a_burst_rotates_within_the_cap_and_files_are_private(
    tmp_path: Path, upstream_url: str, fake_lambda: FakeLambda
) -> None:
    cap, files = 96 * 1024, 3
    thread = GatewayThread(
        _settings(tmp_path, upstream_url, fake_lambda, capture_max_bytes=cap, capture_files=files)
    )
    port = int(thread.start().rsplit(":", 1)[1])
    body = b"x" * 4000
    requests = 80  # about 5.5 KB each on disk: more than four times the cap
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            reader = sock.makefile("rb")
            for number in range(requests):
                sock.sendall(
                    _request(
                        "POST",
                        f"/burst/{number}",
                        [("Host", "x"), ("Content-Length", str(len(body)))],
                        body,
                    )
                )
                _read_answer(reader)
    finally:
        thread.stop()
    directory = tmp_path / "traffic"
    kept = capture_files(directory)
    assert [p.name for p in kept] == ["traffic.2.jsonl", "traffic.1.jsonl", "traffic.jsonl"]
    assert sum(p.stat().st_size for p in kept) <= cap
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in kept} == {0o600}
    numbers = [int(r.raw_path.rsplit("/", 1)[1]) for r in read_captured(directory)]
    # the newest requests are kept, in order, none lost between the files kept
    assert numbers == list(range(requests - len(numbers), requests))
    assert len(numbers) > 8


def _read_answer(reader: object) -> None:
    """Read one keep-alive answer (status line, headers, Content-Length body)."""
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):  # type: ignore[attr-defined]
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    reader.read(length)  # type: ignore[attr-defined]
