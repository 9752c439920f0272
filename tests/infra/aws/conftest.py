"""moto fixtures: fake credentials and region, never real AWS."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from moto import mock_aws

from infra.aws.apply import DeploySpec
from infra.aws.naming import Names
from infra.aws.session import Clients, clients_for
from strangler.config import FunctionConfig
from strangler.gateway.routes import default_route_table

REGION = "us-east-1"
MONOLITH_URL = "http://monolith.example.com"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_REGION", raising=False)
    # no shared files of the machine's user: the credential chain sees only the fakes above
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


class LambdaShim:
    """moto's Lambda client plus the provisioned-concurrency calls moto does not implement
    (it answers 404 "Not yet implemented"), kept in a dict so apply's calls can be checked."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.provisioned: dict[tuple[str, str], int] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return attr(**kwargs)

        call.__name__ = name
        return call

    def get_provisioned_concurrency_config(self, FunctionName: str, Qualifier: str) -> Any:
        value = self.provisioned.get((FunctionName, Qualifier))
        if value is None:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ProvisionedConcurrencyConfigNotFoundException"}},
                "GetProvisionedConcurrencyConfig",
            )
        return {"RequestedProvisionedConcurrentExecutions": value, "Status": "READY"}

    def put_provisioned_concurrency_config(self, **kwargs: Any) -> Any:
        self.calls.append(("put_provisioned_concurrency_config", kwargs))
        key = (kwargs["FunctionName"], kwargs["Qualifier"])
        self.provisioned[key] = kwargs["ProvisionedConcurrentExecutions"]
        return {"RequestedProvisionedConcurrentExecutions": self.provisioned[key]}

    def delete_provisioned_concurrency_config(self, FunctionName: str, Qualifier: str) -> Any:
        self.provisioned.pop((FunctionName, Qualifier), None)
        return {}


class ApiGatewayShim:
    """moto's apigatewayv2 client plus ``update_stage``, which moto does not implement: it is
    emulated by deleting and re-creating the stage with the merged settings."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.updated_stages: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_stage(self, ApiId: str, StageName: str, **params: Any) -> Any:
        self.updated_stages.append({"StageName": StageName, **params})
        old = self._client.get_stage(ApiId=ApiId, StageName=StageName)
        merged = {
            key: old[key]
            for key in ("AutoDeploy", "DefaultRouteSettings", "RouteSettings", "AccessLogSettings")
            if key in old
        }
        merged.update(params)
        self._client.delete_stage(ApiId=ApiId, StageName=StageName)
        return self._client.create_stage(ApiId=ApiId, StageName=StageName, **merged)

    def delete_route_settings(self, ApiId: str, StageName: str, RouteKey: str) -> Any:
        return {}


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def session(moto_aws: None) -> boto3.Session:
    return boto3.Session(region_name=REGION)


@pytest.fixture
def clients(session: boto3.Session) -> Clients:
    base = clients_for(session)
    return Clients(
        region=base.region,
        account=base.account,
        lambda_=LambdaShim(base.lambda_),
        iam=base.iam,
        apigw=ApiGatewayShim(base.apigw),
        logs=base.logs,
    )


def tiny_zip(body: str = "def handler(event, context):\n    return {}\n") -> bytes:
    """A deployment zip of one module: enough for create_function (no pip, no build)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("serverless/handler.py", body)
    return buffer.getvalue()


@pytest.fixture
def zip_path(tmp_path: Path) -> Path:
    path = tmp_path / "wildrydes.zip"
    path.write_bytes(tiny_zip())
    return path


@pytest.fixture
def function() -> FunctionConfig:
    return FunctionConfig(
        name="wildrydes",
        memory_mb=512,
        timeout_s=29.5,
        reserved_concurrency=50,
        architecture="arm64",
        environment={"DJANGO_SETTINGS_MODULE": "monolith.settings", "SECRET": "s3cr3t-value"},
    )


@pytest.fixture
def spec(function: FunctionConfig, zip_path: Path) -> DeploySpec:
    return DeploySpec(
        table=default_route_table(),
        functions=(function,),
        zips={"wildrydes": zip_path},
        names=Names(stage="dev", project="strangler"),
        monolith_url=MONOLITH_URL,
    )
