"""Lambda functions and the local Lambda service, declared once with AWS's rules for them.

``FunctionConfig`` is a ``[[functions]]`` table of strangler.toml and ``LambdaServiceOptions``
the part of ``[lambda]`` the service itself runs with. The local Lambda service's own file
(``infra/local/lambda_service/spec.py``) extends both, so a setting is declared in one place and
travels to the service's process whole.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from strangler_core.model import InvalidKey, StrictModel

ACCOUNT_ID = "123456789012"
MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10240
MAX_TIMEOUT_S = 900.0
DEFAULT_HANDLER = "serverless.handler.handler"
FUNCTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HANDLER_RE = re.compile(r"^[A-Za-z0-9_./-]+\.[A-Za-z_][A-Za-z0-9_]*$")
SQS_ARN_RE = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$")
# Asynchronous invocation (PutFunctionEventInvokeConfig): retries of function errors 0-2,
# the event's maximum age 60 s - 6 h, both defaulting to the most (Lambda guide,
# "Configuring error handling settings for Lambda asynchronous invocations").
MAX_RETRY_ATTEMPTS = 2
MIN_EVENT_AGE_S = 60
MAX_EVENT_AGE_S = 21600

# AWS refuses functions that set these; the service sets them for every sandbox.
RESERVED_ENV_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


def function_arn(name: str, region: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"


def _function_name(name: str) -> str:
    if not FUNCTION_NAME_RE.match(name):
        raise ValueError(f"must be 1-64 letters, digits, '-' or '_', got {name!r}")
    return name


def _handler(handler: str) -> str:
    if not HANDLER_RE.match(handler):
        raise ValueError(f"must look like 'module.function', got {handler!r}")
    return handler


def _sqs_arn(arn: str | None) -> str | None:
    if arn is not None and not SQS_ARN_RE.match(arn):
        raise ValueError(f"must be a standard SQS queue's ARN (arn:aws:sqs:...), got {arn!r}")
    return arn


def _environment(environment: dict[str, str]) -> dict[str, str]:
    reserved = sorted(RESERVED_ENV_KEYS.intersection(environment))
    if reserved:
        raise ValueError(f"sets reserved variables {reserved}")
    return environment


class FunctionConfig(StrictModel):
    """A Lambda function serving (part of) the Django project through Mangum."""

    name: Annotated[str, AfterValidator(_function_name)]
    handler: Annotated[str, AfterValidator(_handler)] = DEFAULT_HANDLER
    memory_mb: Annotated[int, Field(ge=MIN_MEMORY_MB, le=MAX_MEMORY_MB)] = 512
    timeout_s: Annotated[float, Field(gt=0, le=MAX_TIMEOUT_S)] = 30.0
    reserved_concurrency: Annotated[int, Field(ge=0)] | None = None
    provisioned_concurrency: Annotated[int, Field(ge=0)] = 0
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    environment: Annotated[dict[str, str], AfterValidator(_environment)] = Field(
        default_factory=dict
    )
    max_retry_attempts: Annotated[int, Field(ge=0, le=MAX_RETRY_ATTEMPTS)] = MAX_RETRY_ATTEMPTS
    """Event invocations: retries after a function error."""
    max_event_age_s: Annotated[int, Field(ge=MIN_EVENT_AGE_S, le=MAX_EVENT_AGE_S)] = MAX_EVENT_AGE_S
    """Event invocations: how long an event may wait (throttled, retried) before it fails."""
    on_failure: Annotated[str | None, AfterValidator(_sqs_arn)] = None
    """Event invocations: the SQS queue (ARN) that gets the record of an event that failed;
    None: the local dead-letter queue (`strangler dlq`)."""

    @model_validator(mode="after")
    def _provisioned_within_reserved(self) -> FunctionConfig:
        reserved = self.reserved_concurrency
        if reserved is not None and self.provisioned_concurrency > reserved:
            raise InvalidKey(
                "provisioned_concurrency",
                f"{self.provisioned_concurrency} exceeds reserved_concurrency {reserved}",
            )
        return self

    def arn(self, region: str) -> str:
        return function_arn(self.name, region)


class LambdaServiceOptions(StrictModel):
    """What the local Lambda service runs with, from ``[lambda]``."""

    host: str = "127.0.0.1"
    region: str = "us-east-1"
    account_concurrency: Annotated[int, Field(ge=1)] = 1000
    scale_limit_per_10s: Annotated[int, Field(ge=1)] | None = None
    """New sandboxes per 10 s per function (AWS: 1,000); None: no limit."""
    idle_timeout_s: Annotated[float, Field(gt=0)] = 600.0
    init_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    enforce_limits: Literal["auto", "off"] = "auto"
    sqs_endpoint_url: str | None = None
    """Where on_failure queues are (an SQS-compatible server); None: AWS's own SQS."""
    async_time_scale: Annotated[float, Field(gt=0, le=1)] = 1.0
    """Event invocations' waits (retry delays, backoff, maximum age) times this: below 1 only
    to see hours of AWS's retry schedule in seconds."""


class InvokeCredentials(StrictModel):
    """The access key the local Lambda service's Invoke API accepts SigV4 signatures of
    (generated per run directory by the stack; never an AWS account's key)."""

    access_key_id: Annotated[str, Field(min_length=16, max_length=128, pattern=r"^[A-Z0-9]+$")]
    secret_access_key: Annotated[str, Field(min_length=16)]
