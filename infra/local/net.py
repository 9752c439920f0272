"""Loopback port helpers shared by the local stand-ins."""

from __future__ import annotations

import socket


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (TIME_WAIT sockets do not count, as for servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
