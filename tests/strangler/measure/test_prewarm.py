"""Pre-warm events of a variant: N concurrent ``isPrewarm`` invokes through the Invoke API,
SigV4-signed with the service's key as boto3 signs an Invoke (the Lambda API reference,
"Invoke", and AWS's "Signature Version 4 signing process"), against a real service process."""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from strangler.measure.variants import Invoker, prewarm_round
from strangler_core.lambda_model import InvokeCredentials

pytestmark = [pytest.mark.stack, pytest.mark.timeout(60)]

KEY = InvokeCredentials(
    access_key_id="AKIALOCALTEST0000002", secret_access_key="another-local-test-secret"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaService]:
    code = tmp_path_factory.mktemp("code")
    (code / "handlers.py").write_text(
        "def warm(event, context):\n    return {'prewarmed': event.get('isPrewarm')}\n"
    )
    logs = tmp_path_factory.mktemp("logs")
    settings = ServiceSettings(log_dir=str(logs), credentials=KEY)
    spec = FunctionSpec(name="warm", handler="handlers.warm", code_paths=(str(code),))
    with LambdaService(settings, [spec]) as svc:
        yield svc


def test_a_prewarm_event_is_that_many_signed_invokes(service: LambdaService) -> None:
    invoker = Invoker(service.url, "warm", "us-east-1", KEY)
    ids = prewarm_round(invoker, 3)
    assert len(ids) == 3 and len(set(ids)) == 3
    reports = Path(service.settings.log_dir) / "reports.jsonl"
    recorded = {json.loads(line)["request_id"] for line in reports.read_text().splitlines()}
    assert set(ids) <= recorded  # the REPORTs the run splits off by these ids


def test_unsigned_prewarm_invokes_are_refused_by_a_service_with_a_key(
    service: LambdaService,
) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        prewarm_round(Invoker(service.url, "warm", "us-east-1", None), 1)
    assert refused.value.code == 403
