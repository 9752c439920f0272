"""The desired AWS state from the route table, the functions' configuration and the zip (pure).

What is deployed per function: its log group (with retention), an execution role with one
least-privilege inline policy (write to its own log group, send X-Ray traces, nothing else), the
function (python3.11, X-Ray active tracing, reserved concurrency), the alias ``live`` pointing at
a published version, and provisioned concurrency on that alias when configured. Per stage: one
HTTP API whose ``$default`` route passes through to the monolith (HTTP_PROXY), whose migrated
routes invoke the function's alias (AWS_PROXY, payload 2.0), the permission that lets exactly
this API invoke the alias, and a stage with default and per-route throttling and access logs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.aws.errors import AwsError
from infra.aws.naming import (
    ALIAS,
    POLICY_NAME,
    Names,
    alias_arn,
    execute_api_source_arn,
    log_group_arn,
    role_arn,
)
from infra.aws.resources import API_ID_PLACEHOLDER, Resource, canonical_policy
from strangler_core.config import FunctionConfig
from strangler_core.lambda_model import MAX_EVENT_AGE_S, MAX_RETRY_ATTEMPTS
from strangler_core.routes import (
    DEFAULT_ROUTE_KEY,
    MONOLITH_TARGET,
    Route,
    RouteTable,
    Throttle,
)

RUNTIME = "python3.11"
DEFAULT_STAGE_NAME = "$default"
DEFAULT_LOG_RETENTION_DAYS = 14
# API Gateway's default account-level throttle per region; used as the stage's default route
# throttle when the route table sets none, so the stage always states its limit explicitly
DEFAULT_STAGE_THROTTLE = Throttle(rate=10_000.0, burst=5_000)
LAMBDA_MAX_TIMEOUT_S = 900
INVOKE_ACTION = "lambda:InvokeFunction"
APIGW_PRINCIPAL = "apigateway.amazonaws.com"

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "path": "$context.path",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationStatus": "$context.integrationStatus",
        "integrationLatency": "$context.integrationLatency",
        "integrationErrorMessage": "$context.integrationErrorMessage",
        "errorMessage": "$context.error.message",
    },
    separators=(",", ":"),
)

_VARIABLE = re.compile(r"\{([^{}]+)\}")


class DesiredStateError(AwsError):
    """The route table and configuration cannot be deployed as they are."""

    exit_code = 2


@dataclass(frozen=True)
class DeployInputs:
    """Everything the desired state depends on, besides the route table and functions."""

    names: Names
    region: str
    account: str
    monolith_url: str
    code_sha256: Mapping[str, str]
    """Function name (as in strangler.toml) -> base64 SHA-256 of its deployment zip."""
    api_id: str | None = None
    stage_name: str = DEFAULT_STAGE_NAME
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS


@dataclass(frozen=True)
class DesiredState:
    resources: tuple[Resource, ...]

    def get(self, kind: str, name: str) -> Resource | None:
        return next((r for r in self.resources if r.key == (kind, name)), None)


def code_sha256(data: bytes) -> str:
    """What Lambda reports as ``CodeSha256``: base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def lambda_timeout_s(function: FunctionConfig) -> int:
    return max(1, min(LAMBDA_MAX_TIMEOUT_S, math.ceil(function.timeout_s)))


def assume_role_policy() -> dict[str, Any]:
    return canonical_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def execution_policy(
    region: str, account: str, log_group: str, on_failure: str | None = None
) -> dict[str, Any]:
    """Least privilege: streams and events in the function's own log group, and X-Ray writes;
    with ``on_failure``, sending to that queue (Lambda sends a failed event's record with the
    function's execution role: Lambda guide, "Capturing records of Lambda asynchronous
    invocations").

    The log group is created by the deployer, so the function needs no logs:CreateLogGroup.
    X-Ray's PutTraceSegments / PutTelemetryRecords take no resource-level permissions ("*").
    """
    queue = []
    if on_failure is not None:
        queue = [
            {
                "Sid": "OnFailureQueue",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": on_failure,
            }
        ]
    return canonical_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                *queue,
                {
                    "Sid": "OwnLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group_arn(region, account, log_group)}:*",
                },
                {
                    "Sid": "XRay",
                    "Effect": "Allow",
                    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    "Resource": "*",
                },
            ],
        }
    )


