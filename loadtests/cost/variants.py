"""What one variant of the function costs a month at a steady rate: pure arithmetic.

A variant is billed as AWS bills it (AWS Lambda pricing page, "Provisioned Concurrency
Pricing"): on demand, every invocation's Billed Duration (INIT included) at the duration rate;
with provisioned concurrency, the configured environments all month at the provisioned rate,
the invocations they serve at the provisioned duration rate and the excess on demand; with a
pre-warm schedule, the pre-warm invokes on top (their requests and duration; the schedule's own
EventBridge events are left out). Requests and the HTTP API are per request in every case.
"""

from __future__ import annotations

from dataclasses import dataclass

from loadtests.cost.lambda_path import api_gateway_cost_per_million, memory_gb
from loadtests.cost.prices import Architecture, Prices
from loadtests.cost.units import SECONDS_PER_MONTH, check_rps, requests_per_month


@dataclass(frozen=True)
class VariantUsage:
    """What a variant's run measured, as the cost model needs it."""

    memory_mb: int
    architecture: Architecture
    rps: float  # the steady rate the month is priced at
    mean_billed_ms: float  # per request of the load (pre-warm invokes excluded)
    provisioned: int = 0
    provisioned_share: float = 0.0
    """Of the load's billed duration, the part served by provisioned environments (0..1)."""
    prewarm_sandboxes: int = 0
    prewarm_every_min: float | None = None
    prewarm_billed_ms: float = 1.0  # per pre-warm invoke (1 ms: Lambda's minimum)


@dataclass(frozen=True)
class VariantCost:
    usd_per_month: float
    usd_per_million: float | None  # None: no traffic to spread the month over
    provisioned_usd_per_month: float  # configured environments, whatever the traffic
    prewarm_usd_per_month: float
    prewarm_invokes_per_month: float


def variant_cost(prices: Prices, usage: VariantUsage) -> VariantCost:
    check_rps(usage.rps)
    if not 0.0 <= usage.provisioned_share <= 1.0:
        raise ValueError(f"provisioned_share: must be 0..1, got {usage.provisioned_share}")
    rates, arch = prices.aws_lambda, usage.architecture
    gb = memory_gb(usage.memory_mb)
    requests = requests_per_month(usage.rps)
    executed_gb_s = requests * usage.mean_billed_ms / 1000.0 * gb
    on_demand_gb_s = executed_gb_s * (1.0 - usage.provisioned_share)
    provisioned_gb_s = executed_gb_s * usage.provisioned_share
    configured = (
        usage.provisioned * gb * SECONDS_PER_MONTH * rates.provisioned_usd_per_gb_s.of(arch)
    )
    duration = on_demand_gb_s * rates.duration_usd_per_gb_s.of(
        arch
    ) + provisioned_gb_s * rates.provisioned_duration_usd_per_gb_s.of(arch)
    per_request = (
        rates.requests_usd_per_million + api_gateway_cost_per_million(prices, "http")
    ) / 1e6
    prewarm_invokes = _prewarm_invokes(usage)
    prewarm = prewarm_invokes * (
        rates.requests_usd_per_million / 1e6
        + usage.prewarm_billed_ms / 1000.0 * gb * rates.duration_usd_per_gb_s.of(arch)
    )
    total = configured + duration + requests * per_request + prewarm
    return VariantCost(
        usd_per_month=total,
        usd_per_million=total / (requests / 1e6) if requests > 0 else None,
        provisioned_usd_per_month=configured,
        prewarm_usd_per_month=prewarm,
        prewarm_invokes_per_month=prewarm_invokes,
    )


def _prewarm_invokes(usage: VariantUsage) -> float:
    if not usage.prewarm_sandboxes or usage.prewarm_every_min is None:
        return 0.0
    events = SECONDS_PER_MONTH / (usage.prewarm_every_min * 60.0)
    return events * usage.prewarm_sandboxes
