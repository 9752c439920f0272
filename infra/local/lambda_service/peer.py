"""Which process holds the other end of a loopback TCP connection (Linux).

awslambdaric reaches the Runtime API only through ``AWS_LAMBDA_RUNTIME_API=host:port``: its
native client (libcurl) prefixes ``http://`` and appends the paths, and its Python side opens
``http.client.HTTPConnection(host:port)`` for ``/init/error``. No header, path prefix, user
info or Unix socket gets through both, and a port is no secret (``/proc/net/tcp`` lists every
listener). So the Runtime API asks the kernel instead: ``sock_diag`` (NETLINK_SOCK_DIAG) looks
up the peer's socket by its four-tuple and returns its inode, and the connection is the
sandbox's own when that inode is one of the sandbox process's open descriptors. One lookup per
connection; the runtime keeps its connection alive for every invocation.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct

_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 1
_NLMSG_ERROR = 2
_NLMSG_HEADER = struct.Struct("=IHHII")
_INET_DIAG_NOCOOKIE = 0xFFFFFFFF
_ALL_STATES = 0xFFFFFFFF
# struct inet_diag_msg: family, state, timer, retrans, the 48-byte sockid, expires, rqueue,
# wqueue, then uid and inode.
_INODE_OFFSET = 4 + 48 + 12 + 4


def guard_available() -> bool:
    """Whether this kernel answers sock_diag queries (Linux); elsewhere nothing is checked."""
    if not hasattr(socket, "AF_NETLINK"):
        return False
    try:
        socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG).close()
    except OSError:
        return False
    return True


def _address(family: int, host: str) -> bytes:
    return socket.inet_pton(family, host).ljust(16, b"\0")


def diag_request(family: int, source: tuple[str, int], destination: tuple[str, int]) -> bytes:
    """A SOCK_DIAG_BY_FAMILY request for the one TCP socket bound to ``source`` and connected
    to ``destination`` (network byte order for ports and addresses, as the kernel wants)."""
    sockid = (
        struct.pack(">HH", source[1], destination[1])
        + _address(family, source[0])
        + _address(family, destination[0])
        + struct.pack("=III", 0, _INET_DIAG_NOCOOKIE, _INET_DIAG_NOCOOKIE)
    )
    body = struct.pack("=BBBxI", family, socket.IPPROTO_TCP, 0, _ALL_STATES) + sockid
    header = _NLMSG_HEADER.pack(
        _NLMSG_HEADER.size + len(body), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, 1, 0
    )
    return header + body


def parse_inode(answer: bytes) -> int | None:
    """The socket inode of a sock_diag answer; None for an error (no such socket)."""
    if len(answer) < _NLMSG_HEADER.size:
        return None
    _, kind, _, _, _ = _NLMSG_HEADER.unpack_from(answer)
    if kind != _SOCK_DIAG_BY_FAMILY or len(answer) < _NLMSG_HEADER.size + _INODE_OFFSET + 4:
        return None
    (inode,) = struct.unpack_from("=I", answer, _NLMSG_HEADER.size + _INODE_OFFSET)
    return int(inode) or None


def peer_inode(conn: socket.socket) -> int | None:
    """The inode of the socket at the other end of the accepted connection ``conn``."""
    peer = conn.getpeername()[:2]
    local = conn.getsockname()[:2]
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG) as netlink:
        netlink.settimeout(2)
        netlink.sendto(diag_request(conn.family, peer, local), (0, 0))
        return parse_inode(netlink.recv(8192))


def holds_socket(pid: int, inode: int) -> bool:
    """Whether process ``pid`` has socket ``inode`` among its open file descriptors."""
    wanted = f"socket:[{inode}]"
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return False
    for fd in fds:
        with contextlib.suppress(OSError):  # closed since the listing
            if os.readlink(f"{fd_dir}/{fd}") == wanted:
                return True
    return False


def connected_by(conn: socket.socket, pid: int) -> bool:
    """Whether the other end of ``conn`` is a socket process ``pid`` holds."""
    try:
        inode = peer_inode(conn)
    except OSError:
        return False
    return inode is not None and holds_socket(pid, inode)
