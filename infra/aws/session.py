"""A boto3 session from the standard credential chain only, and the clients the deployer uses.

Credentials come from boto3's own chain (environment, shared config/credentials files and
profiles, SSO, container and instance roles); the deployer never reads, prints or writes a
secret. The only inputs are a profile name and a region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import botocore.exceptions

from infra.aws.errors import AwsSessionError


@dataclass(frozen=True)
class Clients:
    """The boto3 clients the deployer calls; injected so that tests can pass moto's."""

    region: str
    account: str
    lambda_: Any
    iam: Any
    apigw: Any
    logs: Any


def make_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A session for ``profile`` (or the default chain) in ``region`` (or the configured one)."""
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound:
        raise AwsSessionError(
            f"AWS profile {profile!r} not found in the shared config/credentials files; "
            "list profiles with `aws configure list-profiles`"
        ) from None
    if not session.region_name:
        raise AwsSessionError(
            "no AWS region: pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or set "
            "`region` for the profile in ~/.aws/config"
        )
    try:
        credentials = session.get_credentials()
    except botocore.exceptions.BotoCoreError as exc:  # an expired SSO token, a bad profile ...
        raise AwsSessionError(f"cannot load AWS credentials: {exc}") from None
    if credentials is None:
        where = f"profile {profile!r}" if profile else "the standard credential chain"
        raise AwsSessionError(
            f"no AWS credentials found through {where} (environment, ~/.aws files, SSO, "
            "instance or container role); run `aws configure` or `aws sso login`"
        )
    return session


def account_id(session: boto3.Session) -> str:
    """The caller's account, which also proves the credentials work."""
    try:
        return str(session.client("sts").get_caller_identity()["Account"])
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise AwsSessionError(
            f"AWS rejected the credentials ({code}); check the profile or refresh the session "
            "(`aws sso login`)"
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsSessionError(f"cannot reach AWS STS: {type(exc).__name__}") from None


def clients_for(session: boto3.Session) -> Clients:
    """The deployer's clients, with the account resolved once (one STS call)."""
    return Clients(
        region=str(session.region_name),
        account=account_id(session),
        lambda_=session.client("lambda"),
        iam=session.client("iam"),
        apigw=session.client("apigatewayv2"),
        logs=session.client("logs"),
    )
