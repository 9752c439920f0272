"""Captured traffic: records as sent, bounded rotation, owner-only files, HAR import."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from strangler_core.traffic import (
    REDACTED,
    TrafficError,
    TrafficLog,
    capture_files,
    captured,
    from_har,
    load_har,
    read_captured,
    redacted_headers,
    redacted_target,
)


def _record(n: int, body: bytes = b"") -> object:
    return captured(
        time=1_700_000_000.0 + n,
        method="post",
        target=f"/api/books/{n}/?s=a+b&q=%25",
        headers=[("Cookie", "sessionid=s3cret"), ("X-Dup", "1"), ("X-Dup", "2")],
        body=body,
        status=201,
        route_key="ANY /api/books/{id}",
    )


def test_a_record_keeps_target_headers_and_body_as_sent(tmp_path: Path) -> None:
    log = TrafficLog(tmp_path / "traffic", max_bytes=10_000)
    log.append([_record(7, b"\x00\xff{}")])
    [back] = read_captured(tmp_path / "traffic")
    assert back.method == "POST"
    assert back.raw_path == "/api/books/7/"
    assert back.raw_query == "s=a+b&q=%25"  # not decoded: replay sends what the client sent
    assert back.target == "/api/books/7/?s=a+b&q=%25"
    assert back.headers == (("Cookie", "sessionid=s3cret"), ("X-Dup", "1"), ("X-Dup", "2"))
    assert back.body == b"\x00\xff{}"
    assert back.status == 201


def test_files_are_readable_only_by_their_owner(tmp_path: Path) -> None:
    log = TrafficLog(tmp_path / "traffic", max_bytes=10_000)
    log.append([_record(1)])
    assert stat.S_IMODE((tmp_path / "traffic").stat().st_mode) == 0o700
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600


def test_rotation_keeps_at_most_max_files_and_reads_oldest_first(tmp_path: Path) -> None:
    one_line = len(_record(0).model_dump_json()) + 1  # type: ignore[attr-defined]
    log = TrafficLog(tmp_path, max_bytes=one_line * 2, max_files=3)
    for n in range(10):  # two lines a file: 5 files' worth, 3 kept
        log.append([_record(n)])
    assert [p.name for p in capture_files(tmp_path)] == [
        "traffic.2.jsonl",
        "traffic.1.jsonl",
        "traffic.jsonl",
    ]
    assert [r.time - 1_700_000_000.0 for r in read_captured(tmp_path)] == [4, 5, 6, 7, 8, 9]


def test_one_large_append_rotates_between_its_records(tmp_path: Path) -> None:
    one_line = len(_record(0).model_dump_json()) + 1  # type: ignore[attr-defined]
    log = TrafficLog(tmp_path, max_bytes=one_line * 2, max_files=3)
    log.append([_record(n) for n in range(9)])  # one batch, as the gateway's writer sends them
    kept = capture_files(tmp_path)
    assert [p.stat().st_size for p in kept] == [one_line * 2, one_line * 2, one_line]
    assert [r.time - 1_700_000_000.0 for r in read_captured(tmp_path)] == [4, 5, 6, 7, 8]


def test_two_writers_keep_the_bound_between_them(tmp_path: Path) -> None:
    one_line = len(_record(0).model_dump_json()) + 1  # type: ignore[attr-defined]
    gateway = TrafficLog(tmp_path, max_bytes=one_line * 2, max_files=2)
    importer = TrafficLog(tmp_path, max_bytes=one_line * 2, max_files=2)
    gateway.append([_record(1)])
    importer.append([_record(2)])
    gateway.append([_record(3)])  # the file is full (one line of each): this one rotates it
    assert [p.stat().st_size for p in capture_files(tmp_path)] == [one_line * 2, one_line]


def test_a_damaged_line_names_file_and_line(tmp_path: Path) -> None:
    log = TrafficLog(tmp_path, max_bytes=10_000)
    log.append([_record(1)])
    with log.path.open("a") as handle:
        handle.write('{"method": "GET"}\n')
    with pytest.raises(TrafficError, match=r"traffic\.jsonl:2: .*time"):
        list(read_captured(tmp_path))


def test_credentials_are_redacted_for_printing() -> None:
    shown = redacted_headers([("Authorization", "Bearer x"), ("cookie", "a=b"), ("Accept", "*/*")])
    assert shown == [("Authorization", REDACTED), ("cookie", REDACTED), ("Accept", "*/*")]


HAR = {
    "log": {
        "version": "1.2",
        "entries": [
            {
                "startedDateTime": "2026-11-30T10:00:00.000Z",
                "request": {
                    "method": "PUT",
                    "url": "http://127.0.0.1:8080/api/books/3/?format=json",
                    "headers": [
                        {"name": ":authority", "value": "127.0.0.1:8080"},
                        {"name": "Content-Type", "value": "application/json"},
                    ],
                    "postData": {"mimeType": "application/json", "text": '{"title": "Dune"}'},
                },
                "response": {"status": 200},
            }
        ],
    }
}


def test_credential_query_values_are_redacted_for_printing() -> None:
    assert redacted_target("/a%20b?page=2&access_token=xyz&API_KEY=k&q=a=b&flag") == (
        f"/a%20b?page=2&access_token={REDACTED}&API_KEY={REDACTED}&q=a=b&flag"
    )
    assert redacted_target("/plain") == "/plain"


def test_har_entries_become_captured_requests(tmp_path: Path) -> None:
    """HAR 1.2 (W3C Web Performance WG draft, "HTTP Archive (HAR) format"): log.entries[] with
    request.method/url/headers/postData.text and response.status; HTTP/2 pseudo-headers dropped."""
    path = tmp_path / "session.har"
    path.write_text(json.dumps(HAR))
    [record] = load_har(path)
    assert (record.method, record.target, record.status) == (
        "PUT",
        "/api/books/3/?format=json",
        200,
    )
    assert record.headers == (("Content-Type", "application/json"),)
    assert record.body == b'{"title": "Dune"}'
    assert record.time == 1796032800.0


def test_a_file_that_is_not_har_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TrafficError, match="not a HAR file"):
        from_har({"entries": []}, "x.har")
    with pytest.raises(TrafficError, match=r"log.entries\[0\]"):
        from_har({"log": {"entries": [{"request": {"method": "GET"}}]}}, "x.har")
    path = tmp_path / "broken.har"
    path.write_text("{")
    with pytest.raises(TrafficError, match="not JSON"):
        load_har(path)
