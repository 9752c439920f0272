"""moto fixtures: fake credentials and region, never real AWS."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.aws.apply import DeploySpec
from infra.aws.naming import Names
from infra.aws.session import Clients, clients_for
from strangler_core.config import FunctionConfig
from strangler_core.routes import default_route_table
from tests.infra.aws.shims import with_missing_calls

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


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def session(moto_aws: None) -> boto3.Session:
    return boto3.Session(region_name=REGION)


@pytest.fixture
def clients(session: boto3.Session) -> Clients:
    return with_missing_calls(clients_for(session))


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
