"""Bearer-token authentication of riders."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.http import HttpRequest, HttpResponse

from monolith.wildrydes.errors import Unauthorized
from monolith.wildrydes.models import Rider
from monolith.wildrydes.tokens import hash_token

P = ParamSpec("P")


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header value."""
    if not header:
        raise Unauthorized("missing Authorization header; send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    # RFC 7235: the scheme name is case-insensitive.
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        raise Unauthorized("malformed Authorization header; expected 'Bearer <token>'")
    return token


def authenticate(request: HttpRequest) -> Rider:
    token = bearer_token(request.headers.get("Authorization"))
    # Looked up by hash, so the database never compares or stores the token itself.
    rider = Rider.objects.filter(token_hash=hash_token(token)).first()
    if rider is None:
        raise Unauthorized("invalid token")
    return rider


def rider_required(
    view: Callable[Concatenate[HttpRequest, Rider, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Authenticate the caller and pass the ``Rider`` to ``view`` after the request."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        return view(request, authenticate(request), *args, **kwargs)

    return wrapper
