"""The Invoke API authenticates like AWS's: SigV4 with the service's key, checked by
botocore's own signer, against a real service process and boto3 clients."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from strangler_core.lambda_model import InvokeCredentials
from tests.infra.local.lambda_service.conftest import lambda_client

pytestmark = [pytest.mark.stack, pytest.mark.timeout(60)]

KEY = InvokeCredentials(
    access_key_id="AKIALOCALTEST0000001", secret_access_key="local-secret-for-this-test-only"
)
INVOKE = "/2015-03-31/functions/echo/invocations"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaService]:
    code = tmp_path_factory.mktemp("code")
    (code / "handlers.py").write_text("def echo(event, context):\n    return {'event': event}\n")
    settings = ServiceSettings(log_dir=str(tmp_path_factory.mktemp("logs")), credentials=KEY)
    functions = [
        FunctionSpec(
            name="echo",
            handler="handlers.echo",
            code_paths=(str(code),),
            environment={"DATABASE_URL": "postgresql://app:hunter2@db/app"},
        )
    ]
    with LambdaService(settings, functions) as svc:
        yield svc


def _post(
    url: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
    try:
        conn.request("POST" if body or path.endswith("invocations") else "GET", path, body, headers)
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def _invocations(service: LambdaService) -> int:
    return int(service.metrics()["functions"]["echo"]["invocations"])  # type: ignore[index]


def test_signed_with_the_services_key_is_served(service: LambdaService) -> None:
    client = lambda_client(service.url, KEY.access_key_id, KEY.secret_access_key)
    answer = client.invoke(FunctionName="echo", Payload=b'{"a": 1}')
    assert json.loads(answer["Payload"].read()) == {"event": {"a": 1}}
    configuration = client.get_function(FunctionName="echo")["Configuration"]
    assert configuration["Environment"]["Variables"]["DATABASE_URL"].endswith("@db/app")


def test_unsigned_requests_get_403_and_nothing(service: LambdaService) -> None:
    """AWS's answer to an unsigned Lambda API request: 403, x-amzn-ErrorType
    MissingAuthenticationTokenException, {"message": "Missing Authentication Token"}."""
    before = _invocations(service)
    status, headers, body = _post(service.url, INVOKE, b"{}", {})
    assert status == 403
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert json.loads(body) == {"message": "Missing Authentication Token"}
    status, _, body = _post(service.url, "/2015-03-31/functions/echo", b"", {})
    assert status == 403 and b"hunter2" not in body and b"DATABASE_URL" not in body
    assert _invocations(service) == before


def test_wrong_key_or_secret_or_region_is_refused(service: LambdaService) -> None:
    """Lambda's answers (AWS General Reference, "Signature Version 4 signing process";
    Lambda API reference, "Common Errors"): an unknown access key is 403
    UnrecognizedClientException ("The security token included in the request is invalid."),
    a signature made with another secret or scoped to another region 403
    InvalidSignatureException."""
    before = _invocations(service)
    cases = {
        "UnrecognizedClientException": lambda_client(service.url, "AKIAOTHERKEY00000001", "x" * 20),
        "InvalidSignatureException": lambda_client(
            service.url, KEY.access_key_id, "wrong-secret-xxxx"
        ),
    }
    cases_region = lambda_client(service.url, KEY.access_key_id, KEY.secret_access_key, "eu-west-1")
    for code, client in [*cases.items(), ("InvalidSignatureException", cases_region)]:
        for operation, arguments in (
            ("invoke", {"FunctionName": "echo", "Payload": b"{}"}),
            ("get_function", {"FunctionName": "echo"}),
        ):
            with pytest.raises(client.exceptions.ClientError) as refused:
                getattr(client, operation)(**arguments)
            error = refused.value.response
            assert error["Error"]["Code"] == code
            assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert _invocations(service) == before


def test_a_body_changed_after_signing_is_refused(service: LambdaService) -> None:
    """SigV4 signs the payload's SHA-256: a tampered body no longer matches the signature."""
    host = urlsplit(service.url).netloc
    request = AWSRequest(
        method="POST", url=f"{service.url}{INVOKE}", data=b'{"n": 1}', headers={"Host": host}
    )
    SigV4Auth(
        Credentials(KEY.access_key_id, KEY.secret_access_key), "lambda", "us-east-1"
    ).add_auth(request)
    headers = dict(request.headers.items())
    status, _, _ = _post(service.url, INVOKE, b'{"n": 1}', headers)
    assert status == 200
    before = _invocations(service)
    status, answer_headers, _ = _post(service.url, INVOKE, b'{"n": 2}', headers)
    assert status == 403
    assert answer_headers["x-amzn-errortype"] == "InvalidSignatureException"
    assert _invocations(service) == before
