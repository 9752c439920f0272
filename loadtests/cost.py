"""What each path costs a month: Lambda + API Gateway against an EC2 fleet + ALB.

Pure arithmetic over a prices file (``prices.json`` beside this module, or the user's own):
the only I/O is ``load_prices``. The two end states of a strangler migration are compared, not
the hybrid in between: during the migration both paths sit behind the same gateway, so the
gateway cost is common and says nothing about which end state is cheaper.

Formulas and assumptions: ``docs/cost-model.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr

from strangler.core.errors import ConfigError
from strangler.core.model import Items, StrictModel, load

Architecture = Literal["x86_64", "arm64"]
ApiKind = Literal["http", "rest"]

PRICES_FILE = Path(__file__).with_name("prices.json")
HOURS_PER_MONTH = 730.0  # AWS's own convention on its pricing pages (8,760 h / 12)
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600.0
MB_PER_GB = 1024.0  # Lambda GB-s use the configured memory in MB / 1024
BYTES_PER_GB = 1024.0**3
LAMBDA_MEMORY_MB = (128, 10_240)  # the range Lambda accepts
CROSSOVER_RANGE_RPS = (0.01, 100_000.0)
CURVE_RANGE_RPS = (0.1, 10_000.0)
CURVE_POINTS_PER_DECADE = 4


# -- prices -----------------------------------------------------------------------------------


NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]  # a capacity we divide by
Text = Annotated[str, Field(min_length=1)]


class ByArchitecture(StrictModel):
    x86_64: NonNegative
    arm64: NonNegative

    def of(self, architecture: Architecture) -> float:
        if architecture == "x86_64":
            return self.x86_64
        if architecture == "arm64":
            return self.arm64
        raise ValueError(f"architecture: {architecture!r} is not 'x86_64' or 'arm64'")


class LambdaPrices(StrictModel):
    requests_usd_per_million: NonNegative
    duration_usd_per_gb_s: ByArchitecture
    provisioned_usd_per_gb_s: ByArchitecture
    provisioned_duration_usd_per_gb_s: ByArchitecture


class ApiGatewayPrices(StrictModel):
    http_usd_per_million: NonNegative
    rest_usd_per_million: NonNegative


class InstancePrice(StrictModel):
    usd_per_hour: NonNegative
    vcpu: NonNegative
    memory_gib: NonNegative


class LcuCapacity(StrictModel):
    """What one ALB Load Balancer Capacity Unit covers; the busiest dimension is billed."""

    new_connections_per_s: Positive
    active_connections_per_min: Positive
    gb_per_hour: Positive  # for EC2/IP targets (Lambda targets get 0.4 GB)
    rule_evaluations_per_s: Positive
    free_rules: NonNegative  # the first 10 rules processed per request are not counted


# AWS's definition, for callers of ``alb_lcus`` that have no prices file at hand.
AWS_LCU = LcuCapacity(
    new_connections_per_s=25,
    active_connections_per_min=3000,
    gb_per_hour=1,
    rule_evaluations_per_s=1000,
    free_rules=10,
)


class AlbPrices(StrictModel):
    usd_per_hour: NonNegative
    usd_per_lcu_hour: NonNegative
    lcu: LcuCapacity


class Prices(StrictModel):
    region: Text
    as_of: Annotated[date, Field(strict=False)]  # YYYY-MM-DD in the file
    currency: Text
    source: Items[str]
    notes: Items[str]
    aws_lambda: LambdaPrices = Field(alias="lambda")
    api_gateway: ApiGatewayPrices
    ec2: Annotated[dict[str, InstancePrice], Field(min_length=1)]  # open-ended instance types
    alb: AlbPrices
    _file: str = PrivateAttr(default="")

    @property
    def file(self) -> str:
        """Where these prices came from, for the report's assumptions."""
        return self._file

    def instance(self, instance_type: str) -> InstancePrice:
        try:
            return self.ec2[instance_type]
        except KeyError:
            raise ValueError(
                f"instance_type: no price for {instance_type!r} in {self.file} "
                f"(known: {', '.join(sorted(self.ec2))})"
            ) from None


def load_prices(path: Path | None = None) -> Prices:
    """Read and validate a prices file (the packaged one unless ``path`` is given)."""
    file = PRICES_FILE if path is None else Path(path)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: prices file not found") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{file}: not valid JSON: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read prices file: {exc}") from None
    prices = load(Prices, raw, str(file))
    prices._file = str(file)
    return prices


# -- Lambda and API Gateway ---------------------------------------------------------------------


def _memory_gb(memory_mb: float) -> float:
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
    gb_s_per_million = _memory_gb(memory_mb) * (mean_billed_ms / 1000.0) * 1e6
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
    configured_gb_s = _memory_gb(memory_mb) * provisioned * SECONDS_PER_MONTH
    configured = configured_gb_s * rates.provisioned_usd_per_gb_s.of(architecture)
    executed = executed_gb_s_per_month * rates.provisioned_duration_usd_per_gb_s.of(architecture)
    return configured + executed


