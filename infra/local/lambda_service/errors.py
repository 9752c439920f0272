"""Errors of the local Lambda service, each mapped by the Invoke API to an AWS error response."""

from __future__ import annotations

from strangler_core.errors import StranglerError


class LambdaServiceError(StranglerError):
    """Base of errors the Invoke API turns into an AWS JSON error body."""

    status = 500
    error_type = "ServiceException"


class FunctionNotFoundError(LambdaServiceError):
    status = 404
    error_type = "ResourceNotFoundException"


class RequestTooLargeError(LambdaServiceError):
    status = 413
    error_type = "RequestTooLargeException"


class ThrottledError(LambdaServiceError):
    """The invocation was rejected for concurrency or scaling rate; ``reason`` is AWS's Reason."""

    status = 429
    error_type = "TooManyRequestsException"

    def __init__(self, reason: str) -> None:
        super().__init__("Rate Exceeded.")
        self.reason = reason


class InvalidRequestError(LambdaServiceError):
    status = 400
    error_type = "InvalidRequestContentException"


class ServiceStoppedError(LambdaServiceError):
    status = 503
    error_type = "ServiceException"


class AccessDeniedError(LambdaServiceError):
    status = 403
    error_type = "AccessDeniedException"


class EventTooLargeError(LambdaServiceError):
    """An ``Event`` payload over the asynchronous quota (AWS's own name differs from the
    synchronous ``RequestTooLargeException``)."""

    status = 413
    error_type = "RequestEntityTooLargeException"


class AuthenticationError(LambdaServiceError):
    """A request the Invoke API refuses before reading it: unsigned, signed with a key it does
    not know, or with a signature that does not match (AWS's front end answers all with 403)."""

    status = 403

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
