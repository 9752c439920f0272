"""Which error class a response belongs to, as API Gateway and Lambda report them (pure)."""

from __future__ import annotations

ERROR_CLASSES = ("gateway_throttle", "lambda_throttle", "function_error", "timeout", "other")


def error_class(status: int, body: bytes, target: str | None) -> str | None:
    """None for a success; else one of ERROR_CLASSES.

    The gateway answers in API Gateway's words: 429 "Too Many Requests" is its own throttle;
    500 "Internal Server Error" on the Lambda path is Lambda refusing the invocation (throttled);
    502 is a function error or malformed response; 503 "Service Unavailable" is an
    integration timeout. A monolith 503 with its own JSON (no unicorn free) is "other".
    """
    if status < 400:
        return None
    text = body[:200]
    if status == 503 and b"no_unicorn_available" in text:
        return None  # the business answer "no unicorn free", not a failure of either path
    if status == 429 and b"Too Many Requests" in text:
        return "gateway_throttle"
    if status == 500 and target == "lambda" and b"Internal Server Error" in text:
        return "lambda_throttle"
    if status == 502 and b"Internal Server Error" in text:
        return "function_error"
    if status in (503, 504) and b"Service Unavailable" in text:
        return "timeout"
    return "other"