def function_attrs(function: FunctionConfig, inputs: DeployInputs) -> dict[str, Any]:
    """The attributes a published version snapshots (and $LATEST carries)."""
    names = inputs.names
    sha = inputs.code_sha256.get(function.name)
    if sha is None:
        raise DesiredStateError(f"no deployment zip given for function {function.name!r}")
    return {
        "runtime": RUNTIME,
        "handler": function.handler,
        "memory_mb": function.memory_mb,
        "timeout_s": lambda_timeout_s(function),
        "architecture": function.architecture,
        "environment": dict(sorted(function.environment.items())),
        "role": role_arn(inputs.account, names.role(function.name)),
        "tracing": "Active",
        "code_sha256": sha,
    }


def event_invoke_attrs(function: FunctionConfig) -> dict[str, Any] | None:
    """The alias's asynchronous invocation settings (PutFunctionEventInvokeConfig), or None
    where they are AWS's defaults (2 retries, 6 hours, no destination: no config at all)."""
    attrs = {
        "max_retry_attempts": function.max_retry_attempts,
        "max_event_age_s": function.max_event_age_s,
        "on_failure": function.on_failure,
    }
    defaults = {"max_retry_attempts": MAX_RETRY_ATTEMPTS, "max_event_age_s": MAX_EVENT_AGE_S}
    return None if attrs == {**defaults, "on_failure": None} else attrs


def http_integration_uri(route: Route, monolith_url: str) -> str:
    """The monolith URL a passthrough route forwards to (as in ``strangler.openapi``)."""
    target = route.integration.target or MONOLITH_TARGET
    base = (monolith_url if target == MONOLITH_TARGET else target).rstrip("/")
    if route.path is None:
        return base  # the $default route: API Gateway appends the request path
    return base + _VARIABLE.sub(lambda m: "{" + m.group(1).removesuffix("+") + "}", route.path)


def integration_for(route: Route, inputs: DeployInputs, deployed: Mapping[str, str]) -> Resource:
    """The integration ``route`` needs; its name is ``"<TYPE> <uri>"``, one per target."""
    integration = route.integration
    if integration.type == "HTTP_PROXY":
        uri = http_integration_uri(route, inputs.monolith_url)
        attrs = {
            "type": "HTTP_PROXY",
            "uri": uri,
            "method": "ANY",
            "payload_format_version": "1.0",
            "timeout_ms": integration.timeout_ms,
        }
    else:
        function = integration.function or ""
        if function not in deployed:
            raise DesiredStateError(
                f"route {route.route_key!r} goes to function {function!r}, which is not "
                "declared in [[functions]]"
            )
        uri = alias_arn(inputs.region, inputs.account, deployed[function])
        attrs = {
            "type": "AWS_PROXY",
            "uri": uri,
            "method": "POST",
            "payload_format_version": integration.payload_format_version,
            "timeout_ms": integration.timeout_ms,
        }
    return Resource("apigw_integration", f"{attrs['type']} {uri}", attrs)


def route_resources(
    table: RouteTable, inputs: DeployInputs, functions: Sequence[FunctionConfig]
) -> list[Resource]:
    """Integrations (deduplicated) and routes of ``table``."""
    if inputs.monolith_url and not inputs.monolith_url.startswith(("http://", "https://")):
        raise DesiredStateError(f"monolith URL must be http(s)://, not {inputs.monolith_url!r}")
    deployed = {f.name: inputs.names.function(f.name) for f in functions}
    integrations: dict[str, Resource] = {}
    routes: list[Resource] = []
    for route in sorted(table.routes, key=lambda r: r.route_key):
        if route.integration.type == "HTTP_PROXY" and not inputs.monolith_url:
            raise DesiredStateError("a monolith URL is needed for the passthrough routes")
        integration = integration_for(route, inputs, deployed)
        integrations.setdefault(integration.name, integration)
        routes.append(Resource("apigw_route", route.route_key, {"integration": integration.name}))
    return [*integrations.values(), *routes]


