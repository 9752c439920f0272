"""The current state on AWS, read with boto3 into the same resource shape as the desired state.

Only the resources the deployer names are read (see ``naming``): a resource that exists but is
not desired shows up as a delete only within that scope (routes and integrations of our API, our
permission statement, provisioned concurrency on our alias).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from infra.aws.errors import AwsError
from infra.aws.naming import ALIAS, POLICY_NAME, Names
from infra.aws.resources import canonical_policy
from infra.aws.session import Clients

_NOT_FOUND = frozenset(
    {
        "ResourceNotFoundException",
        "NoSuchEntity",
        "NoSuchEntityException",
        "NotFoundException",
        "ProvisionedConcurrencyConfigNotFoundException",
    }
)


@dataclass(frozen=True)
class CurrentState:
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    api_id: str | None = None
    integration_ids: dict[str, str] = field(default_factory=dict)
    """Integration name (``"<TYPE> <uri>"``) -> IntegrationId."""
    route_ids: dict[str, str] = field(default_factory=dict)
    """Route key -> RouteId."""
    alias_versions: dict[str, str] = field(default_factory=dict)
    """Function name -> the version its ``live`` alias points at."""


def error_code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _or_none(call: Any, **kwargs: Any) -> Any:
    """``call(**kwargs)``, or None when AWS says the thing does not exist."""
    try:
        return call(**kwargs)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) in _NOT_FOUND:
            return None
        raise AwsError(f"{call.__name__}: {exc}") from exc


def _policy_doc(doc: Any) -> dict[str, Any]:
    if isinstance(doc, str):  # the IAM API URL-encodes documents; boto3 usually decodes them
        doc = json.loads(urllib.parse.unquote(doc))
    return canonical_policy(doc)


def version_attrs(config: dict[str, Any]) -> dict[str, Any]:
    """The attributes of a function's configuration, as ``desired.function_attrs`` states them."""
    return {
        "runtime": config.get("Runtime"),
        "handler": config.get("Handler"),
        "memory_mb": config.get("MemorySize"),
        "timeout_s": config.get("Timeout"),
        "architecture": (config.get("Architectures") or ["x86_64"])[0],
        "environment": dict(sorted((config.get("Environment") or {}).get("Variables", {}).items())),
        "role": config.get("Role"),
        "tracing": (config.get("TracingConfig") or {}).get("Mode", "PassThrough"),
        "code_sha256": config.get("CodeSha256"),
    }


def read_log_group(clients: Clients, name: str) -> dict[str, Any] | None:
    pages = clients.logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name)
    for page in pages:
        for group in page.get("logGroups", []):
            if group["logGroupName"] == name:
                return {"retention_days": group.get("retentionInDays")}
    return None


def read_function(clients: Clients, names: Names, function: str, state: CurrentState) -> None:
    fn = names.function(function)
    res = state.resources
    group = names.function_log_group(function)
    if (attrs := read_log_group(clients, group)) is not None:
        res[("log_group", group)] = attrs
    role = names.role(function)
    got = _or_none(clients.iam.get_role, RoleName=role)
    if got is not None:
        res[("iam_role", role)] = {
            "assume_role_policy": _policy_doc(got["Role"]["AssumeRolePolicyDocument"])
        }
        policy = _or_none(clients.iam.get_role_policy, RoleName=role, PolicyName=POLICY_NAME)
        if policy is not None:
            res[("iam_policy", f"{role}/{POLICY_NAME}")] = {
                "document": _policy_doc(policy["PolicyDocument"])
            }
    config = _or_none(clients.lambda_.get_function_configuration, FunctionName=fn)
    if config is None:
        return
    concurrency = clients.lambda_.get_function_concurrency(FunctionName=fn)
    res[("lambda_function", fn)] = {
        **version_attrs(config),
        "reserved_concurrency": concurrency.get("ReservedConcurrentExecutions"),
    }
    alias = _or_none(clients.lambda_.get_alias, FunctionName=fn, Name=ALIAS)
    if alias is None:
        return
    version = str(alias["FunctionVersion"])
    state.alias_versions[fn] = version
    at_version = clients.lambda_.get_function_configuration(FunctionName=fn, Qualifier=version)
    res[("lambda_alias", f"{fn}:{ALIAS}")] = version_attrs(at_version)
    provisioned = _or_none(
        clients.lambda_.get_provisioned_concurrency_config, FunctionName=fn, Qualifier=ALIAS
    )
    if provisioned is not None:
        res[("lambda_provisioned_concurrency", f"{fn}:{ALIAS}")] = {
            "executions": provisioned.get("RequestedProvisionedConcurrentExecutions")
        }
    event_config = _or_none(
        clients.lambda_.get_function_event_invoke_config, FunctionName=fn, Qualifier=ALIAS
    )
    if event_config is not None:
        failure = event_config.get("DestinationConfig", {}).get("OnFailure", {})
        res[("lambda_event_invoke_config", f"{fn}:{ALIAS}")] = {
            "max_retry_attempts": event_config.get("MaximumRetryAttempts"),
            "max_event_age_s": event_config.get("MaximumEventAgeInSeconds"),
            "on_failure": failure.get("Destination") or None,
        }
    policy = _or_none(clients.lambda_.get_policy, FunctionName=fn, Qualifier=ALIAS)
    if policy is not None:
        for statement in json.loads(policy["Policy"]).get("Statement", []):
            if statement.get("Sid") != names.permission_statement_id:
                continue
            principal = statement.get("Principal", {})
            condition = statement.get("Condition", {}).get("ArnLike", {})
            res[("lambda_permission", f"{fn}:{ALIAS}/{names.permission_statement_id}")] = {
                "action": statement.get("Action"),
                "principal": principal.get("Service") if isinstance(principal, dict) else principal,
                "source_arn": condition.get("AWS:SourceArn"),
            }


