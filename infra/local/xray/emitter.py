"""Send the harness's own segments to the daemon address, like the SDK's UDPEmitter.

Fire and forget on a non-blocking socket: a full buffer or an absent collector loses the
segment, never delays a request.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from infra.local.xray.protocol import DEFAULT_DAEMON_ADDRESS, encode_datagram


def parse_daemon_address(address: str) -> tuple[str, int]:
    """``host:port`` (the SDK also accepts ``tcp:h:p udp:h:p``; the UDP part is what counts)."""
    for part in address.split():
        if part.startswith("udp:"):
            address = part[4:]
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"X-Ray daemon address must be host:port, got {address!r}")
    return host, int(port)


class UdpSegmentEmitter:
    def __init__(self, address: str = DEFAULT_DAEMON_ADDRESS) -> None:
        self.address = parse_daemon_address(address)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self.sent = 0

    def send(self, document: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):
            self._socket.sendto(encode_datagram(document), self.address)
            self.sent += 1

    def close(self) -> None:
        self._socket.close()
