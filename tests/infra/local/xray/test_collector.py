"""The collector: the daemon protocol, garbage counted not fatal, JSONL out, the process."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from infra.local.xray import (
    MalformedDatagram,
    TraceHeader,
    UdpSegmentEmitter,
    XRayCollector,
    encode_datagram,
    new_entity_id,
    new_trace_id,
    parse_daemon_address,
    parse_datagram,
)
from infra.local.xray.protocol import continue_trace

REPO_ROOT = Path(__file__).resolve().parents[4]


def segment(**extra: Any) -> dict[str, Any]:
    now = time.time()
    return {
        "trace_id": new_trace_id(now),
        "id": new_entity_id(),
        "name": "s",
        "start_time": now,
        "end_time": now + 0.01,
        **extra,
    }


def test_a_datagram_is_a_header_line_then_the_segment() -> None:
    doc = segment()
    data = encode_datagram(doc)
    assert data.startswith(b'{"format":"json","version":1}\n')
    assert parse_datagram(data) == doc
    # the SDK's own header spelling, with spaces, parses too
    assert parse_datagram(b'{"format": "json", "version": 1}\n' + json.dumps(doc).encode()) == doc


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        b"\xff\xfe\n\x00",
        b'{"format":"json","version":2}\n{}',
        b'{"format":"json","version":1}\nnot json',
        b'{"format":"json","version":1}\n[1, 2]',
        b'{"format":"json","version":1}\n{"trace_id": "x", "id": "0123456789abcdef"}',
        b'{"format":"json","version":1}\n{"trace_id": "1-5759e988-bd862e3fe1be46a994272793"}',
    ],
)
def test_malformed_datagrams_are_refused(data: bytes) -> None:
    with pytest.raises(MalformedDatagram):
        parse_datagram(data)


def test_ids_have_the_x_ray_shape() -> None:
    trace_id = new_trace_id(1_700_000_000.5)
    assert trace_id.startswith("1-6553f100-") and len(trace_id) == 35
    assert len(new_entity_id()) == 16


def test_trace_header_parses_leniently_and_formats_back() -> None:
    root = "1-5759e988-bd862e3fe1be46a994272793"
    header = TraceHeader.parse(f"Root={root}; Parent=53995c3f42cd8ad8; Sampled=1; Lineage=x")
    assert header == TraceHeader(root, "53995c3f42cd8ad8", True)
    assert header.format() == f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1"
    assert TraceHeader.parse("Root=bogus;Sampled=?") == TraceHeader()
    assert TraceHeader.parse(None) == TraceHeader()


def test_continue_trace_keeps_the_callers_decision_or_samples() -> None:
    root = "1-5759e988-bd862e3fe1be46a994272793"
    kept = continue_trace(TraceHeader(root, "53995c3f42cd8ad8", False), now=0, sample_rate=1.0)
    assert kept == TraceHeader(root, "53995c3f42cd8ad8", False)
    new = continue_trace(TraceHeader(), now=1_700_000_000, sample_rate=0.0)
    assert new.root is not None and new.root.startswith("1-6553f100-")
    assert (new.parent, new.sampled) == (None, False)
    assert continue_trace(TraceHeader(root), now=0, sample_rate=1.0).sampled is True


def test_daemon_address_parsing() -> None:
    assert parse_daemon_address("127.0.0.1:2000") == ("127.0.0.1", 2000)
    assert parse_daemon_address("tcp:127.0.0.1:2000 udp:127.0.0.2:2001") == ("127.0.0.2", 2001)
    for bad in ("nohost", "h:", ":1", "h:99999"):
        with pytest.raises(ValueError):
            parse_daemon_address(bad)


def test_collector_counts_garbage_and_writes_segments_as_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "raw" / "segments.jsonl"
    sent = [segment(), segment(type="subsegment", parent_id=new_entity_id())]
    with XRayCollector(port=0, out=out, keep=True) as collector:
        raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        raw.sendto(b"garbage", (collector.host, collector.port))
        raw.sendto(b"\x00" * 2000, (collector.host, collector.port))
        emitter = UdpSegmentEmitter(collector.address)
        for doc in sent:
            emitter.send(doc)
        collector.wait_for(lambda segs: len(segs) == 2)
        emitter.close()
        raw.close()
        deadline = time.monotonic() + 5
        while collector.stats().received < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = collector.stats()
    assert (stats.received, stats.segments, stats.malformed) == (4, 2, 2)
    assert stats.last_error
    lines = out.read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(d["id"] for d in sent)


def test_handle_survives_anything() -> None:
    collector = XRayCollector(port=0, keep=True)
    try:
        for data in (b"", b"\n", b"{}\n{}", bytes(range(256))):
            collector.handle(data)
        collector.handle(encode_datagram(segment()))
        assert collector.stats().malformed == 4 and len(collector.segments()) == 1
    finally:
        collector.stop()


def test_module_prints_ready_and_stops_on_sigterm(tmp_path: Path) -> None:
    out = tmp_path / "segments.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.xray", "--port", "0", "--out", str(out)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith("xray collector ready on udp 127.0.0.1:")
        port = int(ready.split()[5].rsplit(":", 1)[1])
        emitter = UdpSegmentEmitter(f"127.0.0.1:{port}")
        emitter.send(segment())
        emitter.close()
        deadline = time.monotonic() + 5
        while (not out.exists() or not out.read_text()) and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        rest = process.communicate(timeout=10)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "1 segments, 0 malformed" in rest
    assert len(out.read_text().splitlines()) == 1
