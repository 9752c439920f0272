"""AWS_PROXY against a fake Invoke API (the AWS side): events, results and error mapping."""

from __future__ import annotations

import base64
import json

import pytest

from infra.local.gateway.errors import error_body
from tests.http1_cases import exchange
from tests.infra.local.gateway.conftest import FakeLambda, RunningGateway


def test_event_reaches_function_and_response_maps_back(
    gateway: RunningGateway, fake_lambda: FakeLambda
) -> None:
    status, headers, body = gateway.request(
        "POST",
        "/fn/echo?x=1&x=2",
        body=b'{"a": 1}',
        headers={
            "Content-Type": "application/json",
            "Cookie": "c1=v1; c2=v2",
            "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793",
        },
    )
    assert status == 201
    assert headers.get_all("Set-Cookie") == ["s=1; Path=/", "t=2; Secure"]
    assert headers["x-strangler-target"] == "lambda"
    assert headers["x-strangler-lambda-request-id"].startswith("req-")
    assert headers["X-Strangler-Init-Duration-Ms"] == "41.5"
    assert headers["X-Strangler-Sandbox-Id"] == "sandbox-1"
    request_id = headers["apigw-requestid"]
    event = json.loads(body)
    assert event["routeKey"] == "ANY /fn/echo"
    assert event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["body"] == '{"a": 1}'
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["requestId"] == request_id
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    invocation = fake_lambda.invocations[-1]
    assert invocation.function == "echo"
    assert invocation.headers["X-Amz-Invocation-Type"] == "RequestResponse"
    assert invocation.headers["X-Amzn-Trace-Id"].startswith("Root=1-5759e988")


def test_path_parameters_and_binary_request_body(gateway: RunningGateway) -> None:
    status, _, body = gateway.request(
        "GET", "/items/7", body=b"\x00\x01", headers={"Content-Type": "application/octet-stream"}
    )
    assert status == 201
    event = json.loads(body)
    assert event["pathParameters"] == {"id": "7"}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\x01"


def test_base64_response_body_is_decoded(gateway: RunningGateway) -> None:
    status, headers, body = gateway.request("GET", "/fn/binary")
    assert (status, headers["content-type"], body) == (200, "image/png", b"\x89PNG\x00\xff")


def test_inference_rule(gateway: RunningGateway) -> None:
    status, headers, body = gateway.request("GET", "/fn/infer")
    assert (status, headers["content-type"]) == (200, "application/json")
    assert json.loads(body) == {"hello": "world"}


def test_a_plain_string_result_is_the_body_itself(gateway: RunningGateway) -> None:
    """API Gateway Developer Guide, "Create AWS Lambda proxy integrations for HTTP APIs",
    format 2.0 response: a function returning "Hello from Lambda!" without a statusCode is
    interpreted as ``"body": "Hello from Lambda!"``: the client gets the text, unquoted."""
    status, headers, body = gateway.request("GET", "/fn/text")
    assert (status, headers["content-type"], body) == (
        200,
        "application/json",
        b"Hello from Lambda!",
    )


def test_raw_query_string_is_sent_as_received(gateway: RunningGateway) -> None:
    """API Gateway Developer Guide, "Create AWS Lambda proxy integrations for HTTP APIs",
    payload format 2.0: ``rawQueryString`` is the request's query string as received;
    ``queryStringParameters`` holds the decoded values."""
    raw = "s=a+b&p=%25&q=%2B%20&e=caf%C3%A9"
    status, _, body = gateway.request("GET", f"/fn/echo?{raw}")
    assert status == 201
    event = json.loads(body)
    assert event["rawQueryString"] == raw
    assert event["queryStringParameters"] == {"s": "a b", "p": "%", "q": "+ ", "e": "café"}


@pytest.mark.parametrize("connection", [b"keep-alive", b"close"], ids=["fast-path", "aiohttp"])
def test_a_header_byte_that_is_not_utf8_reaches_the_function_as_u_fffd(
    gateway: RunningGateway, connection: bytes
) -> None:
    """What API Gateway does with such a byte: see test_events.py
    (``test_header_bytes_reach_the_function_as_utf8_and_invalid_ones_as_u_fffd``). The Invoke
    request then holds no lone surrogate, which a runtime could not encode (Mangum encodes every
    header value)."""
    head = (
        b"GET /fn/echo HTTP/1.1\r\nHost: x\r\nX-Note: caf\xe9\r\n"
        b"X-City: Torrej\xc3\xb3n\r\nConnection: %s\r\n\r\n" % connection
    )
    [answer] = exchange(("127.0.0.1", gateway.port), head, expect_close=False)
    assert answer.status == 201
    event = json.loads(answer.body)
    assert (event["headers"]["x-note"], event["headers"]["x-city"]) == ("caf\ufffd", "Torrejón")


@pytest.mark.parametrize(
    ("function", "status", "message"),
    [
        ("throttled", 500, "Internal Server Error"),  # Invoke API 429: rejected invocation
        ("missing", 500, "Internal Server Error"),  # Invoke API 404
        ("boom", 502, "Internal Server Error"),  # X-Amz-Function-Error
        ("malformed", 502, "Internal Server Error"),
        ("slow", 503, "Service Unavailable"),  # route timeout_ms 300
    ],
)
def test_integration_errors_map_like_api_gateway(
    gateway: RunningGateway, function: str, status: int, message: str
) -> None:
    got, headers, body = gateway.request("GET", f"/fn/{function}")
    assert got == status
    assert json.loads(body) == {"message": message}
    assert headers["content-type"] == "application/json"
    assert headers["apigw-requestid"]
    assert headers["x-strangler-target"] == "lambda"


def test_lambda_requests_are_served_on_the_fast_path(
    gateway: RunningGateway, fake_lambda: FakeLambda
) -> None:
    """A simple request for an AWS_PROXY route is the fast lane's, like an HTTP_PROXY one: its
    connection stays on the fast path, so a malformed head after it meets the fast path's own
    refusal (the gateway's JSON error), not aiohttp's parser. The invokes before it go over
    one kept-alive connection to the Invoke API."""
    invoke = b"GET /fn/infer HTTP/1.1\r\nHost: edge\r\n\r\n"
    malformed = b"GET /fn/infer HTTP/1.1\r\nHost: edge\r\nX-A: a\x00b\r\n\r\n"
    before = len(fake_lambda.invocations)
    answers = exchange(("127.0.0.1", gateway.port), invoke * 3 + malformed, answers=4)
    assert [(a.status, a.body) for a in answers[:3]] == [(200, b'{"hello": "world"}')] * 3
    refused = answers[3]
    assert (refused.status, refused.body, refused.closed) == (400, error_body(400), True)
    assert refused.headers["Connection"] == "close"
    ports = {i.client_port for i in fake_lambda.invocations[before:]}
    assert len(fake_lambda.invocations) == before + 3
    assert len(ports) == 1
