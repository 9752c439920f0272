"""Plan and apply with boto3: the only module that changes anything on AWS.

``plan`` reads the current state and diffs it against the desired one; ``apply`` executes that
diff in dependency order (``resources.KINDS``), creating the API first when it is missing so that
the permission's SourceArn can name its id. Every step is idempotent: a second ``apply`` finds
nothing to change. Route moves (``migrate_route_aws`` / ``rollback_route_aws``) change only the
routes of one move and the integrations they need or free.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions

from infra.aws.desired import (
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_STAGE_NAME,
    DeployInputs,
    DesiredState,
    code_sha256,
    desired_state,
    route_resources,
)
from infra.aws.errors import ApplyError, AwsError, NotDeployedError
from infra.aws.naming import ALIAS, Names
from infra.aws.plan import Change, diff, route_diff
from infra.aws.reader import CurrentState, error_code, read_current
from infra.aws.resources import KINDS, Resource
from infra.aws.session import Clients
from strangler_core.config import FunctionConfig
from strangler_core.routes import RouteTable

Sleep = Callable[[float], None]
Progress = Callable[[str], None]

WAIT_ATTEMPTS = 90
WAIT_INTERVAL_S = 2.0
ROLE_PROPAGATION_ATTEMPTS = 15


@dataclass(frozen=True)
class DeploySpec:
    """What to deploy: the route table, the functions and their built zips, where, and how."""

    table: RouteTable
    functions: tuple[FunctionConfig, ...]
    zips: Mapping[str, Path]
    """Function name (as in strangler.toml) -> deployment zip (``serverless.package.build_zip``)."""
    names: Names
    monolith_url: str
    stage_name: str = DEFAULT_STAGE_NAME
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS


@dataclass
class _Run:
    """Mutable bookkeeping of one apply: ids learned as resources are read or created."""

    clients: Clients
    spec: DeploySpec
    zips: dict[str, bytes]
    current: CurrentState
    sleep: Sleep
    progress: Progress
    api_id: str | None = None
    integration_ids: dict[str, str] = field(default_factory=dict)
    route_ids: dict[str, str] = field(default_factory=dict)


def read_zips(spec: DeploySpec) -> dict[str, bytes]:
    out = {}
    for function in spec.functions:
        path = spec.zips.get(function.name)
        if path is None:
            raise AwsError(f"no deployment zip for function {function.name!r}")
        try:
            out[function.name] = Path(path).read_bytes()
        except OSError as exc:
            raise AwsError(f"cannot read deployment zip {path}: {exc.strerror}") from None
    return out


def _inputs(
    clients: Clients, spec: DeploySpec, zips: Mapping[str, bytes], api_id: str | None
) -> DeployInputs:
    return DeployInputs(
        names=spec.names,
        region=clients.region,
        account=clients.account,
        monolith_url=spec.monolith_url,
        code_sha256={name: code_sha256(data) for name, data in zips.items()},
        api_id=api_id,
        stage_name=spec.stage_name,
        log_retention_days=spec.log_retention_days,
    )


def _read(clients: Clients, spec: DeploySpec) -> CurrentState:
    return read_current(clients, spec.names, [f.name for f in spec.functions], spec.stage_name)


def _desired(
    clients: Clients, spec: DeploySpec, zips: Mapping[str, bytes], api_id: str | None
) -> DesiredState:
    return desired_state(spec.table, spec.functions, _inputs(clients, spec, zips, api_id))


def plan(clients: Clients, spec: DeploySpec) -> list[Change]:
    """What ``apply`` would do, changing nothing."""
    zips = read_zips(spec)
    current = _read(clients, spec)
    return diff(current.resources, _desired(clients, spec, zips, current.api_id).resources)


def apply(
    clients: Clients,
    spec: DeploySpec,
    *,
    sleep: Sleep = time.sleep,
    progress: Progress = lambda _message: None,
) -> list[Change]:
    """Make AWS match ``spec``; return the changes made (noops included)."""
    zips = read_zips(spec)
    current = _read(clients, spec)
    desired = _desired(clients, spec, zips, current.api_id)
    first_kinds = KINDS[: KINDS.index("apigw_api") + 1]
    first = diff(
        {k: v for k, v in current.resources.items() if k[0] in first_kinds},
        [r for r in desired.resources if r.kind in first_kinds],
    )
    run = _Run(clients, spec, zips, current, sleep, progress, api_id=current.api_id)
    _execute(run, first, desired)
    # the rest needs the API's id (the permission's SourceArn): read again and plan with it
    current = _read(clients, spec)
    desired = _desired(clients, spec, zips, current.api_id)
    rest = diff(
        {k: v for k, v in current.resources.items() if k[0] not in first_kinds},
        [r for r in desired.resources if r.kind not in first_kinds],
    )
    run = _Run(
        clients,
        spec,
        zips,
        current,
        sleep,
        progress,
        api_id=current.api_id,
        integration_ids=dict(current.integration_ids),
        route_ids=dict(current.route_ids),
    )
    _execute(run, rest, desired)
    return [*first, *rest]


# -- route moves --------------------------------------------------------------------------


def plan_route_change(
    clients: Clients, spec: DeploySpec, route_keys: Sequence[str]
) -> list[Change]:
    """The changes that make ``route_keys`` on the deployed API match ``spec.table``."""
    return _route_change(clients, spec, route_keys)[0]


def migrate_route_aws(
    clients: Clients,
    spec: DeploySpec,
    route_keys: Sequence[str],
    *,
    progress: Progress = lambda _message: None,
) -> list[Change]:
    """Point ``route_keys`` at their function's ``live`` alias, as ``spec.table`` (the table
    after ``route_moves.apply_move``) says; return what changed on AWS."""
    return _sync_routes(clients, spec, route_keys, progress)


def rollback_route_aws(
    clients: Clients,
    spec: DeploySpec,
    route_keys: Sequence[str],
    *,
    progress: Progress = lambda _message: None,
) -> list[Change]:
    """Put ``route_keys`` back as ``spec.table`` (after ``route_moves.restore``) has them: a key
    absent from the table is deleted, so its requests fall to the ``$default`` passthrough."""
    return _sync_routes(clients, spec, route_keys, progress)


def _route_change(
    clients: Clients, spec: DeploySpec, route_keys: Sequence[str]
) -> tuple[list[Change], CurrentState, list[Resource]]:
    current = _read(clients, spec)
    if current.api_id is None:
        raise NotDeployedError(
            f"HTTP API {spec.names.api!r} is not deployed in {clients.region}; run "
            "`strangler deploy --apply` first"
        )
    inputs = _inputs(clients, spec, {f.name: b"" for f in spec.functions}, current.api_id)
    wanted = route_resources(spec.table, inputs, spec.functions)
    for key in route_keys:
        route = spec.table.route(key)
        if route is None or route.integration.type != "AWS_PROXY":
            continue
        fn = spec.names.function(route.integration.function or "")
        permission = f"{fn}:{ALIAS}/{spec.names.permission_statement_id}"
        missing = [
            what
            for what, resource in (
                ("alias", ("lambda_alias", f"{fn}:{ALIAS}")),
                ("invoke permission", ("lambda_permission", permission)),
            )
            if resource not in current.resources
        ]
        if missing:
            raise NotDeployedError(
                f"function {fn!r} has no {' or '.join(missing)} on AWS; run "
                "`strangler deploy --apply` before moving routes to it"
            )
    return route_diff(current.resources, wanted, route_keys), current, wanted


def _sync_routes(
    clients: Clients, spec: DeploySpec, route_keys: Sequence[str], progress: Progress
) -> list[Change]:
    changes, current, wanted = _route_change(clients, spec, route_keys)
    run = _Run(
        clients,
        spec,
        {},
        current,
        time.sleep,
        progress,
        api_id=current.api_id,
        integration_ids=dict(current.integration_ids),
        route_ids=dict(current.route_ids),
    )
    _execute(run, changes, DesiredState(tuple(wanted)))
    return changes


# -- execution ----------------------------------------------------------------------------


def _execute(run: _Run, changes: Sequence[Change], desired: DesiredState) -> None:
    for change in changes:
        if change.action == "noop":
            continue
        resource = desired.get(change.resource, change.name)
        attrs: Mapping[str, Any] = resource.attrs if resource is not None else {}
        run.progress(f"{change.action} {change.resource} {change.name}")
        handler = _HANDLERS[change.resource]
        try:
            handler(run, change, attrs)
        except botocore.exceptions.ClientError as exc:
            raise ApplyError(
                f"{change.action} {change.resource} {change.name} failed: {exc}; the changes "
                "before it are applied, run plan to see what is left"
            ) from exc


def _log_group(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    logs = run.clients.logs
    if change.action == "delete":
        logs.delete_log_group(logGroupName=change.name)
        return
    if change.action == "create":
        logs.create_log_group(logGroupName=change.name)
    if attrs.get("retention_days"):
        logs.put_retention_policy(logGroupName=change.name, retentionInDays=attrs["retention_days"])


def _role(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    iam = run.clients.iam
    document = json.dumps(attrs.get("assume_role_policy"))
    if change.action == "create":
        iam.create_role(
            RoleName=change.name,
            AssumeRolePolicyDocument=document,
            Description="Lambda execution role managed by strangler",
        )
    elif change.action == "update":
        iam.update_assume_role_policy(RoleName=change.name, PolicyDocument=document)
    else:
        iam.delete_role(RoleName=change.name)


def _policy(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    role, _, policy = change.name.partition("/")
    if change.action == "delete":
        run.clients.iam.delete_role_policy(RoleName=role, PolicyName=policy)
        return
    run.clients.iam.put_role_policy(
        RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(attrs["document"])
    )


def _function_name(run: _Run, name: str) -> str:
    """The strangler.toml name of deployed function ``name``."""
    for function in run.spec.functions:
        if run.spec.names.function(function.name) == name:
            return function.name
    raise AwsError(f"function {name!r} is not declared")


def _configuration(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "Role": attrs["role"],
        "Handler": attrs["handler"],
        "Runtime": attrs["runtime"],
        "MemorySize": attrs["memory_mb"],
        "Timeout": attrs["timeout_s"],
        "Environment": {"Variables": dict(attrs["environment"])},
        "TracingConfig": {"Mode": attrs["tracing"]},
    }


def _wait_ready(run: _Run, name: str, qualifier: str | None = None) -> None:
    """Until the function is Active and its last update done (Lambda refuses changes before)."""
    kwargs = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}
    for _ in range(WAIT_ATTEMPTS):
        config = run.clients.lambda_.get_function_configuration(**kwargs)
        state, update = config.get("State", "Active"), config.get("LastUpdateStatus")
        if state == "Failed" or update == "Failed":
            reason = config.get("StateReason") or config.get("LastUpdateStatusReason") or "?"
            raise ApplyError(f"function {name} failed to become ready: {reason}")
        if state == "Active" and update in (None, "Successful"):
            return
        run.sleep(WAIT_INTERVAL_S)
    raise ApplyError(f"function {name} was not ready after {WAIT_ATTEMPTS * WAIT_INTERVAL_S:.0f} s")


def _create_function(run: _Run, name: str, attrs: Mapping[str, Any], code: bytes) -> None:
    for attempt in range(ROLE_PROPAGATION_ATTEMPTS):
        try:
            run.clients.lambda_.create_function(
                FunctionName=name,
                PackageType="Zip",
                Code={"ZipFile": code},
                Architectures=[attrs["architecture"]],
                Publish=False,
                **_configuration(attrs),
            )
            return
        except botocore.exceptions.ClientError as exc:
            # a new IAM role takes a few seconds before Lambda can assume it
            propagating = error_code(exc) == "InvalidParameterValueException" and (
                "assume" in str(exc) or "role" in str(exc).lower()
            )
            if not propagating or attempt == ROLE_PROPAGATION_ATTEMPTS - 1:
                raise
            run.progress("waiting for the new IAM role to propagate")
            run.sleep(WAIT_INTERVAL_S * (attempt + 1))


def _function(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    lam = run.clients.lambda_
    name = change.name
    if change.action == "delete":
        lam.delete_function(FunctionName=name)
        return
    code = run.zips[_function_name(run, name)]
    have = run.current.resources.get(("lambda_function", name), {})
    if change.action == "create":
        _create_function(run, name, attrs, code)
        _wait_ready(run, name)
    else:
        if (
            have.get("code_sha256") != attrs["code_sha256"]
            or have.get("architecture") != attrs["architecture"]
        ):
            lam.update_function_code(
                FunctionName=name, ZipFile=code, Architectures=[attrs["architecture"]]
            )
            _wait_ready(run, name)
        config_keys = (
            "runtime",
            "handler",
            "memory_mb",
            "timeout_s",
            "environment",
            "role",
            "tracing",
        )
        if any(have.get(k) != attrs[k] for k in config_keys):
            lam.update_function_configuration(FunctionName=name, **_configuration(attrs))
            _wait_ready(run, name)
    reserved = attrs.get("reserved_concurrency")
    if have.get("reserved_concurrency") != reserved:
        if reserved is None:
            lam.delete_function_concurrency(FunctionName=name)
        else:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)


def _alias(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    lam = run.clients.lambda_
    name, _, alias = change.name.rpartition(":")
    if change.action == "delete":
        lam.delete_alias(FunctionName=name, Name=alias)
        return
    _wait_ready(run, name)
    # publishes $LATEST as a new version, or returns the latest version when nothing changed
    version = str(lam.publish_version(FunctionName=name)["Version"])
    _wait_ready(run, name, version)
    if change.action == "create":
        lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
    else:
        lam.update_alias(FunctionName=name, Name=alias, FunctionVersion=version)


def _provisioned(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    name, _, alias = change.name.rpartition(":")
    if change.action == "delete":
        run.clients.lambda_.delete_provisioned_concurrency_config(
            FunctionName=name, Qualifier=alias
        )
        return
    run.clients.lambda_.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=alias, ProvisionedConcurrentExecutions=attrs["executions"]
    )


def _event_invoke_config(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    name, _, alias = change.name.rpartition(":")
    lam = run.clients.lambda_
    if change.action == "delete":
        lam.delete_function_event_invoke_config(FunctionName=name, Qualifier=alias)
        return
    failure = attrs["on_failure"]
    lam.put_function_event_invoke_config(
        FunctionName=name,
        Qualifier=alias,
        MaximumRetryAttempts=attrs["max_retry_attempts"],
        MaximumEventAgeInSeconds=attrs["max_event_age_s"],
        DestinationConfig={"OnFailure": {"Destination": failure}} if failure else {},
    )


def _api(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    if change.action == "create":
        created = run.clients.apigw.create_api(Name=change.name, ProtocolType=attrs["protocol"])
        run.api_id = str(created["ApiId"])
    elif change.action == "delete":
        raise ApplyError(f"refusing to delete API {change.name}; delete it by hand")
    # protocol is the only attribute, and it cannot change (an HTTP API stays one)


def _permission(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    lam = run.clients.lambda_
    qualified, _, statement_id = change.name.partition("/")
    name, _, alias = qualified.rpartition(":")
    if change.action in ("update", "delete"):
        lam.remove_permission(FunctionName=name, Qualifier=alias, StatementId=statement_id)
    if change.action in ("create", "update"):
        lam.add_permission(
            FunctionName=name,
            Qualifier=alias,
            StatementId=statement_id,
            Action=attrs["action"],
            Principal=attrs["principal"],
            SourceArn=attrs["source_arn"],
        )


def _require_api(run: _Run) -> str:
    if run.api_id is None:
        raise ApplyError("the HTTP API does not exist yet")
    return run.api_id


def _integration(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    apigw, api_id = run.clients.apigw, _require_api(run)
    if change.action == "delete":
        apigw.delete_integration(ApiId=api_id, IntegrationId=run.integration_ids[change.name])
        return
    params = {
        "IntegrationType": attrs["type"],
        "IntegrationUri": attrs["uri"],
        "IntegrationMethod": attrs["method"],
        "PayloadFormatVersion": attrs["payload_format_version"],
        "TimeoutInMillis": attrs["timeout_ms"],
    }
    if change.action == "create":
        created = apigw.create_integration(ApiId=api_id, **params)
        run.integration_ids[change.name] = str(created["IntegrationId"])
    else:
        apigw.update_integration(
            ApiId=api_id, IntegrationId=run.integration_ids[change.name], **params
        )


def _route(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    apigw, api_id = run.clients.apigw, _require_api(run)
    if change.action == "delete":
        apigw.delete_route(ApiId=api_id, RouteId=run.route_ids[change.name])
        return
    target = f"integrations/{run.integration_ids[attrs['integration']]}"
    if change.action == "create":
        created = apigw.create_route(ApiId=api_id, RouteKey=change.name, Target=target)
        run.route_ids[change.name] = str(created["RouteId"])
    else:
        apigw.update_route(ApiId=api_id, RouteId=run.route_ids[change.name], Target=target)


def _stage(run: _Run, change: Change, attrs: Mapping[str, Any]) -> None:
    apigw, api_id = run.clients.apigw, _require_api(run)
    if change.action == "delete":
        apigw.delete_stage(ApiId=api_id, StageName=change.name)
        return
    params = stage_parameters(attrs)
    if change.action == "create":
        apigw.create_stage(ApiId=api_id, StageName=change.name, **params)
        return
    have = run.current.resources.get(("apigw_stage", change.name), {})
    for route_key in sorted(set(have.get("route_throttles") or {}) - set(attrs["route_throttles"])):
        apigw.delete_route_settings(ApiId=api_id, StageName=change.name, RouteKey=route_key)
    apigw.update_stage(ApiId=api_id, StageName=change.name, **params)


def stage_parameters(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """create_stage / update_stage parameters from the stage's desired attributes."""

    def settings(throttle: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ThrottlingRateLimit": float(throttle["rate"]),
            "ThrottlingBurstLimit": int(throttle["burst"]),
        }

    return {
        "AutoDeploy": attrs["auto_deploy"],
        "DefaultRouteSettings": settings(attrs["default_throttle"]),
        "RouteSettings": {k: settings(v) for k, v in attrs["route_throttles"].items()},
        "AccessLogSettings": {
            "DestinationArn": attrs["access_log_destination"],
            "Format": attrs["access_log_format"],
        },
    }


_HANDLERS: dict[str, Callable[[_Run, Change, Mapping[str, Any]], None]] = {
    "log_group": _log_group,
    "iam_role": _role,
    "iam_policy": _policy,
    "lambda_function": _function,
    "lambda_alias": _alias,
    "lambda_provisioned_concurrency": _provisioned,
    "lambda_event_invoke_config": _event_invoke_config,
    "apigw_api": _api,
    "lambda_permission": _permission,
    "apigw_integration": _integration,
    "apigw_route": _route,
    "apigw_stage": _stage,
}

__all__ = [
    "DeploySpec",
    "apply",
    "migrate_route_aws",
    "plan",
    "plan_route_change",
    "read_zips",
    "rollback_route_aws",
]
