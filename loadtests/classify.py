"""Which error class a response belongs to, as API Gateway and Lambda report them (pure)."""

from __future__ import annotations

from collections.abc import Sequence

ERROR_CLASSES = ("gateway_throttle", "lambda_throttle", "function_error", "timeout", "other")


def error_class(
    status: int,
    body: bytes,
    target: str | None,
    expected: Sequence[tuple[int, bytes]] = (),
) -> str | None:
    """None for a success or an ``expected`` answer; else one of ERROR_CLASSES.

    ``expected`` holds the application's own error answers (status, a marker its body's first
    200 bytes contain), from the project profile: e.g. 503 when nothing is available to book.

    The gateway answers in API Gateway's words: 429 "Too Many Requests" is its own throttle;
    500 "Internal Server Error" on the Lambda path is Lambda refusing the invocation (throttled);
    502 is a function error or malformed response; 503 "Service Unavailable" is an
    integration timeout. Any other error is "other".
    """
    if status < 400:
        return None
    text = body[:200]
    if any(status == code and marker in text for code, marker in expected):
        return None  # the application's normal answer, not a failure of either path
    if status == 429 and b"Too Many Requests" in text:
        return "gateway_throttle"
    if status == 500 and target == "lambda" and b"Internal Server Error" in text:
        return "lambda_throttle"
    if status == 502 and b"Internal Server Error" in text:
        return "function_error"
    if status in (503, 504) and b"Service Unavailable" in text:
        return "timeout"
    return "other"
