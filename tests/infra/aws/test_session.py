"""Sessions come from the standard credential chain; errors are clear and hold no secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.aws.errors import AwsSessionError, NamingError
from infra.aws.naming import Names, execute_api_source_arn
from infra.aws.session import clients_for, make_session
from strangler_core.errors import StranglerError


def test_session_from_the_environment(moto_aws: None) -> None:
    session = make_session()
    assert session.region_name == "us-east-1"
    assert clients_for(session).account == "123456789012"


def test_a_missing_profile_is_named() -> None:
    with pytest.raises(AwsSessionError, match="profile 'nope' not found"):
        make_session(profile="nope")


def test_a_profile_from_the_shared_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_aws: None
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # the environment would win over the profile
    (tmp_path / "aws-config").write_text("[profile deployer]\nregion = eu-west-1\n")
    (tmp_path / "aws-credentials").write_text(
        "[deployer]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n"
    )
    session = make_session(profile="deployer")
    assert session.region_name == "eu-west-1"


def test_no_region_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(AwsSessionError, match="no AWS region") as info:
        make_session()
    assert isinstance(info.value, StranglerError)


def test_no_credentials_is_a_clear_error_without_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    with pytest.raises(AwsSessionError, match="no AWS credentials") as info:
        make_session(region="us-east-1")
    assert "testing" not in str(info.value)


def test_rejected_credentials_name_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.exceptions

    class Refusing:
        region_name = "us-east-1"

        def client(self, _name: str) -> object:
            class Sts:
                def get_caller_identity(self) -> object:
                    raise botocore.exceptions.ClientError(
                        {"Error": {"Code": "InvalidClientTokenId", "Message": "bad"}},
                        "GetCallerIdentity",
                    )

            return Sts()

    with pytest.raises(AwsSessionError, match=r"rejected the credentials \(InvalidClientTokenId\)"):
        clients_for(Refusing())


def test_names_follow_the_convention() -> None:
    names = Names(stage="stage", project="wildrydes")
    assert names.function("api") == "stage-wildrydes-api"
    assert names.role("api") == "stage-wildrydes-api-role"
    assert names.api == "stage-wildrydes-api"
    assert names.function_log_group("api") == "/aws/lambda/stage-wildrydes-api"
    assert execute_api_source_arn("eu-west-1", "1", "abc") == (
        "arn:aws:execute-api:eu-west-1:1:abc/*/*"
    )


@pytest.mark.parametrize(
    ("stage", "project", "function"),
    [("qa", "p", "f"), ("dev", "Bad_Name", "f"), ("dev", "p", "-f"), ("dev", "p", "x" * 60)],
)
def test_bad_names_are_refused(stage: str, project: str, function: str) -> None:
    with pytest.raises(NamingError):
        Names(stage=stage, project=project).function(function)
