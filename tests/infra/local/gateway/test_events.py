from __future__ import annotations

import base64
import json

import pytest

from infra.local.gateway.errors import MalformedLambdaResponse
from infra.local.gateway.events import (
    ApiContext,
    GatewayRequest,
    HttpResponse,
    build_event,
    is_text_content_type,
    map_lambda_result,
)

# 2026-11-23T14:00:00Z
EPOCH_MS = 1795442400000


def _request(**changes: object) -> GatewayRequest:
    fields: dict[str, object] = {
        "method": "POST",
        "raw_path": "/rides/42",
        "raw_query": "parameter1=value1&parameter1=value2&parameter2=value",
        "headers": [
            ("Host", "api.example.com"),
            ("User-Agent", "curl/8.5.0"),
            ("Content-Type", "application/json"),
            ("Content-Length", "17"),
            ("Cookie", "cookie1=a; cookie2=b"),
            ("X-Multi", "one"),
            ("X-Multi", "two"),
        ],
        "body": b'{"unicorn":"x"}\n\n',
        "source_ip": "192.0.2.1",
        "request_id": "JKJaXmPLvHcESHA=",
        "time_epoch_ms": EPOCH_MS,
        "route_key": "ANY /rides/{proxy+}",
        "path_parameters": {"proxy": "42"},
        "server_port": 8080,
    }
    fields.update(changes)
    return GatewayRequest(**fields)  # type: ignore[arg-type]


def test_event_matches_api_gateway_payload_2_0() -> None:
    event = build_event(_request(), ApiContext(api_id="abc123", account_id="123456789012"))
    assert event == {
        "version": "2.0",
        "routeKey": "ANY /rides/{proxy+}",
        "rawPath": "/rides/42",
        "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
        "cookies": ["cookie1=a", "cookie2=b"],
        "headers": {
            "host": "api.example.com",
            "user-agent": "curl/8.5.0",
            "content-type": "application/json",
            "content-length": "17",
            "x-multi": "one,two",
            "x-forwarded-for": "192.0.2.1",
            "x-forwarded-port": "8080",
            "x-forwarded-proto": "http",
        },
        "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": "POST",
                "path": "/rides/42",
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "ANY /rides/{proxy+}",
            "stage": "$default",
            "time": "23/Nov/2026:14:00:00 +0000",
            "timeEpoch": EPOCH_MS,
        },
        "pathParameters": {"proxy": "42"},
        "body": '{"unicorn":"x"}\n\n',
        "isBase64Encoded": False,
    }


def test_optional_fields_are_omitted_when_empty() -> None:
    event = build_event(
        _request(
            method="GET", raw_query="", headers=[("Host", "localhost:8080")], body=b"",
            path_parameters={},
        ),
        ApiContext(),
    )  # fmt: skip
    for key in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert key not in event
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["domainName"] == "localhost"


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("application/json", b"{}", True),
        ("text/plain; charset=utf-8", b"hi", True),
        ("application/vnd.api+json", b"{}", True),
        ("application/octet-stream", b"\x00\x01", False),
        ("image/png", b"\x89PNG", False),
        (None, b"abc", False),
        ("text/plain", b"\xff\xfe", False),  # declared text, not UTF-8
    ],
)
def test_body_is_base64_unless_text(content_type: str | None, body: bytes, text: bool) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    event = build_event(_request(headers=headers, body=body), ApiContext())
    assert event["isBase64Encoded"] is not text
    decoded = event["body"].encode() if text else base64.b64decode(event["body"])
    assert decoded == body


def test_existing_x_forwarded_for_is_appended_to() -> None:
    event = build_event(_request(headers=[("X-Forwarded-For", "10.0.0.1")]), ApiContext())
    assert event["headers"]["x-forwarded-for"] == "10.0.0.1, 192.0.2.1"


def test_header_bytes_reach_the_function_as_utf8_and_invalid_ones_as_u_fffd() -> None:
    """The event is JSON, and the Invoke API refuses a payload that is not valid UTF-8 (AWS
    Lambda API Reference, "Invoke": InvalidRequestContentException, "Could not parse payload into
    json: Invalid UTF-8 middle byte", as reported in
    github.com/aws-samples/aws-waf-ipset-auto-update-aws-ip-ranges/issues/1). So a header byte
    that is not UTF-8 cannot reach the function as sent: events from AWS carry U+FFFD in its
    place (code point 65533 in a header value, github.com/lukeshay/astro-aws/issues/155), and
    valid UTF-8 decoded (github.com/honojs/hono/issues/4432). Headers arrive one character
    per byte, as the strict HTTP/1.1 layer and the capture hold them."""
    headers = [
        ("X-Note", "caf\xe9"),  # latin-1 é: not UTF-8
        ("X-City", "Torrej\xc3\xb3n"),  # UTF-8 ó
        ("Cookie", "who=\xff"),
        ("User-Agent", "Beno\xeet"),
    ]
    event = build_event(_request(headers=headers), ApiContext())
    assert event["headers"]["x-note"] == "caf\ufffd"
    assert event["headers"]["x-city"] == "Torrejón"
    assert event["cookies"] == ["who=\ufffd"]
    assert event["requestContext"]["http"]["userAgent"] == "Beno\ufffdt"
    # every string of the event encodes as UTF-8, as a function's runtime will need it to
    json.dumps(event, ensure_ascii=False).encode("utf-8")


def test_text_content_types() -> None:
    assert is_text_content_type("application/xml")
    assert not is_text_content_type("multipart/form-data; boundary=x")


def _result(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            _result({"statusCode": 201, "headers": {"x-a": "1", "x-n": 2}, "body": "made"}),
            HttpResponse(201, [("x-a", "1"), ("x-n", "2")], b"made"),
        ),
        (
            _result({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"], "body": ""}),
            HttpResponse(200, [("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2")], b""),
        ),
        (
            _result(
                {"statusCode": 200, "isBase64Encoded": True,
                 "body": base64.b64encode(b"\x00\xffbin").decode()}
            ),
            HttpResponse(200, [], b"\x00\xffbin"),
        ),
        (_result({"statusCode": 204}), HttpResponse(204, [], b"")),
        # the 2.0 inference rule: valid JSON without statusCode is a 200 JSON body
        (b'{"hello": "world"}', HttpResponse(200, [("content-type", "application/json")],
                                           b'{"hello": "world"}')),
        (b"[1, 2]", HttpResponse(200, [("content-type", "application/json")], b"[1, 2]")),
        # AWS's own example: the string itself is the body, not its JSON form
        (b'"Hello from Lambda!"', HttpResponse(200, [("content-type", "application/json")],
                                              b"Hello from Lambda!")),
    ],
)  # fmt: skip
def test_lambda_result_mapping(payload: bytes, expected: HttpResponse) -> None:
    assert map_lambda_result(payload) == expected


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        _result({"statusCode": "200"}),
        _result({"statusCode": True}),
        _result({"statusCode": 99}),
        _result({"statusCode": 200, "headers": ["x"]}),
        _result({"statusCode": 200, "headers": {"x": {"nested": 1}}}),
        _result({"statusCode": 200, "cookies": "a=1"}),
        _result({"statusCode": 200, "body": {"not": "a string"}}),
        _result({"statusCode": 200, "isBase64Encoded": True, "body": "!!!"}),
    ],
)
def test_malformed_results_raise(payload: bytes) -> None:
    with pytest.raises(MalformedLambdaResponse):
        map_lambda_result(payload)
    assert MalformedLambdaResponse.status == 502
