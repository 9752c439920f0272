"""What Lambda behind API Gateway costs: pure arithmetic over ``Prices``."""

from __future__ import annotations

from loadtests.cost.prices import ApiKind, Architecture, Prices
from loadtests.cost.units import MB_PER_GB, SECONDS_PER_MONTH, check_rps, requests_per_month

LAMBDA_MEMORY_MB = (128, 10_240)  # the range Lambda accepts


def memory_gb(memory_mb: float) -> float:
    low, high = LAMBDA_MEMORY_MB
    if not low <= memory_mb <= high:
        raise ValueError(f"memory_mb: {memory_mb} is outside Lambda's {low}-{high} MB")
    return memory_mb / MB_PER_GB


def lambda_cost_per_million(
    prices: Prices, *, memory_mb: float, architecture: Architecture, mean_billed_ms: float
) -> float:
    """USD per 1M on-demand invocations: GB-s charge plus request charge.

    ``mean_billed_ms`` is the mean of REPORT lines' Billed Duration, which already counts the
    INIT phase on cold invokes (billed since 2025-08-01), spread over all requests.
    """
    if mean_billed_ms < 0:
        raise ValueError(f"mean_billed_ms: must be >= 0, got {mean_billed_ms}")
    gb_s_per_million = memory_gb(memory_mb) * (mean_billed_ms / 1000.0) * 1e6
    rates = prices.aws_lambda
    return (
        gb_s_per_million * rates.duration_usd_per_gb_s.of(architecture)
        + rates.requests_usd_per_million
    )


def provisioned_cost_per_month(
    prices: Prices,
    *,
    memory_mb: float,
    architecture: Architecture,
    provisioned: int,
    executed_gb_s_per_month: float,
) -> float:
    """USD a month for ``provisioned`` environments kept warm all month, plus their duration.

    Requests are billed on top at the usual per-request price; invocations beyond the
    provisioned environments run on demand at the on-demand rates.
    """
    if provisioned < 0 or executed_gb_s_per_month < 0:
        raise ValueError("provisioned and executed_gb_s_per_month must be >= 0")
    rates = prices.aws_lambda
    configured_gb_s = memory_gb(memory_mb) * provisioned * SECONDS_PER_MONTH
    configured = configured_gb_s * rates.provisioned_usd_per_gb_s.of(architecture)
    executed = executed_gb_s_per_month * rates.provisioned_duration_usd_per_gb_s.of(architecture)
    return configured + executed


def api_gateway_cost_per_million(prices: Prices, kind: ApiKind) -> float:
    if kind == "http":
        return prices.api_gateway.http_usd_per_million
    if kind == "rest":
        return prices.api_gateway.rest_usd_per_million
    raise ValueError(f"api: {kind!r} is not 'http' or 'rest'")


def monthly_cost_lambda(
    prices: Prices,
    rps: float,
    *,
    memory_mb: float,
    architecture: Architecture,
    mean_billed_ms: float,
    api: ApiKind = "http",
) -> float:
    """USD a month for Lambda behind API Gateway at a steady ``rps``."""
    check_rps(rps)
    per_million = lambda_cost_per_million(
        prices, memory_mb=memory_mb, architecture=architecture, mean_billed_ms=mean_billed_ms
    ) + api_gateway_cost_per_million(prices, api)
    return requests_per_month(rps) / 1e6 * per_million
