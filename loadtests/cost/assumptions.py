"""The cost model's assumptions in words, for the report (the only text the model writes)."""

from __future__ import annotations

from loadtests.cost.prices import Prices
from loadtests.cost.setups import CostInputs
from loadtests.cost.units import HOURS_PER_MONTH


def assumptions(prices: Prices, inputs: CostInputs) -> list[str]:
    """One sentence per assumption, the prices file's own notes last."""
    alb = inputs.alb
    return [
        f"Prices: {prices.region}, on-demand, as of {prices.as_of.isoformat()} "
        f"(from {prices.file}).",
        "Compared end states: Lambda + API Gateway "
        f"{inputs.api.upper()} API versus an EC2 fleet ({inputs.instance_type}) behind one ALB; "
        "the shared database, data transfer out and monitoring are left out (paid by both).",
        f"A month is {HOURS_PER_MONTH:g} hours; traffic is a steady rate all month.",
        f"Fleet: instances run at most {inputs.target_utilization:.0%} of the "
        f"{inputs.measured_rps_monolith_capacity:g} rps one instance sustained, at least "
        f"{inputs.minimum_instances} for availability; no reserved or spot discounts, no EBS.",
        f"ALB: {alb.requests_per_connection:g} requests per connection, connections open "
        f"{alb.connection_lifetime_s:g} s, {alb.bytes_per_request:g} bytes per request, "
        f"{alb.rules} rule(s); the busiest LCU dimension is billed.",
        f"Lambda: {inputs.memory_mb:g} MB {inputs.architecture}, {inputs.mean_billed_ms:g} ms "
        "billed per request on average, billed per 1 ms, INIT of cold starts included "
        "(billed since 2025-08-01 for on-demand ZIP functions).",
        "First pricing tier only and no free tiers: high-traffic Lambda and API Gateway "
        "costs are slight over-estimates.",
        *prices.notes,
    ]