def _pages(call: Any, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Items of an apigatewayv2 list call (NextToken pagination)."""
    token = None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        yield from page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return


def find_api_id(clients: Clients, api_name: str) -> str | None:
    found = [a for a in _pages(clients.apigw.get_apis, "Items") if a.get("Name") == api_name]
    if len(found) > 1:
        ids = ", ".join(a["ApiId"] for a in found)
        raise AwsError(f"several HTTP APIs are named {api_name!r} ({ids}); delete the extra ones")
    return str(found[0]["ApiId"]) if found else None


def read_api(clients: Clients, names: Names, stage_name: str, state: CurrentState) -> str | None:
    """Read the API, its integrations, routes and stage into ``state``; return the API id."""
    res = state.resources
    group = names.access_log_group
    if (attrs := read_log_group(clients, group)) is not None:
        res[("log_group", group)] = attrs
    api_id = find_api_id(clients, names.api)
    if api_id is None:
        return None
    res[("apigw_api", names.api)] = {"protocol": "HTTP"}
    by_id: dict[str, str] = {}
    for item in _pages(clients.apigw.get_integrations, "Items", ApiId=api_id):
        name = f"{item['IntegrationType']} {item.get('IntegrationUri', '')}"
        if name in state.integration_ids:  # a duplicate target: surplus, to delete
            name = f"{name} (duplicate {item['IntegrationId']})"
        state.integration_ids[name] = item["IntegrationId"]
        by_id[item["IntegrationId"]] = name
        res[("apigw_integration", name)] = {
            "type": item["IntegrationType"],
            "uri": item.get("IntegrationUri"),
            "method": item.get("IntegrationMethod"),
            "payload_format_version": item.get("PayloadFormatVersion"),
            "timeout_ms": item.get("TimeoutInMillis"),
        }
    for item in _pages(clients.apigw.get_routes, "Items", ApiId=api_id):
        target = str(item.get("Target", ""))
        integration_id = target.removeprefix("integrations/")
        state.route_ids[item["RouteKey"]] = item["RouteId"]
        res[("apigw_route", item["RouteKey"])] = {
            "integration": by_id.get(integration_id, target or None)
        }
    stage = _or_none(clients.apigw.get_stage, ApiId=api_id, StageName=stage_name)
    if stage is not None:
        res[("apigw_stage", stage_name)] = stage_attrs_from(stage)
    return api_id


def _throttle_from(settings: dict[str, Any] | None) -> dict[str, Any] | None:
    if not settings or "ThrottlingRateLimit" not in settings:
        return None
    return {
        "rate": float(settings["ThrottlingRateLimit"]),
        "burst": int(settings.get("ThrottlingBurstLimit", 0)),
    }


def stage_attrs_from(stage: dict[str, Any]) -> dict[str, Any]:
    route_throttles = {}
    for key, settings in sorted((stage.get("RouteSettings") or {}).items()):
        throttle = _throttle_from(settings)
        if throttle is not None:
            route_throttles[key] = throttle
    access = stage.get("AccessLogSettings") or {}
    return {
        "auto_deploy": bool(stage.get("AutoDeploy", False)),
        "default_throttle": _throttle_from(stage.get("DefaultRouteSettings")),
        "route_throttles": route_throttles,
        "access_log_destination": access.get("DestinationArn"),
        "access_log_format": access.get("Format"),
    }


def read_current(
    clients: Clients, names: Names, functions: Sequence[str], stage_name: str
) -> CurrentState:
    """Everything the deployer manages for ``functions`` (names as in strangler.toml)."""
    state = CurrentState()
    try:
        for function in functions:
            read_function(clients, names, function, state)
        api_id = read_api(clients, names, stage_name, state)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise AwsError(f"reading the current state failed: {exc}") from exc
    return CurrentState(
        resources=state.resources,
        api_id=api_id,
        integration_ids=state.integration_ids,
        route_ids=state.route_ids,
        alias_versions=state.alias_versions,
    )
