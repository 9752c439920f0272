"""Integrations: what a route sends its requests to, one module per integration type.

Like Mangum's event-source handlers, each integration is a small class behind one Protocol;
the gateway looks the route's ``integration.type`` up in a table of them and never branches on
it. ``http_proxy`` passes requests through to an HTTP backend (the monolith), ``aws_proxy``
invokes a Lambda function with a payload format 2.0 event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from infra.local.gateway.exchange import Exchange
from infra.local.gateway.fastpath import RawRequest
from strangler_core.matching import Match


@dataclass(frozen=True)
class Call:
    """One request for an integration, as aiohttp received it."""

    request: web.BaseRequest
    match: Match
    body: bytes | None
    """The body read whole, or None: stream it from the client (see ``streams_request``)."""
    exchange: Exchange
    gateway_headers: dict[str, str]
    """Headers the gateway adds to the answer."""
    server_port: int


# not frozen, like RawRequest: built once per fast-path request (docs/benchmarks.md)
@dataclass(slots=True)
class RawCall:
    """One request for an integration, as the fast path received it (``Call``'s twin)."""

    request: RawRequest
    match: Match
    body: bytes
    exchange: Exchange
    gateway_headers: dict[str, str]
    """Headers the gateway adds to the answer."""
    server_port: int


class Integration(Protocol):
    type: str
    """The route table's ``integration.type`` this class serves."""
    target: str
    """How the target header and the access log name this path (``monolith``, ``lambda``)."""

    def streams_request(self, content_length: int | None) -> bool:
        """True: the request body goes on as it arrives instead of being read whole first."""
        ...

    async def respond(self, call: Call) -> web.StreamResponse:
        """The client's answer; raises IntegrationError before anything is sent to the client.

        Records what it learns (status, latency, function, ...) in ``call.exchange``.
        """
        ...
