"""The checks: pure arithmetic from one event's inputs to pass / warn / fail with numbers."""

from __future__ import annotations

from collections.abc import Iterable

from strangler.aws.preflight.limits import (
    needed_concurrency,
    rds_default_max_connections,
    time_to_scale_s,
)
from strangler.aws.preflight.model import Check, PreflightInputs, Result

WARN_FRACTION = 0.8

ADVICE_LAMBDA_QUOTA = (
    "request a Lambda concurrent executions quota increase via Service Quotas; contact AWS "
    "support before a known large scaling event"
)


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
