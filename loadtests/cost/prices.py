"""The prices file: one strict model of AWS's published prices, and its one reader.

``prices.json`` beside this module holds the packaged prices (us-east-1, with sources and a
date); a user passes their own file to ``load_prices``. Every key must be present and no
unknown key is allowed, so a typo cannot silently fall back to a default.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr

from strangler_core.model import Items, StrictModel, load_json_file

Architecture = Literal["x86_64", "arm64"]
ApiKind = Literal["http", "rest"]

PRICES_FILE = Path(__file__).with_name("prices.json")

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
    prices = load_json_file(Prices, file)
    prices._file = str(file)
    return prices
