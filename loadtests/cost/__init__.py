"""What each path costs a month: Lambda + API Gateway against an EC2 fleet + ALB.

The two end states of a strangler migration are compared, not the hybrid in between: during the
migration both paths sit behind the same gateway, so the gateway cost is common and says nothing
about which end state is cheaper. One module per job:

- ``prices``: the prices file's model and its one reader (``prices.json`` beside it, or yours);
- ``units``, ``serverless``, ``fleet``: pure arithmetic for each path;
- ``setups``, ``comparison``: what is priced, the curves, the crossover, the report's comparison;
- ``assumptions``: the model's assumptions in words.

Formulas and assumptions: ``docs/cost-model.md``.
"""

from __future__ import annotations

from loadtests.cost.comparison import (
    CostComparison,
    CostPoint,
    compare_costs,
    cost_curve,
    crossover_rps,
    log_spaced,
)
from loadtests.cost.fleet import (
    AlbTraffic,
    FleetSetup,
    alb_lcus,
    cost_per_million_monolith,
    fleet_cost_per_month,
    instances_needed,
    monthly_cost_monolith,
)
from loadtests.cost.lambda_path import (
    api_gateway_cost_per_million,
    lambda_cost_per_million,
    monthly_cost_lambda,
    provisioned_cost_per_month,
)
from loadtests.cost.prices import (
    AWS_LCU,
    PRICES_FILE,
    ApiKind,
    Architecture,
    LcuCapacity,
    Prices,
    load_prices,
)
from loadtests.cost.setups import CostInputs, LambdaSetup
from loadtests.cost.units import HOURS_PER_MONTH, SECONDS_PER_MONTH, requests_per_month

__all__ = [
    "AWS_LCU",
    "HOURS_PER_MONTH",
    "PRICES_FILE",
    "SECONDS_PER_MONTH",
    "AlbTraffic",
    "ApiKind",
    "Architecture",
    "CostComparison",
    "CostInputs",
    "CostPoint",
    "FleetSetup",
    "LambdaSetup",
    "LcuCapacity",
    "Prices",
    "alb_lcus",
    "api_gateway_cost_per_million",
    "compare_costs",
    "cost_curve",
    "cost_per_million_monolith",
    "crossover_rps",
    "fleet_cost_per_month",
    "instances_needed",
    "lambda_cost_per_million",
    "load_prices",
    "log_spaced",
    "monthly_cost_lambda",
    "monthly_cost_monolith",
    "provisioned_cost_per_month",
    "requests_per_month",
]
