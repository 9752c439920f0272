"""HTTP request -> payload format 2.0 event, and Lambda result -> HTTP response (pure).

Like Mangum's per-event-source modules: no sockets here, only data in and data out, so every
rule of API Gateway's Lambda proxy integration (payload format version 2.0) is unit-testable.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from infra.local.gateway.errors import MalformedLambdaResponse
from strangler_core.model import StrictModel

Headers = Sequence[tuple[str, str]]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = frozenset(
    {"application/json", "application/javascript", "application/xml", "application/graphql"}
)


class ApiContext(StrictModel):
    """Identity of the emulated API, as it appears in ``requestContext``."""

    api_id: str = "local"
    account_id: str = "123456789012"
    stage: str = "$default"


@dataclass(frozen=True)
class GatewayRequest:
    """One client request as the gateway received it, plus what routing decided."""

    method: str
    raw_path: str
    raw_query: str
    headers: Headers
    """As on the wire, one character per byte (latin-1), the way the strict HTTP/1.1 layer and
    the traffic capture hold them; ``build_event`` decodes them (``header_text``)."""
    body: bytes
    source_ip: str
    request_id: str
    time_epoch_ms: int
    route_key: str
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    server_port: int = 80


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def is_text_content_type(content_type: str | None) -> bool:
    """API Gateway passes these bodies as text; anything else (or no type) is base64-encoded."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith(("+json", "+xml"))


def header_text(field: str) -> str:
    """A header field (one character per byte) as the event carries it: its bytes read as UTF-8.

    The event is JSON, which is Unicode text, and the Invoke API refuses a payload that is not
    valid UTF-8: a byte that is not part of a UTF-8 sequence cannot reach the function as it
    came. It arrives as U+FFFD, the replacement character, as in events API Gateway delivers.
    """
    return field.encode("latin-1").decode("utf-8", "replace")


def format_request_time(epoch_ms: int) -> str:
    """``23/Nov/2026:14:00:00 +0000``, the format of ``requestContext.time``."""
    t = time.gmtime(epoch_ms // 1000)
    # month names spelled out here: strftime's %b follows the process locale
    month = _MONTHS[t.tm_mon - 1]
    return (
        f"{t.tm_mday:02d}/{month}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def build_event(request: GatewayRequest, api: ApiContext) -> dict[str, Any]:
    """The event API Gateway sends to a function with payload format version 2.0."""
    event = event_fields(request, api)
    if not request.body:
        event["isBase64Encoded"] = False
    elif body_is_text(request.body, event["headers"].get("content-type")):
        event["body"] = request.body.decode("utf-8")
        event["isBase64Encoded"] = False
    else:
        event["body"] = base64.b64encode(request.body).decode("ascii")
        event["isBase64Encoded"] = True
    return event


def body_is_text(body: bytes, content_type: str | None) -> bool:
    """The body goes as text: a text type, and UTF-8 (declared text but not UTF-8 goes as
    binary, as API Gateway does)."""
    if not is_text_content_type(content_type):
        return False
    if body.isascii():  # the usual JSON body: no decoded copy needed to know
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def event_fields(request: GatewayRequest, api: ApiContext) -> dict[str, Any]:
    """Every field of the event but ``body`` and ``isBase64Encoded``."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for raw_name, raw_value in request.headers:
        key, value = header_text(raw_name).lower(), header_text(raw_value)
        if key == "cookie":
            cookies.extend(c for c in value.split("; ") if c)
        elif key in headers:
            headers[key] = f"{headers[key]},{value}"
        else:
            headers[key] = value
    # the client connects to API Gateway itself, which adds these for the function
    forwarded_for = headers.get("x-forwarded-for")
    ip = request.source_ip
    headers["x-forwarded-for"] = f"{forwarded_for}, {ip}" if forwarded_for else ip
    headers["x-forwarded-port"] = str(request.server_port)
    headers["x-forwarded-proto"] = "http"

    domain = headers.get("host", "localhost").split(":", 1)[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": request.route_key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = query_string_parameters(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": api.account_id,
        "apiId": api.api_id,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request.request_id,
        "routeKey": request.route_key,
        "stage": api.stage,
        "time": format_request_time(request.time_epoch_ms),
        "timeEpoch": request.time_epoch_ms,
    }
    if request.path_parameters:
        event["pathParameters"] = dict(request.path_parameters)
    return event


def query_string_parameters(raw_query: str) -> dict[str, str]:
    """Decoded parameters; a repeated key's values are joined with commas."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def map_lambda_result(payload: bytes) -> HttpResponse:
    """The HTTP response for a function's result under payload format version 2.0.

    A JSON object with ``statusCode`` is a full response. Any other valid JSON is the
    inference rule: status 200, ``content-type: application/json``, the result as the body
    (a JSON string is the body itself, unquoted).
    Anything else raises MalformedLambdaResponse (the gateway answers 502).
    """
    try:
        result = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedLambdaResponse(f"function result is not JSON: {exc}") from exc
    if isinstance(result, str):
        return HttpResponse(200, [("content-type", "application/json")], result.encode("utf-8"))
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpResponse(200, [("content-type", "application/json")], bytes(payload))
    return _full_response(result)


def _full_response(result: dict[str, Any]) -> HttpResponse:
    status = result["statusCode"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedLambdaResponse(f"statusCode must be an integer HTTP status: {status!r}")
    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise MalformedLambdaResponse("headers must be an object")
    for name, value in raw_headers.items():
        if isinstance(value, dict | list) or value is None:
            raise MalformedLambdaResponse(f"header {name!r} must be a scalar")
        headers.append((str(name), _scalar(value)))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise MalformedLambdaResponse("cookies must be a list of strings")
    headers.extend(("set-cookie", cookie) for cookie in cookies)
    body = result.get("body")
    if body is None:
        return HttpResponse(status, headers, b"")
    if not isinstance(body, str):
        raise MalformedLambdaResponse("body must be a string")
    if result.get("isBase64Encoded") is True:
        try:
            return HttpResponse(status, headers, base64.b64decode(body, validate=True))
        except binascii.Error as exc:
            raise MalformedLambdaResponse(f"body is not valid base64: {exc}") from exc
    return HttpResponse(status, headers, body.encode("utf-8"))


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
