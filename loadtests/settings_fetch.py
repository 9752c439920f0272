"""``python -m loadtests.settings_fetch HOST PORT WAIT_S``: the run's settings from a Locust
master, as JSON on stdout; exit 3 when no master answers within ``WAIT_S``.

A process of its own: importing Locust monkey-patches the standard library (gevent), which
the CLI's process, having imported ssl and aiohttp long before, does not survive.
"""

from __future__ import annotations

import json
import socket
import sys
import uuid
from typing import Any

import gevent
from locust import __version__
from locust.rpc import Message, zmqrpc

from loadtests.distributed import SETTINGS_MESSAGE

NO_MASTER = 3


def fetch_settings(master_host: str, master_port: int, wait_s: float) -> dict[str, Any] | None:
    """Ask the master as Locust's workers ask for a locustfile (``locust -f -``): a short-lived
    client of its socket, asking every second until it answers; None after ``wait_s``."""
    identity = f"{socket.gethostname()}_strangler_settings_{uuid.uuid4().hex}"
    client = zmqrpc.Client(master_host, master_port, identity)
    asking = gevent.spawn(
        _ask, client, Message(SETTINGS_MESSAGE, {"version": __version__}, identity)
    )
    try:
        reply = gevent.spawn(client.recv).get(timeout=wait_s)
    except gevent.Timeout:
        return None
    finally:
        asking.kill()
        client.close()
    return dict(reply.data)


def _ask(client: Any, message: Message) -> None:
    while True:  # the master may not be listening yet
        client.send(message)
        gevent.sleep(1)


def main() -> int:
    host, port, wait_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    settings = fetch_settings(host, port, wait_s)
    if settings is None:
        print(f"no Locust master answered at {host}:{port} within {wait_s:.0f} s", file=sys.stderr)
        return NO_MASTER
    json.dump(settings, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
