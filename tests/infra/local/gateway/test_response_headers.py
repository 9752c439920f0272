"""The gateway's own answers carry API Gateway's headers and no ``Server`` header.

API Gateway Developer Guide, "Create AWS Lambda proxy integrations for HTTP APIs" and "Amazon
API Gateway important notes": an HTTP API answer has ``apigw-requestid`` and no ``Server``
header of API Gateway's (aiohttp adds ``Server: Python/... aiohttp/...`` unless told not to).
Both of the gateway's paths: aiohttp's (Lambda answers, integration errors) and the fast lane
(its throttle refusal on an HTTP_PROXY route).
"""

from __future__ import annotations

import pytest

from tests.infra.local.gateway.conftest import RunningGateway


@pytest.mark.parametrize(
    ("path", "status"),
    [("/fn/infer", 200), ("/fn/missing", 500), ("/fn/boom", 502)],
    ids=["lambda-answer", "invoke-error", "function-error"],
)
def test_lambda_route_answers_have_no_server_header(
    gateway: RunningGateway, path: str, status: int
) -> None:
    got, headers, _ = gateway.request("GET", path)
    assert got == status
    assert headers.get_all("Server") is None
    assert headers["apigw-requestid"]


def test_the_fast_lanes_own_answer_has_no_server_header(gateway: RunningGateway) -> None:
    answers = [gateway.request("GET", "/limited") for _ in range(3)]  # burst 2
    status, headers, _ = answers[-1]
    assert status == 429
    assert headers.get_all("Server") is None
    assert headers["apigw-requestid"]
