"""The gateway's errors and the responses API Gateway HTTP APIs give for them.

Integration failures map to what a client of a real HTTP API sees (AWS Lambda guide, "Handling
Lambda errors with an API Gateway API"; API Gateway HTTP API quotas and troubleshooting):

=====================================================  ======  ===========================
failure                                                status  body ``message``
=====================================================  ======  ===========================
stage or route token bucket empty                      429     Too Many Requests
request body over 10 MB                                413     Request Entity Too Large
no route matches (and no ``$default``)                 404     Not Found
Lambda Invoke API rejects the call (429 throttle, ..)  500     Internal Server Error
function error (``X-Amz-Function-Error``)              502     Internal Server Error
malformed function response                            502     Internal Server Error
HTTP backend answer that breaks RFC 9112 (framing)     502     Internal Server Error
malformed request head (RFC 9112), then close          400     Bad Request
request line and headers over 10,240 bytes, then close 431     Request Header Fields Too Large
head or body not read in time (settings), then close   408     Request Timeout
integration timeout (route ``timeout_ms``, max 30 s)   503     Service Unavailable
monolith unreachable (connection refused/reset)        503     Service Unavailable
=====================================================  ======  ===========================

An unreachable HTTP backend is reported as 503 like a timeout: both mean "the integration could
not answer", and 503 keeps it distinguishable from a 502 the monolith itself returns.
"""

from __future__ import annotations

import json

from strangler_core.errors import StranglerError

MESSAGES = {
    400: "Bad Request",
    404: "Not Found",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Internal Server Error",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}


def error_body(status: int) -> bytes:
    return json.dumps({"message": MESSAGES[status]}, separators=(",", ":")).encode()


class GatewayError(StranglerError):
    """Base of the gateway's errors."""


class IntegrationError(GatewayError):
    """An integration could not produce a response; ``status`` is what the client gets."""

    status = 500

    def __init__(self, message: str, *, integration_status: int | None = None) -> None:
        super().__init__(message)
        self.integration_status = integration_status


class InvocationRejected(IntegrationError):
    """The Lambda Invoke API refused the call (throttled, unknown function, ...)."""

    status = 500


class FunctionError(IntegrationError):
    """The function ran and failed (unhandled exception, timeout inside the sandbox)."""

    status = 502


class MalformedLambdaResponse(IntegrationError):
    """The function's result is not a valid payload format 2.0 response."""

    status = 502


class MalformedUpstreamResponse(IntegrationError):
    """The HTTP backend's answer breaks RFC 9112 (its framing cannot be trusted)."""

    status = 502


class IntegrationTimeout(IntegrationError):
    """No answer within the route's ``timeout_ms``."""

    status = 503


class UpstreamUnavailable(IntegrationError):
    """The HTTP backend or the Invoke API could not be reached."""

    status = 503
