"""Both end states side by side: cost curves, the crossover, and the report's comparison.

Pure: prices and a load test's measurements in, a ``CostComparison`` out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from loadtests.cost.assumptions import assumptions
from loadtests.cost.fleet import cost_per_million_monolith
from loadtests.cost.lambda_path import api_gateway_cost_per_million, lambda_cost_per_million
from loadtests.cost.prices import Prices
from loadtests.cost.setups import CostInputs, FleetSetup, LambdaSetup

CROSSOVER_RANGE_RPS = (0.01, 100_000.0)
CURVE_RANGE_RPS = (0.1, 10_000.0)
CURVE_POINTS_PER_DECADE = 4


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
    monolith_per_million = cost_per_million_monolith(prices, inputs.observed_rps, fleet)
    return CostComparison(
        observed_rps=inputs.observed_rps,
        lambda_usd_per_million=lambda_per_million,
        api_gateway_usd_per_million=api_per_million,
        serverless_usd_per_million=lambda_per_million + api_per_million,
        monolith_usd_per_million=monolith_per_million,
        monolith_instances=fleet.instances(inputs.observed_rps),
        curve=cost_curve(prices, log_spaced(*CURVE_RANGE_RPS), lambda_=lam, fleet=fleet),
        crossover_rps=crossover_rps(prices, lambda_=lam, fleet=fleet),
        assumptions=assumptions(prices, inputs),
        prices_as_of=prices.as_of.isoformat(),
        region=prices.region,
        sources=list(prices.source),
    )
