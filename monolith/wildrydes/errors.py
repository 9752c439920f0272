"""The API's errors: each knows its HTTP status and machine-readable code.

Views and the modules they call raise these; ``monolith.wildrydes.http`` turns them into JSON
responses in one place.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}

    def headers(self) -> dict[str, str]:
        return {}


class InvalidJson(ApiError):
    code = "invalid_json"


class InvalidField(ApiError):
    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "field": self.field, "message": self.message}


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class NotFound(ApiError):
    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"

    def __init__(self, method: str, allowed: list[str]) -> None:
        super().__init__(f"{method} is not allowed here; use {', '.join(allowed)}")
        self.allowed = allowed

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class RideAlreadyCompleted(ApiError):
    status = 409
    code = "ride_already_completed"


class NoUnicornAvailable(ApiError):
    status = 503
    code = "no_unicorn_available"
