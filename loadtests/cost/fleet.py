"""What the monolith's EC2 fleet behind one ALB costs: pure arithmetic over ``Prices``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from loadtests.cost.prices import AWS_LCU, LcuCapacity, Prices
from loadtests.cost.units import BYTES_PER_GB, HOURS_PER_MONTH, check_rps, requests_per_month


def instances_needed(
    rps: float,
    *,
    capacity_rps_per_instance: float,
    target_utilization: float = 0.6,
    minimum: int = 2,
) -> int:
    """Instances an autoscaling group keeps so each runs at most ``target_utilization``.

    ``minimum`` defaults to 2: one instance per availability zone, so losing one keeps serving.
    """
    check_rps(rps)
    if capacity_rps_per_instance <= 0:
        raise ValueError(f"capacity_rps_per_instance: must be > 0, got {capacity_rps_per_instance}")
    if not 0 < target_utilization <= 1:
        raise ValueError(f"target_utilization: must be in (0, 1], got {target_utilization}")
    if minimum < 1:
        raise ValueError(f"minimum: must be >= 1, got {minimum}")
    ratio = rps / (capacity_rps_per_instance * target_utilization)
    # Shave float noise (60 / (100 * 0.6) is 1.0000000000000002) so exact fits need no extra box.
    return max(minimum, math.ceil(ratio - 1e-9))


def alb_lcus(
    rps: float,
    *,
    new_connections_per_s: float,
    active_connections: float,
    gb_per_hour: float,
    rules: int = 1,
    capacity: LcuCapacity = AWS_LCU,
) -> float:
    """LCUs an ALB bills for one hour: the largest of its four dimensions.

    Rule evaluations are ``rps * (rules - 10 free rules)``; with the one catch-all rule a
    monolith needs they are 0, so this dimension only matters for many-rule listeners.
    """
    check_rps(rps)
    rule_evaluations_per_s = rps * max(0.0, rules - capacity.free_rules)
    return max(
        new_connections_per_s / capacity.new_connections_per_s,
        active_connections / capacity.active_connections_per_min,
        gb_per_hour / capacity.gb_per_hour,
        rule_evaluations_per_s / capacity.rule_evaluations_per_s,
    )


@dataclass(frozen=True)
class AlbTraffic:
    """How requests turn into ALB connections and bytes (defaults: keep-alive web clients)."""

    requests_per_connection: float = 10.0  # keep-alive reuse; 1.0 = a new connection each
    connection_lifetime_s: float = 60.0  # how long a client keeps its connection open
    bytes_per_request: float = 8192.0  # request + response, headers included
    rules: int = 1

    def lcus(self, rps: float, capacity: LcuCapacity = AWS_LCU) -> float:
        new_per_s = rps / self.requests_per_connection
        return alb_lcus(
            rps,
            new_connections_per_s=new_per_s,
            # Little's law: connections open at once = arrival rate * time each stays open.
            active_connections=new_per_s * self.connection_lifetime_s,
            gb_per_hour=rps * 3600.0 * self.bytes_per_request / BYTES_PER_GB,
            rules=self.rules,
            capacity=capacity,
        )


def fleet_cost_per_month(
    prices: Prices, *, instances: int, instance_type: str = "t3.medium", alb_lcus: float
) -> float:
    """USD a month for ``instances`` on-demand instances behind one ALB using ``alb_lcus``."""
    if instances < 0 or alb_lcus < 0:
        raise ValueError("instances and alb_lcus must be >= 0")
    hourly = (
        instances * prices.instance(instance_type).usd_per_hour
        + prices.alb.usd_per_hour
        + alb_lcus * prices.alb.usd_per_lcu_hour
    )
    return hourly * HOURS_PER_MONTH


@dataclass(frozen=True)
class FleetSetup:
    """The fleet's policy: what one instance sustains, how full instances run, the least kept,
    the instance type and the ALB's traffic."""

    capacity_rps_per_instance: float
    target_utilization: float = 0.6
    minimum_instances: int = 2
    instance_type: str = "t3.medium"
    alb: AlbTraffic = field(default_factory=AlbTraffic)

    def instances(self, rps: float) -> int:
        return instances_needed(
            rps,
            capacity_rps_per_instance=self.capacity_rps_per_instance,
            target_utilization=self.target_utilization,
            minimum=self.minimum_instances,
        )

    def step_rps(self) -> float:
        """Traffic one more instance adds room for: the fleet's cost steps every this many rps."""
        return self.capacity_rps_per_instance * self.target_utilization

    def monthly(self, prices: Prices, rps: float) -> float:
        return monthly_cost_monolith(prices, rps, self)


def monthly_cost_monolith(prices: Prices, rps: float, fleet: FleetSetup) -> float:
    """USD a month for the EC2 fleet + ALB serving a steady ``rps``."""
    return fleet_cost_per_month(
        prices,
        instances=fleet.instances(rps),
        instance_type=fleet.instance_type,
        alb_lcus=fleet.alb.lcus(rps, prices.alb.lcu),
    )


def cost_per_million_monolith(prices: Prices, rps: float, fleet: FleetSetup) -> float:
    """The fleet's monthly cost spread over the month's requests at ``rps`` (must be > 0)."""
    if rps <= 0:
        raise ValueError("rps: a cost per request needs traffic (rps > 0)")
    return monthly_cost_monolith(prices, rps, fleet) / requests_per_month(rps) * 1e6
