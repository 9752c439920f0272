"""Bodies of the function errors the platform itself raises (timeouts, crashes, init failures).

Errors raised by the handler come from the runtime as-is; these are the ones Lambda writes
when the runtime cannot answer.
"""

from __future__ import annotations

import json
from datetime import datetime

from .logformat import exit_error_message, timeout_message

EXIT_ERROR = "Runtime.ExitError"
OUT_OF_MEMORY = "Runtime.OutOfMemory"
SANDBOX_TIMEOUT = "Sandbox.Timedout"
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"
# 6 MB synchronous response quota, as the figure AWS's own error message gives it.
MAX_RESPONSE_BYTES = 6291556


def _body(payload: dict[str, object]) -> bytes:
    return json.dumps(payload).encode()


def timeout_body(when: datetime, request_id: str, timeout_s: float) -> bytes:
    return _body({"errorMessage": timeout_message(when, request_id, timeout_s)})


def exit_body(request_id: str, returncode: int) -> bytes:
    return _body(
        {"errorType": EXIT_ERROR, "errorMessage": exit_error_message(request_id, returncode)}
    )


def init_timeout_body(request_id: str, init_timeout_s: float) -> bytes:
    return _body(
        {
            "errorType": SANDBOX_TIMEOUT,
            "errorMessage": (
                f"RequestId: {request_id} Error: Init phase timed out after "
                f"{init_timeout_s:.2f} seconds"
            ),
        }
    )


def response_too_large_body() -> bytes:
    return _body(
        {
            "errorType": RESPONSE_TOO_LARGE,
            "errorMessage": (
                "Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE_BYTES} bytes)."
            ),
        }
    )


def error_type_of(body: bytes, header: str | None) -> str:
    """The runtime's error type: its header when sent, else the body's errorType."""
    if header:
        return header
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "Unhandled"
    error_type = parsed.get("errorType") if isinstance(parsed, dict) else None
    return error_type if isinstance(error_type, str) and error_type else "Unhandled"