def api_gateway_cost_per_million(prices: Prices, kind: ApiKind) -> float:
    if kind == "http":
        return prices.api_gateway.http_usd_per_million
    if kind == "rest":
        return prices.api_gateway.rest_usd_per_million
    raise ValueError(f"api: {kind!r} is not 'http' or 'rest'")


def requests_per_month(rps: float) -> float:
    return rps * SECONDS_PER_MONTH


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
    _check_rps(rps)
    per_million = lambda_cost_per_million(
        prices, memory_mb=memory_mb, architecture=architecture, mean_billed_ms=mean_billed_ms
    ) + api_gateway_cost_per_million(prices, api)
    return requests_per_month(rps) / 1e6 * per_million


def _check_rps(rps: float) -> None:
    if not (math.isfinite(rps) and rps >= 0):
        raise ValueError(f"rps: must be a finite number >= 0, got {rps}")


# -- the monolith fleet -------------------------------------------------------------------------


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
    _check_rps(rps)
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
    _check_rps(rps)
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


def monthly_cost_monolith(
    prices: Prices,
    rps: float,
    *,
    capacity_rps_per_instance: float,
    target_utilization: float = 0.6,
    minimum_instances: int = 2,
    instance_type: str = "t3.medium",
    alb: AlbTraffic = AlbTraffic(),  # frozen, so one shared default is safe
) -> float:
    """USD a month for the EC2 fleet + ALB serving a steady ``rps``."""
    instances = instances_needed(
        rps,
        capacity_rps_per_instance=capacity_rps_per_instance,
        target_utilization=target_utilization,
        minimum=minimum_instances,
    )
    return fleet_cost_per_month(
        prices,
        instances=instances,
        instance_type=instance_type,
        alb_lcus=alb.lcus(rps, prices.alb.lcu),
    )


def cost_per_million_monolith(
    prices: Prices,
    rps: float,
    *,
    capacity_rps_per_instance: float,
    target_utilization: float = 0.6,
    minimum_instances: int = 2,
    instance_type: str = "t3.medium",
    alb: AlbTraffic = AlbTraffic(),  # frozen, so one shared default is safe
) -> float:
    """The fleet's monthly cost spread over the month's requests at ``rps`` (must be > 0)."""
    if rps <= 0:
        raise ValueError("rps: a cost per request needs traffic (rps > 0)")
    monthly = monthly_cost_monolith(
        prices,
        rps,
        capacity_rps_per_instance=capacity_rps_per_instance,
        target_utilization=target_utilization,
        minimum_instances=minimum_instances,
        instance_type=instance_type,
        alb=alb,
    )
    return monthly / requests_per_month(rps) * 1e6


# -- comparison ---------------------------------------------------------------------------------


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
class FleetSetup:
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
        return monthly_cost_monolith(
            prices,
            rps,
            capacity_rps_per_instance=self.capacity_rps_per_instance,
            target_utilization=self.target_utilization,
            minimum_instances=self.minimum_instances,
            instance_type=self.instance_type,
            alb=self.alb,
        )


@dataclass(frozen=True)
class CostPoint:
    rps: float
    lambda_usd_month: float  # Lambda + API Gateway
    monolith_usd_month: float  # EC2 fleet + ALB


def cost_curve(
    prices: Prices, rps_points: Iterable[float], *, lambda_: LambdaSetup, fleet: FleetSetup
) -> list[CostPoint]:
    return [
        CostPoint(rps, lambda_.monthly(prices, rps), fleet.monthly(prices, rps))
        for rps in rps_points
    ]


def log_spaced(low: float, high: float, per_decade: int = CURVE_POINTS_PER_DECADE) -> list[float]:
    """``low``..``high`` inclusive, evenly spaced on a log scale (traffic spans decades)."""
    if not 0 < low < high or per_decade < 1:
        raise ValueError("log_spaced needs 0 < low < high and per_decade >= 1")
    start, stop = math.log10(low), math.log10(high)
    steps = round((stop - start) * per_decade)
    # Rounded to 6 significant digits so the report shows 1.0, not 1.0000000000000002.
    return [float(f"{10 ** (start + (stop - start) * i / steps):.6g}") for i in range(steps + 1)]


