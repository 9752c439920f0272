"""What is priced: a Lambda setup, a fleet policy, and what a load test measured."""

from __future__ import annotations

from dataclasses import dataclass, field

from loadtests.cost.fleet import AlbTraffic, FleetSetup
from loadtests.cost.lambda_path import monthly_cost_lambda
from loadtests.cost.prices import ApiKind, Architecture, Prices


@dataclass(frozen=True)
class LambdaSetup:
    memory_mb: float
    architecture: Architecture
    mean_billed_ms: float
    api: ApiKind = "http"

    def monthly(self, prices: Prices, rps: float) -> float:
        return monthly_cost_lambda(
            prices,
            rps,
            memory_mb=self.memory_mb,
            architecture=self.architecture,
            mean_billed_ms=self.mean_billed_ms,
            api=self.api,
        )


@dataclass(frozen=True)
class CostInputs:
    """What a load test measured, plus the fleet policy to price the monolith with."""

    memory_mb: float
    architecture: Architecture
    mean_billed_ms: float
    measured_rps_monolith_capacity: float  # max rps one monolith instance sustained
    observed_rps: float  # the traffic to price, e.g. the test's mean rps
    api: ApiKind = "http"
    target_utilization: float = 0.6
    minimum_instances: int = 2
    instance_type: str = "t3.medium"
    alb: AlbTraffic = field(default_factory=AlbTraffic)

    def __post_init__(self) -> None:
        if self.observed_rps <= 0:
            raise ValueError("observed_rps: a cost per request needs traffic (rps > 0)")
        if self.measured_rps_monolith_capacity <= 0:
            raise ValueError("measured_rps_monolith_capacity: must be > 0")

    def lambda_setup(self) -> LambdaSetup:
        return LambdaSetup(self.memory_mb, self.architecture, self.mean_billed_ms, self.api)

    def fleet_setup(self) -> FleetSetup:
        return FleetSetup(
            capacity_rps_per_instance=self.measured_rps_monolith_capacity,
            target_utilization=self.target_utilization,
            minimum_instances=self.minimum_instances,
            instance_type=self.instance_type,
            alb=self.alb,
        )