def stage_attrs(table: RouteTable, inputs: DeployInputs) -> dict[str, Any]:
    """The stage: default and per-route throttles, auto-deploy, access logs.

    A per-route throttle applies on AWS only to a route key that is a route of the table (API
    Gateway refuses route settings for keys it has no route for); others are left out.
    """
    default = table.throttling.stage or DEFAULT_STAGE_THROTTLE
    keys = {r.route_key for r in table.routes}
    return {
        "auto_deploy": True,
        "default_throttle": _throttle(default),
        "route_throttles": {
            key: _throttle(t) for key, t in sorted(table.throttling.routes.items()) if key in keys
        },
        "access_log_destination": log_group_arn(
            inputs.region, inputs.account, inputs.names.access_log_group
        ),
        "access_log_format": ACCESS_LOG_FORMAT,
    }


def _throttle(throttle: Throttle) -> dict[str, Any]:
    return {"rate": float(throttle.rate), "burst": int(throttle.burst)}


def desired_state(
    table: RouteTable, functions: Sequence[FunctionConfig], inputs: DeployInputs
) -> DesiredState:
    """Every resource ``apply`` makes exist, in ``resources.KINDS`` order."""
    if DEFAULT_ROUTE_KEY not in {r.route_key for r in table.routes}:
        raise DesiredStateError("the route table has no $default route (the monolith passthrough)")
    names = inputs.names
    api_id = inputs.api_id or API_ID_PLACEHOLDER
    out: list[Resource] = []
    for function in functions:
        fn = names.function(function.name)
        log_group = names.function_log_group(function.name)
        role = names.role(function.name)
        attrs = function_attrs(function, inputs)
        out += [
            Resource("log_group", log_group, {"retention_days": inputs.log_retention_days}),
            Resource("iam_role", role, {"assume_role_policy": assume_role_policy()}),
            Resource(
                "iam_policy",
                f"{role}/{POLICY_NAME}",
                {
                    "document": execution_policy(
                        inputs.region, inputs.account, log_group, function.on_failure
                    )
                },
            ),
            Resource(
                "lambda_function",
                fn,
                {**attrs, "reserved_concurrency": function.reserved_concurrency},
            ),
            Resource("lambda_alias", f"{fn}:{ALIAS}", attrs),
        ]
        if function.provisioned_concurrency > 0:
            out.append(
                Resource(
                    "lambda_provisioned_concurrency",
                    f"{fn}:{ALIAS}",
                    {"executions": function.provisioned_concurrency},
                )
            )
        event_config = event_invoke_attrs(function)
        if event_config is not None:
            out.append(Resource("lambda_event_invoke_config", f"{fn}:{ALIAS}", event_config))
        out.append(
            Resource(
                "lambda_permission",
                f"{fn}:{ALIAS}/{names.permission_statement_id}",
                {
                    "action": INVOKE_ACTION,
                    "principal": APIGW_PRINCIPAL,
                    "source_arn": execute_api_source_arn(inputs.region, inputs.account, api_id),
                },
            )
        )
    out.append(
        Resource("log_group", names.access_log_group, {"retention_days": inputs.log_retention_days})
    )
    out.append(Resource("apigw_api", names.api, {"protocol": "HTTP"}))
    out += route_resources(table, inputs, functions)
    out.append(Resource("apigw_stage", inputs.stage_name, stage_attrs(table, inputs)))
    return DesiredState(resources=tuple(out))
