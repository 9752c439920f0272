"""JSON responses, method dispatch, and the JSON error views Django falls back on.

Every response of the API is JSON, errors included: a gateway, a Lambda function and a load
test all parse it, and none of them wants Django's HTML error pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from monolith.wildrydes.errors import ApiError, MethodNotAllowed

View = Callable[..., HttpResponse]


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> JsonResponse:
    return JsonResponse(payload, status=status, headers=headers, safe=False)


def error_response(error: ApiError) -> JsonResponse:
    return json_response(error.body(), status=error.status, headers=error.headers())


def methods(**handlers: View) -> View:
    """A view that dispatches on the HTTP method, e.g. ``methods(GET=list_rides, POST=book)``.

    An unsupported method gets a JSON 405 with an ``Allow`` header (Django's
    ``require_http_methods`` answers with an empty text/html body), and any ``ApiError`` a
    handler raises becomes its JSON error response.
    """
    allowed = sorted(handlers)

    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        method = request.method or ""
        try:
            handler = handlers.get(method)
            if handler is None:
                raise MethodNotAllowed(method, allowed)
            return handler(request, *args, **kwargs)
        except ApiError as error:
            return error_response(error)

    return dispatch


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_response({"error": "bad_request", "message": "bad request"}, status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_response({"error": "forbidden", "message": "forbidden"}, status=403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_response(
        {"error": "not_found", "message": f"no route for {request.path}"}, status=404
    )


def server_error(request: HttpRequest) -> HttpResponse:
    body = {"error": "internal_error", "message": "internal server error"}
    return json_response(body, status=500)
