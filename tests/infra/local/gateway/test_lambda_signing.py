"""The gateway signs its Invoke requests (SigV4, botocore's signer) with the stack's key, and a
real Lambda service that requires it serves them; a gateway with another key is refused."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.gateway import GatewaySettings, GatewayThread
from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from strangler_core.lambda_model import InvokeCredentials
from strangler_core.routes import parse_route_table, save_route_table

pytestmark = [pytest.mark.stack, pytest.mark.timeout(60)]

KEY = InvokeCredentials(
    access_key_id="AKIALOCALGATEWAY0001", secret_access_key="the-stack-key-of-this-test"
)
OTHER = KEY.model_copy(update={"secret_access_key": "not-the-stack-key-at-all"})


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaService]:
    code = tmp_path_factory.mktemp("code")
    (code / "signing.py").write_text(
        "def handler(event, context):\n"
        "    size = len(event.get('body') or '')\n"
        "    return {'statusCode': 200, 'body': event['rawPath'] + str(size)}\n"
    )
    spec = FunctionSpec(name="fn", handler="signing.handler", code_paths=(str(code),))
    settings = ServiceSettings(log_dir=str(tmp_path_factory.mktemp("logs")), credentials=KEY)
    with LambdaService(settings, [spec]) as running:
        yield running


def _get(
    service: LambdaService, routes: Path, key: InvokeCredentials, body: bytes | None = None
) -> tuple[int, bytes]:
    table = {
        "version": 1,
        "routes": [
            {"route_key": "$default", "integration": {"type": "AWS_PROXY", "function": "fn"}}
        ],
    }
    save_route_table(parse_route_table(table, str(routes)), routes)
    settings = GatewaySettings(
        routes_path=routes,
        monolith_url="http://127.0.0.1:9",
        lambda_url=service.url,
        port=0,
        lambda_credentials=key,
    )
    thread = GatewayThread(settings)
    url = thread.start()
    try:
        conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=30)
        conn.request("GET" if body is None else "POST", "/signed/path", body)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        thread.stop()


def test_the_gateway_signs_with_the_stacks_key(service: LambdaService, tmp_path: Path) -> None:
    assert _get(service, tmp_path / "routes.json", KEY) == (200, b"/signed/path0")


def test_a_large_event_is_signed_as_it_is_streamed(service: LambdaService, tmp_path: Path) -> None:
    """An event over the streaming threshold is sent as it is encoded: its SHA-256 is signed
    (X-Amz-Content-SHA256) without the gateway holding it whole."""
    body = b"y" * (3 * 1024 * 1024)
    # no text Content-Type: the event carries the body base64-encoded (4/3 of its size)
    assert _get(service, tmp_path / "routes.json", KEY, body) == (200, b"/signed/path4194304")


def test_a_gateway_with_another_key_gets_api_gateways_500(
    service: LambdaService, tmp_path: Path
) -> None:
    """AWS Lambda guide, "Handling Lambda errors with an API Gateway API": when the Lambda API
    rejects the invocation, API Gateway answers 500 (HTTP APIs: "Internal Server Error")."""
    status, body = _get(service, tmp_path / "routes.json", OTHER)
    assert status == 500
    assert json.loads(body) == {"message": "Internal Server Error"}
