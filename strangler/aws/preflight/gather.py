"""The inputs of a preflight, gathered from a run's report, strangler.toml and the route table,
or the live account (best effort): the only part that reads anything."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strangler.aws.preflight.limits import INSTANCE_MEMORY_GIB, PreflightError
from strangler.aws.preflight.model import PreflightInputs
from strangler_core.config import Config
from strangler_core.routes import RouteTable, Throttle


def mean_duration_from_report(report: Mapping[str, Any]) -> tuple[float, str]:
    """Seconds per invocation from a run's report.json, and where the number came from:
    billed ms per invocation (REPORT records), else the Lambda path's client latency p50."""
    path = (report.get("paths") or {}).get("lambda") or {}
    total, invocations = path.get("billed_ms_total"), path.get("invocations")
    if isinstance(total, int | float) and isinstance(invocations, int) and invocations > 0:
        return total / invocations / 1000, f"report: billed_ms_total / {invocations} invocations"
    mean = path.get("billed_ms_mean")
    if isinstance(mean, int | float) and mean > 0:
        return mean / 1000, "report: billed_ms_mean"
    p50 = (path.get("latency_ms") or {}).get("p50")
    if isinstance(p50, int | float) and p50 > 0:
        return p50 / 1000, "report: Lambda path latency p50 (includes the gateway)"
    raise PreflightError(
        "report.json has no Lambda durations (paths.lambda.billed_ms_total / invocations or "
        "latency_ms.p50); give the mean duration instead"
    )


def inputs_from_config(
    config: Config,
    *,
    peak_rps: float,
    mean_duration_s: float,
    duration_source: str = "given",
    function: str | None = None,
    table: RouteTable | None = None,
    monolith_instances: int = 1,
    ramp_s: float | None = None,
    db_instance_class: str | None = None,
) -> PreflightInputs:
    """Inputs from strangler.toml (the function, the monolith fleet, the database) and the route
    table's throttles. The monolith holds one connection per worker thread per instance."""
    chosen = config.function(function) if function else (config.functions or (None,))[0]
    if function and chosen is None:
        raise PreflightError(f"no function {function!r} in [[functions]]")
    return PreflightInputs(
        peak_rps=peak_rps,
        mean_duration_s=mean_duration_s,
        duration_source=duration_source,
        reserved_concurrency=chosen.reserved_concurrency if chosen else None,
        provisioned_concurrency=chosen.provisioned_concurrency if chosen else 0,
        account_concurrency=config.lambda_service.account_concurrency,
        ramp_s=ramp_s,
        db_max_connections=None if db_instance_class else config.database.max_connections,
        db_instance_class=db_instance_class,
        monolith_connections=config.monolith.workers * config.monolith.threads * monolith_instances,
        stage_throttle=table.throttling.stage if table else None,
        route_throttles=dict(table.throttling.routes) if table else {},
    )


def inputs_from_aws(
    session: Any,
    names: Any,
    *,
    function: str,
    peak_rps: float,
    mean_duration_s: float,
    duration_source: str = "given",
    stage_name: str = "$default",
    db_instance_id: str | None = None,
    monolith_connections: int = 0,
    ramp_s: float | None = None,
) -> tuple[PreflightInputs, list[str]]:
    """Inputs from the live account (best effort) and notes on what could not be read.

    ``session`` is a boto3 session (``infra.aws.session.make_session``), ``names`` an
    ``infra.aws.naming.Names``; ``function`` the name in strangler.toml. Reads the account's
    concurrency limit, the function's reserved and provisioned concurrency, the stage's
    throttles, and the database's class and ``max_connections`` (from its parameter group when
    set there as a number, else RDS's default formula for its class).
    """
    import botocore.exceptions

    notes: list[str] = []
    values: dict[str, Any] = {}
    deployed = names.function(function)

    def attempt(what: str, call: Any) -> Any:
        try:
            return call()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
            notes.append(f"could not read {what} ({code}); using the default")
            return None

    lam = session.client("lambda")
    settings = attempt("Lambda account settings", lam.get_account_settings)
    if settings:
        values["account_concurrency"] = int(settings["AccountLimit"]["ConcurrentExecutions"])
    concurrency = attempt(
        f"reserved concurrency of {deployed}",
        lambda: lam.get_function_concurrency(FunctionName=deployed),
    )
    if concurrency and "ReservedConcurrentExecutions" in concurrency:
        values["reserved_concurrency"] = int(concurrency["ReservedConcurrentExecutions"])
    provisioned = attempt(
        f"provisioned concurrency of {deployed}:live",
        lambda: lam.get_provisioned_concurrency_config(FunctionName=deployed, Qualifier="live"),
    )
    if provisioned:
        values["provisioned_concurrency"] = int(
            provisioned.get("AllocatedProvisionedConcurrentExecutions")
            or provisioned.get("RequestedProvisionedConcurrentExecutions")
            or 0
        )

    apigw = session.client("apigatewayv2")
    apis = attempt("HTTP APIs", apigw.get_apis)
    api = next((a for a in (apis or {}).get("Items", []) if a.get("Name") == names.api), None)
    if apis is not None and api is None:
        notes.append(f"HTTP API {names.api} not found; stage throttles unknown")
    if api is not None:
        stage = attempt(
            f"stage {stage_name}",
            lambda: apigw.get_stage(ApiId=api["ApiId"], StageName=stage_name),
        )
        if stage:
            values["stage_throttle"] = _throttle_of(stage.get("DefaultRouteSettings"))
            values["route_throttles"] = {
                key: t
                for key, s in (stage.get("RouteSettings") or {}).items()
                if (t := _throttle_of(s)) is not None
            }

    if db_instance_id:
        rds = session.client("rds")
        found = attempt(
            f"DB instance {db_instance_id}",
            lambda: rds.describe_db_instances(DBInstanceIdentifier=db_instance_id),
        )
        if found and found.get("DBInstances"):
            instance = found["DBInstances"][0]
            instance_class = instance.get("DBInstanceClass")
            if instance_class in INSTANCE_MEMORY_GIB:
                values["db_instance_class"] = instance_class
            else:
                notes.append(f"instance class {instance_class} is not in the memory table")
            for group in instance.get("DBParameterGroups", []):
                value = _max_connections_in(rds, group["DBParameterGroupName"], attempt)
                if value is not None:
                    values["db_max_connections"] = value
    else:
        notes.append("no DB instance given: database connections unknown")

    inputs = PreflightInputs(
        peak_rps=peak_rps,
        mean_duration_s=mean_duration_s,
        duration_source=duration_source,
        monolith_connections=monolith_connections,
        ramp_s=ramp_s,
        **values,
    )
    return inputs, notes


def _throttle_of(settings: Mapping[str, Any] | None) -> Throttle | None:
    if not settings or settings.get("ThrottlingRateLimit") is None:
        return None
    return Throttle(
        rate=float(settings["ThrottlingRateLimit"]),
        burst=int(settings.get("ThrottlingBurstLimit") or 0),
    )


def _max_connections_in(rds: Any, group: str, attempt: Any) -> int | None:
    """A numeric max_connections set in the parameter group; None for the default formula."""

    def read() -> int | None:
        paginator = rds.get_paginator("describe_db_parameters")
        for page in paginator.paginate(DBParameterGroupName=group):
            for parameter in page.get("Parameters", []):
                if parameter.get("ParameterName") == "max_connections":
                    value = str(parameter.get("ParameterValue", ""))
                    return int(value) if value.isdigit() else None
        return None

    result: int | None = attempt(f"parameter group {group}", read)
    return result
