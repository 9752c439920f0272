"""A local stand-in for the AWS X-Ray daemon, and the trace header both paths share.

``XRayCollector`` (in-process, for tests and ``strangler up``) or
``python -m infra.local.xray --port 2000 --out segments.jsonl`` receives the UDP datagrams the
X-Ray SDKs send (``{"format": "json", "version": 1}\\n<segment JSON>``) and appends every
segment to a JSONL file. ``UdpSegmentEmitter`` is the sending side for the harness's own
segments (gateway, Lambda service).
"""

from __future__ import annotations

from infra.local.xray.collector import CollectorStats, XRayCollector
from infra.local.xray.emitter import UdpSegmentEmitter, parse_daemon_address
from infra.local.xray.protocol import (
    DEFAULT_DAEMON_ADDRESS,
    MalformedDatagram,
    TraceHeader,
    encode_datagram,
    new_entity_id,
    new_trace_id,
    parse_datagram,
)

__all__ = [
    "DEFAULT_DAEMON_ADDRESS",
    "CollectorStats",
    "MalformedDatagram",
    "TraceHeader",
    "UdpSegmentEmitter",
    "XRayCollector",
    "encode_datagram",
    "new_entity_id",
    "new_trace_id",
    "parse_daemon_address",
    "parse_datagram",
]
