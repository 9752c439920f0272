"""The AWS deployer's errors: all ``StranglerError`` subclasses, raised at the boto3 boundary."""

from __future__ import annotations

from strangler_core.errors import StranglerError


class AwsError(StranglerError):
    """Something on the AWS side failed or is not as the deployer needs it."""


class AwsSessionError(AwsError):
    """No usable boto3 session: a missing or wrong profile, no region, or no credentials."""

    exit_code = 2


class NamingError(AwsError):
    """A stage, project or function name cannot form valid AWS resource names."""

    exit_code = 2


class NotDeployedError(AwsError):
    """A route move needs the API and the function deployed first (``strangler deploy``)."""


class ApplyError(AwsError):
    """An AWS call made while applying a plan failed; earlier changes stay applied."""