def crossover_rps(
    prices: Prices,
    *,
    lambda_: LambdaSetup,
    fleet: FleetSetup,
    low: float = CROSSOVER_RANGE_RPS[0],
    high: float = CROSSOVER_RANGE_RPS[1],
) -> float | None:
    """The lowest rps in ``low``..``high`` where Lambda's monthly cost exceeds the fleet's.

    The fleet's cost is flat between instance steps (plus a small linear ALB part) while
    Lambda's grows linearly, so Lambda - fleet rises within each step and drops at every step.
    Walking the steps and bisecting inside the first one that ends with Lambda dearer finds
    the first crossover exactly, which a plain grid could step over. Just past a later
    instance step Lambda can be briefly cheaper again; the first crossover is what matters.
    """

    def lambda_dearer(rps: float) -> bool:
        return lambda_.monthly(prices, rps) > fleet.monthly(prices, rps)

    if not 0 < low < high:
        raise ValueError("crossover_rps needs 0 < low < high")
    if lambda_dearer(low):
        return low
    step = fleet.step_rps()
    # Segment n ends at n * step, the last rps n instances serve; below the minimum fleet
    # there is no step. Counting n (not adding step up) keeps the ends free of float drift.
    n = max(fleet.minimum_instances, math.ceil(low / step))
    segment_start = low
    while segment_start < high:
        end = min(n * step, high)
        if end > segment_start and lambda_dearer(end):
            return _bisect(lambda_dearer, segment_start, end)
        segment_start = max(segment_start, end)
        n += 1
    return None


def _bisect(dearer: Callable[[float], bool], cheaper_at: float, dearer_at: float) -> float:
    # Relative precision is enough: rps is a planning figure, not a billing one.
    while dearer_at - cheaper_at > 1e-9 * dearer_at:
        middle = (cheaper_at + dearer_at) / 2
        if dearer(middle):
            dearer_at = middle
        else:
            cheaper_at = middle
    return dearer_at


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


@dataclass(frozen=True)
class CostComparison:
    observed_rps: float
    lambda_usd_per_million: float  # Lambda alone: duration + requests
    api_gateway_usd_per_million: float
    serverless_usd_per_million: float  # Lambda + API Gateway, the serverless end state
    monolith_usd_per_million: float  # fleet + ALB at observed_rps
    monolith_instances: int  # at observed_rps
    curve: list[CostPoint]
    crossover_rps: float | None
    assumptions: list[str]
    prices_as_of: str
    region: str
    sources: list[str]

    def to_json(self) -> dict[str, Any]:
        """Plain dicts, lists, floats and strings: ``json.dumps`` takes it as is."""
        return {
            "observed_rps": self.observed_rps,
            "lambda_usd_per_million": self.lambda_usd_per_million,
            "api_gateway_usd_per_million": self.api_gateway_usd_per_million,
            "serverless_usd_per_million": self.serverless_usd_per_million,
            "monolith_usd_per_million": self.monolith_usd_per_million,
            "monolith_instances": self.monolith_instances,
            "curve": [
                {
                    "rps": p.rps,
                    "lambda_usd_month": p.lambda_usd_month,
                    "monolith_usd_month": p.monolith_usd_month,
                }
                for p in self.curve
            ],
            "crossover_rps": self.crossover_rps,
            "assumptions": list(self.assumptions),
            "prices_as_of": self.prices_as_of,
            "region": self.region,
            "sources": list(self.sources),
        }


def compare_costs(prices: Prices, inputs: CostInputs) -> CostComparison:
    """Everything the report shows about money, from one load test's measurements."""
    lam = inputs.lambda_setup()
    fleet = inputs.fleet_setup()
    lambda_per_million = lambda_cost_per_million(
        prices,
        memory_mb=inputs.memory_mb,
        architecture=inputs.architecture,
        mean_billed_ms=inputs.mean_billed_ms,
    )
    api_per_million = api_gateway_cost_per_million(prices, inputs.api)
    monolith_per_million = cost_per_million_monolith(
        prices,
        inputs.observed_rps,
        capacity_rps_per_instance=fleet.capacity_rps_per_instance,
        target_utilization=fleet.target_utilization,
        minimum_instances=fleet.minimum_instances,
        instance_type=fleet.instance_type,
        alb=fleet.alb,
    )
    return CostComparison(
        observed_rps=inputs.observed_rps,
        lambda_usd_per_million=lambda_per_million,
        api_gateway_usd_per_million=api_per_million,
        serverless_usd_per_million=lambda_per_million + api_per_million,
        monolith_usd_per_million=monolith_per_million,
        monolith_instances=fleet.instances(inputs.observed_rps),
        curve=cost_curve(prices, log_spaced(*CURVE_RANGE_RPS), lambda_=lam, fleet=fleet),
        crossover_rps=crossover_rps(prices, lambda_=lam, fleet=fleet),
        assumptions=_assumptions(prices, inputs),
        prices_as_of=prices.as_of.isoformat(),
        region=prices.region,
        sources=list(prices.source),
    )


def _assumptions(prices: Prices, inputs: CostInputs) -> list[str]:
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
