"""Preflight for a known scaling event: will Lambda, the database and API Gateway keep up?

``preflight(inputs) -> list[Check]`` is pure arithmetic on the numbers of one event (its peak
requests per second and the function's measured mean duration) against the limits that stand in
the way, each check ``pass``, ``warn`` (above 80% of a limit) or ``fail``:

- **Lambda concurrency**: needed = peak rps x mean duration (s) (Little's law), against the
  function's reserved concurrency and the account's concurrency (default 1,000 per region).
- **Lambda scaling rate**: each function scales by 1,000 new execution environments every 10 s
  (beyond provisioned ones): the time to reach the needed concurrency from the warm ones.
- **Database connections**: one per sandbox (the container-lifetime connection policy) plus the
  monolith fleet's, against PostgreSQL's ``max_connections`` less superuser-reserved slots; RDS's
  default ``LEAST(DBInstanceClassMemory/9531392, 5000)`` when only the instance class is known.
- **API Gateway** account throttle (10,000 rps steady, 5,000 burst per region by default), the
  stage's default route throttle and per-route throttles.

Inputs come from strangler.toml and a run's report.json (``inputs_from_config``), or from the
live account (``inputs_from_aws``, best effort). ``exit_code``: 0 all pass, 1 a warning, 2 a
failure. Numbers and formulas: docs/aws.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from strangler.core.config import Config
from strangler.core.errors import StranglerError
from strangler.core.routes import RouteTable, Throttle

Result = Literal["pass", "warn", "fail"]

WARN_FRACTION = 0.8
DEFAULT_ACCOUNT_CONCURRENCY = 1_000
SCALE_PER_10S = 1_000
SCALE_PERIOD_S = 10.0
API_ACCOUNT_RATE = 10_000.0
API_ACCOUNT_BURST = 5_000
RDS_BYTES_PER_CONNECTION = 9_531_392
RDS_MAX_CONNECTIONS_CAP = 5_000
# RDS reserves part of an instance's memory for the OS and its own processes; the exact amount is
# not published. DBInstanceClassMemory is approximated as the class's memory less this fraction.
RDS_OS_RESERVED_FRACTION = 0.10
SUPERUSER_RESERVED_CONNECTIONS = 3  # PostgreSQL's superuser_reserved_connections default

INSTANCE_MEMORY_GIB: Mapping[str, float] = {
    "db.t3.micro": 1,
    "db.t3.small": 2,
    "db.t3.medium": 4,
    "db.t3.large": 8,
    "db.t3.xlarge": 16,
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.t4g.xlarge": 16,
    "db.m5.large": 8,
    "db.m5.xlarge": 16,
    "db.m5.2xlarge": 32,
    "db.m6g.large": 8,
    "db.m6g.xlarge": 16,
    "db.m6g.2xlarge": 32,
    "db.m6i.large": 8,
    "db.m6i.xlarge": 16,
    "db.m7g.large": 8,
    "db.m7g.xlarge": 16,
    "db.r5.large": 16,
    "db.r5.xlarge": 32,
    "db.r6g.large": 16,
    "db.r6g.xlarge": 32,
    "db.r6i.large": 16,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
}

ADVICE_LAMBDA_QUOTA = (
    "request a Lambda concurrent executions quota increase via Service Quotas; contact AWS "
    "support before a known large scaling event"
)


class PreflightError(StranglerError):
    """The inputs of a preflight are missing or invalid (no duration, unknown class, ...)."""

    exit_code = 2


@dataclass(frozen=True)
class Check:
    name: str
    result: Result
    numbers: str
    advice: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "result": self.result,
            "numbers": self.numbers,
            "advice": self.advice,
        }


@dataclass(frozen=True)
class PreflightInputs:
    peak_rps: float
    mean_duration_s: float
    duration_source: str = "given"
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0
    account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY
    scale_per_10s: int = SCALE_PER_10S
    ramp_s: float | None = None
    """Seconds the event takes to reach its peak; None: a step (from nothing to peak at once)."""
    db_max_connections: int | None = None
    db_instance_class: str | None = None
    db_reserved_connections: int = SUPERUSER_RESERVED_CONNECTIONS
    monolith_connections: int = 0
    api_account_rate: float = API_ACCOUNT_RATE
    api_account_burst: int = API_ACCOUNT_BURST
    stage_throttle: Throttle | None = None
    route_throttles: Mapping[str, Throttle] = field(default_factory=dict)
    route_peak_rps: Mapping[str, float] = field(default_factory=dict)
    """Peak rps per throttled route key when known; else the whole peak is assumed to hit it."""

    def __post_init__(self) -> None:
        if self.peak_rps <= 0:
            raise PreflightError("peak_rps must be a positive number of requests per second")
        if self.mean_duration_s <= 0:
            raise PreflightError("the mean duration must be positive (seconds)")


# -- pure arithmetic ------------------------------------------------------------------------


def needed_concurrency(peak_rps: float, mean_duration_s: float) -> int:
    """Little's law: requests in flight = arrival rate x time in the system."""
    return math.ceil(peak_rps * mean_duration_s)


def time_to_scale_s(needed: int, warm: int = 0, per_10s: int = SCALE_PER_10S) -> float:
    """Seconds until ``needed`` environments exist when ``warm`` are there at the start: up to
    ``per_10s`` new ones at once, then ``per_10s`` more every 10 seconds."""
    extra = max(0, needed - warm)
    if extra == 0:
        return 0.0
    return (math.ceil(extra / per_10s) - 1) * SCALE_PERIOD_S


def rds_instance_class_memory_bytes(instance_class: str) -> int:
    try:
        gib = INSTANCE_MEMORY_GIB[instance_class]
    except KeyError:
        known = ", ".join(sorted(INSTANCE_MEMORY_GIB))
        raise PreflightError(
            f"unknown instance class {instance_class!r}; give max_connections instead "
            f"(known classes: {known})"
        ) from None
    return int(gib * 1024**3 * (1 - RDS_OS_RESERVED_FRACTION))


def rds_default_max_connections(instance_class: str) -> int:
    """RDS PostgreSQL's default ``LEAST({DBInstanceClassMemory/9531392}, 5000)`` (approximate:
    see ``RDS_OS_RESERVED_FRACTION``)."""
    memory = rds_instance_class_memory_bytes(instance_class)
    return min(memory // RDS_BYTES_PER_CONNECTION, RDS_MAX_CONNECTIONS_CAP)


def _grade(used: float, limit: float) -> Result:
    if used > limit:
        return "fail"
    if used > WARN_FRACTION * limit:
        return "warn"
    return "pass"


def _pct(used: float, limit: float) -> str:
    return f"{100 * used / limit:.0f}%" if limit > 0 else "n/a"


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


# -- the checks -----------------------------------------------------------------------------


def check_lambda_concurrency(inputs: PreflightInputs) -> list[Check]:
    needed = needed_concurrency(inputs.peak_rps, inputs.mean_duration_s)
    basis = (
        f"needed {needed:,} = {_num(inputs.peak_rps)} rps x {inputs.mean_duration_s:.3f} s "
        f"({inputs.duration_source})"
    )
    checks = []
    if inputs.reserved_concurrency is not None:
        limit = inputs.reserved_concurrency
        result = _grade(needed, limit)
        checks.append(
            Check(
                "lambda reserved concurrency",
                result,
                f"{basis}; reserved {limit:,} ({_pct(needed, limit)})",
                ""
                if result == "pass"
                else "raise the function's reserved_concurrency in strangler.toml (it caps the "
                "function: requests above it are throttled, API Gateway answers 500), within "
                "the account's unreserved concurrency",
            )
        )
    limit = inputs.account_concurrency
    result = _grade(needed, limit)
    checks.append(
        Check(
            "lambda account concurrency",
            result,
            f"{basis}; account limit {limit:,} per region ({_pct(needed, limit)})",
            "" if result == "pass" else ADVICE_LAMBDA_QUOTA,
        )
    )
    return checks


def check_scaling_rate(inputs: PreflightInputs) -> Check:
    needed = needed_concurrency(inputs.peak_rps, inputs.mean_duration_s)
    warm = inputs.provisioned_concurrency
    seconds = time_to_scale_s(needed, warm, inputs.scale_per_10s)
    numbers = (
        f"{needed:,} environments needed, {warm:,} provisioned; at {inputs.scale_per_10s:,} new "
        f"per 10 s that takes {seconds:.0f} s"
    )
    advice = (
        "set provisioned_concurrency on the function (the alias `live`) ahead of the event, or "
        "ramp traffic up more slowly; " + ADVICE_LAMBDA_QUOTA
    )
    if inputs.ramp_s is None:
        result: Result = "pass" if seconds == 0 else "warn"
        numbers += "; the event is a step (no ramp given)"
    else:
        numbers += f"; the event ramps up over {inputs.ramp_s:.0f} s"
        result = "pass" if seconds <= inputs.ramp_s else "fail"
    return Check("lambda scaling rate", result, numbers, "" if result == "pass" else advice)


def db_max_connections(inputs: PreflightInputs) -> tuple[int, str] | None:
    if inputs.db_max_connections is not None:
        return inputs.db_max_connections, "max_connections"
    if inputs.db_instance_class is not None:
        value = rds_default_max_connections(inputs.db_instance_class)
        return value, f"RDS default for {inputs.db_instance_class} (approximate)"
    return None


def check_database(inputs: PreflightInputs) -> Check:
    lambda_side = needed_concurrency(inputs.peak_rps, inputs.mean_duration_s)
    if inputs.reserved_concurrency is not None:
        lambda_side = min(lambda_side, inputs.reserved_concurrency)
    needed = lambda_side + inputs.monolith_connections
    limit_and_source = db_max_connections(inputs)
    if limit_and_source is None:
        return Check(
            "database connections",
            "warn",
            f"needed {needed:,} (Lambda {lambda_side:,} + monolith "
            f"{inputs.monolith_connections:,}); max_connections unknown",
            "give the database's max_connections or its RDS instance class",
        )
    limit, source = limit_and_source
    usable = max(0, limit - inputs.db_reserved_connections)
    result = _grade(needed, usable)
    return Check(
        "database connections",
        result,
        f"needed {needed:,} = Lambda {lambda_side:,} (one per sandbox) + monolith "
        f"{inputs.monolith_connections:,}; usable {usable:,} = {source} {limit:,} - "
        f"{inputs.db_reserved_connections} reserved ({_pct(needed, usable)})",
        ""
        if result == "pass"
        else "put RDS Proxy (or PgBouncer) between the function and the database, cap the "
        "function with reserved_concurrency, or move to a larger instance class / raise "
        "max_connections in the DB parameter group",
    )


def check_api_gateway_account(inputs: PreflightInputs) -> Check:
    rate, burst = inputs.api_account_rate, inputs.api_account_burst
    result = _grade(inputs.peak_rps, rate)
    if result == "pass" and inputs.peak_rps > burst:
        result = "warn"  # a step to the peak drains the burst bucket before the rate refills it
    return Check(
        "api gateway account throttle",
        result,
        f"peak {_num(inputs.peak_rps)} rps; account {_num(rate)} rps steady, {burst:,} burst per "
        f"region ({_pct(inputs.peak_rps, rate)} of steady)",
        ""
        if result == "pass"
        else "request an API Gateway throttle quota increase (Service Quotas: 'Throttle rate') "
        "before the event; API Gateway answers 429 above it",
    )


def check_stage_throttle(inputs: PreflightInputs) -> Check:
    throttle = inputs.stage_throttle
    if throttle is None:
        return Check(
            "api gateway stage throttle",
            "pass",
            "no stage throttle: the account's limits apply",
        )
    result = _grade(inputs.peak_rps, throttle.rate)
    return Check(
        "api gateway stage throttle",
        result,
        f"peak {_num(inputs.peak_rps)} rps; stage default {_num(throttle.rate)} rps, "
        f"{throttle.burst:,} burst ({_pct(inputs.peak_rps, throttle.rate)})",
        ""
        if result == "pass"
        else "raise throttling.stage in the route table (then deploy) or API Gateway answers 429",
    )


def check_route_throttles(inputs: PreflightInputs) -> list[Check]:
    checks = []
    for key, throttle in sorted(inputs.route_throttles.items()):
        known = key in inputs.route_peak_rps
        rps = inputs.route_peak_rps.get(key, inputs.peak_rps)
        result = _grade(rps, throttle.rate)
        checks.append(
            Check(
                f"api gateway route throttle {key}",
                result,
                f"{'route peak' if known else 'peak (whole event assumed)'} {_num(rps)} rps; "
                f"route {_num(throttle.rate)} rps, {throttle.burst:,} burst "
                f"({_pct(rps, throttle.rate)})",
                ""
                if result == "pass"
                else f"raise throttling.routes[{key!r}] in the route table (then deploy)",
            )
        )
    return checks


def preflight(inputs: PreflightInputs) -> list[Check]:
    """Every check for the scaling event ``inputs`` describes."""
    return [
        *check_lambda_concurrency(inputs),
        check_scaling_rate(inputs),
        check_database(inputs),
        check_api_gateway_account(inputs),
        check_stage_throttle(inputs),
        *check_route_throttles(inputs),
    ]


def worst(checks: Iterable[Check]) -> Result:
    results = {c.result for c in checks}
    return "fail" if "fail" in results else "warn" if "warn" in results else "pass"


def exit_code(checks: Iterable[Check]) -> int:
    return {"pass": 0, "warn": 1, "fail": 2}[worst(checks)]


def render(checks: Iterable[Check]) -> str:
    """One block per check: result and name, the numbers, what to raise."""
    checks = list(checks)
    lines = []
    for check in checks:
        lines.append(f"[{check.result.upper():4}] {check.name}")
        lines.append(f"       {check.numbers}")
        if check.advice:
            lines.append(f"       -> {check.advice}")
    counts = {r: sum(c.result == r for c in checks) for r in ("pass", "warn", "fail")}
    lines.append(f"{counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail")
    return "\n".join(lines)


# -- inputs ---------------------------------------------------------------------------------


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
