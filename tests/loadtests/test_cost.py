"""The cost model against hand-computed figures (all prices: the packaged us-east-1 file)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from infra.local.lambda_service.logformat import billed_duration_ms
from loadtests.cost import (
    AWS_LCU,
    HOURS_PER_MONTH,
    PRICES_FILE,
    AlbTraffic,
    CostInputs,
    FleetSetup,
    LambdaSetup,
    Prices,
    alb_lcus,
    api_gateway_cost_per_million,
    compare_costs,
    cost_curve,
    cost_per_million_monolith,
    crossover_rps,
    fleet_cost_per_month,
    instances_needed,
    lambda_cost_per_million,
    load_prices,
    log_spaced,
    monthly_cost_lambda,
    monthly_cost_monolith,
    provisioned_cost_per_month,
)
from strangler_core.errors import ConfigError

SECONDS_PER_MONTH = 730 * 3600


@pytest.fixture(scope="module")
def prices() -> Prices:
    return load_prices()


def raw_prices() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PRICES_FILE.read_text())
    return data


def write_prices(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "my-prices.json"
    path.write_text(json.dumps(data))
    return path


# -- the prices file ----------------------------------------------------------------------------


def test_packaged_prices_carry_source_date_and_region(prices: Prices) -> None:
    assert prices.region == "us-east-1"
    assert prices.as_of == date(2026, 11, 23)
    assert prices.currency == "USD"
    assert prices.source and all(url.startswith("https://aws.amazon.com/") for url in prices.source)
    assert prices.aws_lambda.duration_usd_per_gb_s.x86_64 == 0.0000166667
    assert prices.aws_lambda.duration_usd_per_gb_s.arm64 == 0.0000133334
    assert prices.aws_lambda.requests_usd_per_million == 0.20
    assert prices.ec2["t3.medium"].usd_per_hour == 0.0416
    assert (prices.ec2["t3.medium"].vcpu, prices.ec2["t3.medium"].memory_gib) == (2, 4)
    assert (prices.alb.usd_per_hour, prices.alb.usd_per_lcu_hour) == (0.0225, 0.008)
    # The code's LCU definition and the file's must not drift apart.
    assert prices.alb.lcu == AWS_LCU
    assert prices.file == str(PRICES_FILE)


def test_a_users_prices_file_overrides_the_packaged_one(tmp_path: Path, prices: Prices) -> None:
    data = raw_prices()
    data["region"] = "eu-west-1"
    data["ec2"]["t3.medium"]["usd_per_hour"] = 0.0456
    data["ec2"]["m7g.large"] = {"usd_per_hour": 0.0816, "vcpu": 2, "memory_gib": 8}
    path = write_prices(tmp_path, data)

    mine = load_prices(path)

    assert mine.region == "eu-west-1"
    assert mine.file == str(path)
    assert mine.ec2["m7g.large"].usd_per_hour == 0.0816
    ours = fleet_cost_per_month(prices, instances=2, alb_lcus=0)
    theirs = fleet_cost_per_month(mine, instances=2, alb_lcus=0)
    assert theirs - ours == pytest.approx(2 * (0.0456 - 0.0416) * 730)


def _drop(data: dict[str, Any]) -> None:
    del data["lambda"]["requests_usd_per_million"]


def _extra(data: dict[str, Any]) -> None:
    data["alb"]["usd_per_gb"] = 0.01


def _text(data: dict[str, Any]) -> None:
    data["api_gateway"]["http_usd_per_million"] = "1.00"


def _negative(data: dict[str, Any]) -> None:
    data["lambda"]["duration_usd_per_gb_s"]["arm64"] = -1


def _boolean(data: dict[str, Any]) -> None:
    data["alb"]["usd_per_hour"] = True


def _date(data: dict[str, Any]) -> None:
    data["as_of"] = "23/11/2026"


def _zero_capacity(data: dict[str, Any]) -> None:
    data["alb"]["lcu"]["gb_per_hour"] = 0


def _instance_extra(data: dict[str, Any]) -> None:
    data["ec2"]["t3.medium"]["gpu"] = 0


def _infinite(data: dict[str, Any]) -> None:
    data["ec2"]["t3.medium"]["vcpu"] = float("inf")  # json.dumps writes Infinity


def _no_instances(data: dict[str, Any]) -> None:
    data["ec2"] = {}


def _empty_region(data: dict[str, Any]) -> None:
    data["region"] = ""


def _source_text(data: dict[str, Any]) -> None:
    data["source"] = "https://aws.amazon.com/lambda/pricing/"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_drop, "lambda.requests_usd_per_million: is required"),
        (_extra, "alb.usd_per_gb: unknown key"),
        (_text, "api_gateway.http_usd_per_million: must be a number, got '1.00'"),
        (_negative, "lambda.duration_usd_per_gb_s.arm64: must be >= 0.0, got -1"),
        (_infinite, "ec2.t3.medium.vcpu: Input should be a finite number"),
        (_boolean, "alb.usd_per_hour: must be a number, got True"),
        (_date, "as_of: Input should be a valid date"),
        (_zero_capacity, "alb.lcu.gb_per_hour: must be > 0.0, got 0"),
        (_instance_extra, "ec2.t3.medium.gpu: unknown key"),
        (_no_instances, "ec2: must have at least 1 item(s)"),
        (_empty_region, "region: String should have at least 1 character"),
        (_source_text, "source: must be a list, got 'https://aws.amazon.com/lambda/pricing/'"),
    ],
)
def test_a_bad_prices_file_names_the_key_and_the_file(
    tmp_path: Path, spoil: Any, message: str
) -> None:
    data = raw_prices()
    spoil(data)
    path = write_prices(tmp_path, data)
    with pytest.raises(ConfigError) as caught:
        load_prices(path)
    assert f"{path}: {message}" in str(caught.value)


def test_an_unreadable_prices_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(ConfigError, match=r"nope\.json: cannot read: No such file"):
        load_prices(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{"region": ')
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_prices(broken)
    with pytest.raises(
        ConfigError, match=r"my-prices.json: must be a table \(an object\), got \[1, 2\]"
    ):
        load_prices(write_prices(tmp_path, [1, 2]))


# -- Lambda and API Gateway ---------------------------------------------------------------------


def test_lambda_cost_per_million_by_hand(prices: Prices) -> None:
    # 0.5 GB * 0.1 s * 1e6 = 50,000 GB-s; * $0.0000166667 = $0.833335; + $0.20 of requests.
    cost = lambda_cost_per_million(prices, memory_mb=512, architecture="x86_64", mean_billed_ms=100)
    assert cost == pytest.approx(1.033335, abs=1e-9)


def test_arm64_is_cheaper_by_its_gb_s_rate(prices: Prices) -> None:
    x86 = lambda_cost_per_million(prices, memory_mb=1024, architecture="x86_64", mean_billed_ms=50)
    arm = lambda_cost_per_million(prices, memory_mb=1024, architecture="arm64", mean_billed_ms=50)
    assert arm < x86
    # 1 GB * 0.05 s * 1e6 = 50,000 GB-s at $0.0000133334, + $0.20.
    assert arm == pytest.approx(50_000 * 0.0000133334 + 0.20)


def test_billed_init_raises_the_cost(prices: Prices) -> None:
    # 100 invokes of 100 ms; the first is cold with a 300 ms INIT, billed since 2025-08-01.
    warm = [billed_duration_ms(100.0, None)] * 100
    with_cold = [billed_duration_ms(100.0, 300.0), *warm[1:]]
    assert sum(with_cold) / 100 == 103

    def per_million(billed: list[int]) -> float:
        return lambda_cost_per_million(
            prices, memory_mb=512, architecture="x86_64", mean_billed_ms=sum(billed) / len(billed)
        )

    extra = per_million(with_cold) - per_million(warm)
    # 3 ms more per request on average: 0.5 GB * 0.003 s * 1e6 * $0.0000166667.
    assert extra == pytest.approx(0.5 * 0.003 * 1e6 * 0.0000166667)


def test_lambda_rejects_impossible_settings(prices: Prices) -> None:
    with pytest.raises(ValueError, match="memory_mb"):
        lambda_cost_per_million(prices, memory_mb=64, architecture="x86_64", mean_billed_ms=10)
    with pytest.raises(ValueError, match="architecture"):
        lambda_cost_per_million(
            prices,
            memory_mb=512,
            architecture="riscv",  # type: ignore[arg-type]
            mean_billed_ms=10,
        )
    with pytest.raises(ValueError, match="mean_billed_ms"):
        lambda_cost_per_million(prices, memory_mb=512, architecture="arm64", mean_billed_ms=-1)


def test_provisioned_concurrency_by_hand(prices: Prices) -> None:
    idle = provisioned_cost_per_month(
        prices, memory_mb=1024, architecture="x86_64", provisioned=1, executed_gb_s_per_month=0
    )
    assert idle == pytest.approx(SECONDS_PER_MONTH * 0.0000041667)  # about $10.95
    busy = provisioned_cost_per_month(
        prices,
        memory_mb=2048,
        architecture="arm64",
        provisioned=3,
        executed_gb_s_per_month=100_000,
    )
    assert busy == pytest.approx(2 * 3 * SECONDS_PER_MONTH * 0.0000033334 + 100_000 * 0.0000077778)


def test_api_gateway_per_million(prices: Prices) -> None:
    assert api_gateway_cost_per_million(prices, "http") == 1.00
    assert api_gateway_cost_per_million(prices, "rest") == 3.50
    with pytest.raises(ValueError, match="api"):
        api_gateway_cost_per_million(prices, "websocket")  # type: ignore[arg-type]


def test_monthly_lambda_includes_api_gateway(prices: Prices) -> None:
    monthly = monthly_cost_lambda(
        prices, 1.0, memory_mb=512, architecture="x86_64", mean_billed_ms=100
    )
    # 1 rps = 2,628,000 requests a month, at $1.033335 (Lambda) + $1.00 (HTTP API) per 1M.
    assert monthly == pytest.approx(2.628 * (1.033335 + 1.00))
    rest = monthly_cost_lambda(
        prices, 1.0, memory_mb=512, architecture="x86_64", mean_billed_ms=100, api="rest"
    )
    assert rest - monthly == pytest.approx(2.628 * 2.50)


# -- the fleet ----------------------------------------------------------------------------------


def test_instances_needed_keeps_the_minimum_then_steps() -> None:
    def needed(rps: float, **kwargs: Any) -> int:
        return instances_needed(rps, capacity_rps_per_instance=100, **kwargs)

    # 100 rps per instance at 60% target: each instance takes 60 rps.
    assert needed(0) == 2
    assert needed(1) == 2
    assert needed(120) == 2
    assert needed(120.01) == 3
    assert needed(180) == 3
    assert needed(180.01) == 4
    assert needed(60, minimum=1) == 1  # an exact fit needs no extra instance
    assert needed(1000, target_utilization=1.0) == 10
    with pytest.raises(ValueError, match="target_utilization"):
        needed(10, target_utilization=0)
    with pytest.raises(ValueError, match="capacity_rps_per_instance"):
        instances_needed(10, capacity_rps_per_instance=0)


def test_alb_lcus_bill_the_busiest_dimension() -> None:
    # 50 new conn/s = 2 LCU; 1,500 active = 0.5 LCU; 0.1 GB/h = 0.1 LCU; 1 rule = free.
    assert alb_lcus(
        500, new_connections_per_s=50, active_connections=1500, gb_per_hour=0.1
    ) == pytest.approx(2.0)
    # Bytes dominate: 3.5 GB/h.
    assert alb_lcus(
        100, new_connections_per_s=5, active_connections=600, gb_per_hour=3.5
    ) == pytest.approx(3.5)
    # Active connections dominate: 9,000 open = 3 LCU.
    assert alb_lcus(
        10, new_connections_per_s=1, active_connections=9000, gb_per_hour=0.01
    ) == pytest.approx(3.0)
    # 20 rules: 10 are free, 10 * 1,000 rps = 10,000 evaluations/s = 10 LCU.
    assert alb_lcus(
        1000, new_connections_per_s=1, active_connections=1, gb_per_hour=0.01, rules=20
    ) == pytest.approx(10.0)


def test_alb_traffic_turns_rps_into_lcus() -> None:
    traffic = AlbTraffic(requests_per_connection=1, connection_lifetime_s=1, bytes_per_request=1)
    # A new connection per request: 250 rps = 250 new conn/s = 10 LCU.
    assert traffic.lcus(250) == pytest.approx(10.0)


def test_fleet_cost_by_hand(prices: Prices) -> None:
    cost = fleet_cost_per_month(prices, instances=2, instance_type="t3.medium", alb_lcus=1)
    assert cost == pytest.approx((2 * 0.0416 + 0.0225 + 0.008) * 730)  # $83.00
    with pytest.raises(ValueError, match=r"'c7i\.large'"):
        fleet_cost_per_month(prices, instances=2, instance_type="c7i.large", alb_lcus=1)


def test_monolith_cost_steps_with_instances(prices: Prices) -> None:
    fleet = FleetSetup(capacity_rps_per_instance=100)

    def monthly(rps: float) -> float:
        return monthly_cost_monolith(prices, rps, fleet)

    one_more_instance = 0.0416 * HOURS_PER_MONTH
    assert monthly(120.01) - monthly(120) == pytest.approx(one_more_instance, rel=1e-3)
    per_million = cost_per_million_monolith(prices, 50, fleet)
    assert per_million == pytest.approx(monthly(50) / (50 * SECONDS_PER_MONTH) * 1e6)
    with pytest.raises(ValueError, match="rps"):
        cost_per_million_monolith(prices, 0, fleet)


# -- comparison ---------------------------------------------------------------------------------

LAMBDA = LambdaSetup(memory_mb=512, architecture="x86_64", mean_billed_ms=100)
FLEET = FleetSetup(capacity_rps_per_instance=200)


def test_crossover_lambda_cheaper_below_dearer_above(prices: Prices) -> None:
    crossing = crossover_rps(prices, lambda_=LAMBDA, fleet=FLEET)
    assert crossing is not None
    assert 1 < crossing < 100

    def gap(rps: float) -> float:
        return LAMBDA.monthly(prices, rps) - FLEET.monthly(prices, rps)

    assert gap(crossing * 0.999) < 0
    assert gap(crossing * 1.001) > 0
    assert gap(crossing * 10) > 0
    # It is the lowest: no rps below it has Lambda dearer.
    assert all(gap(rps) < 0 for rps in log_spaced(0.01, crossing * 0.999, per_decade=200))


def test_crossover_found_past_several_instance_steps(prices: Prices) -> None:
    # A cheap Lambda (128 MB arm64, 20 ms: ~$3.24 a month per rps with HTTP API) against small
    # instances (18 rps each, 10.8 rps at 60%: ~$2.81 a month per rps): the fleet has grown past
    # its minimum of 2 before Lambda gets dearer, so the search has to walk the steps.
    lam = LambdaSetup(memory_mb=128, architecture="arm64", mean_billed_ms=20)
    fleet = FleetSetup(capacity_rps_per_instance=18)
    crossing = crossover_rps(prices, lambda_=lam, fleet=fleet)
    assert crossing is not None
    assert fleet.instances(crossing) > 2

    def gap(rps: float) -> float:
        return lam.monthly(prices, rps) - fleet.monthly(prices, rps)

    assert gap(crossing * 1.0001) > 0
    assert all(gap(rps) < 0 for rps in log_spaced(0.01, crossing * 0.9999, per_decade=500))
    # Just past the next instance step the fleet costs more again: only the first crossing counts.
    next_step = fleet.instances(crossing) * fleet.step_rps()
    assert gap(next_step * 1.0001) < 0


def test_no_crossover_in_range_is_none(prices: Prices) -> None:
    assert crossover_rps(prices, lambda_=LAMBDA, fleet=FLEET, high=1.0) is None


# Hand-computed figures for LAMBDA and FLEET, from AWS's published us-east-1 prices (first tier):
# AWS Lambda pricing (https://aws.amazon.com/lambda/pricing/): x86 $0.0000166667 per GB-s,
# $0.20 per 1M requests; Amazon API Gateway pricing (https://aws.amazon.com/api-gateway/pricing/):
# HTTP APIs $1.00 per 1M; Amazon EC2 On-Demand pricing (https://aws.amazon.com/ec2/pricing/on-demand/):
# t3.medium $0.0416 an hour; Elastic Load Balancing pricing
# (https://aws.amazon.com/elasticloadbalancing/pricing/): ALB $0.0225 an hour plus $0.008 per
# LCU-hour, one LCU = 25 new connections/s, 3,000 active connections, 1 GB/h, 1,000 rule
# evaluations/s, the busiest dimension billed. A month is 730 h = 2,628,000 s.
#
# Lambda, 1M requests of 100 ms at 512 MB on x86: 0.5 GB * 0.1 s * 1M = 50,000 GB-s
# * $0.0000166667 = $0.833335, + $0.20 requests = $1.033335; + $1.00 HTTP API = $2.033335.
SERVERLESS_PER_MILLION = 2.033335
# The ALB at the default traffic (10 requests a connection, 60 s open, 8 KiB a request): bytes
# dominate, 8,192 B * 3,600 s / 2^30 = 0.0274658203125 GB/h = LCUs per rps.
LCU_PER_RPS = 0.0274658203125
# Two t3.medium (the minimum) and the ALB's hour: 2 * 0.0416 + 0.0225 = $0.1057 an hour.
TWO_INSTANCES_AND_ALB_PER_HOUR = 0.1057


def test_cost_curve_points(prices: Prices) -> None:
    """Each point by hand from AWS's published prices (the pages named above)."""
    curve = cost_curve(prices, [1.0, 10.0, 1000.0], lambda_=LAMBDA, fleet=FLEET)

    assert [p.rps for p in curve] == [1.0, 10.0, 1000.0]
    # Lambda: 2.628M requests a month per rps at $2.033335 per 1M.
    assert curve[0].lambda_usd_month == pytest.approx(5.34360438, rel=1e-9)
    assert curve[1].lambda_usd_month == pytest.approx(53.4360438, rel=1e-9)
    assert curve[2].lambda_usd_month == pytest.approx(5343.60438, rel=1e-9)
    # 1 rps: 2 instances, 0.0274658 LCU: (0.1057 + 0.0274658 * 0.008) * 730 = $77.3214.
    assert curve[0].monolith_usd_month == pytest.approx(77.321400390625, rel=1e-9)
    # 10 rps: (0.1057 + 0.274658 * 0.008) * 730 = $78.7650.
    assert curve[1].monolith_usd_month == pytest.approx(78.76500390625, rel=1e-9)
    # 1,000 rps: 200 rps an instance at 60% = 120 rps each, so ceil(1000 / 120) = 9 instances;
    # 27.4658 LCU: (9 * 0.0416 + 0.0225 + 27.4658 * 0.008) * 730 = $450.1374.
    assert curve[2].monolith_usd_month == pytest.approx(450.137390625, rel=1e-9)


def test_compare_costs_for_the_report(prices: Prices) -> None:
    """The report's figures at 50 rps, by hand from AWS's published prices (named above)."""
    inputs = CostInputs(
        memory_mb=512,
        architecture="x86_64",
        mean_billed_ms=100,
        measured_rps_monolith_capacity=200,
        observed_rps=50,
    )
    result = compare_costs(prices, inputs)

    assert result.lambda_usd_per_million == pytest.approx(1.033335, rel=1e-9)
    assert result.api_gateway_usd_per_million == 1.00
    assert result.serverless_usd_per_million == pytest.approx(SERVERLESS_PER_MILLION, rel=1e-9)
    # 50 rps: 2 instances, 1.373291 LCU: (0.1057 + 1.373291 * 0.008) * 730 = $85.181020 a month,
    # over 50 * 2,628,000 = 131.4M requests = $0.648257 per 1M.
    assert result.monolith_usd_per_million == pytest.approx(85.18101953125 / 131.4, rel=1e-9)
    assert result.monolith_usd_per_million == pytest.approx(0.6482574, rel=1e-6)
    assert result.monolith_instances == 2
    # Below 240 rps the fleet is its minimum of 2, so Lambda (2.628 * $2.033335 = $5.3436 a month
    # per rps) overtakes it where 5.3436 * rps = 730 * (0.1057 + 0.008 * 0.0274658 * rps):
    # rps = 77.161 / (5.34360438 - 0.16040039) = 14.8867.
    fleet_slope = 730 * 0.008 * LCU_PER_RPS
    crossing = 730 * TWO_INSTANCES_AND_ALB_PER_HOUR / (2.628 * SERVERLESS_PER_MILLION - fleet_slope)
    assert crossing == pytest.approx(14.8867380, rel=1e-7)
    assert result.crossover_rps == pytest.approx(crossing, rel=1e-8)
    # 0.1 to 10,000 rps, 4 points a decade: 21 points at 10^(k/4 - 1).
    assert [p.rps for p in result.curve][::4] == [0.1, 1.0, 10.0, 100.0, 1000.0, 10_000.0]
    assert len(result.curve) == 21
    assert result.curve[1].rps == pytest.approx(10**-0.75, rel=1e-6)
    assert result.curve[8].lambda_usd_month == pytest.approx(53.4360438, rel=1e-9)
    text = " ".join(result.assumptions)
    for expected in ("2026-11-23", "60%", "at least 2", "730 hours", "INIT", "2025-08-01"):
        assert expected in text


def test_comparison_json_round_trips(prices: Prices) -> None:
    inputs = CostInputs(
        memory_mb=1769,
        architecture="arm64",
        mean_billed_ms=42.5,
        measured_rps_monolith_capacity=350,
        observed_rps=120,
        api="rest",
    )
    data = compare_costs(prices, inputs).to_json()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["prices_as_of"] == "2026-11-23"
    assert set(data["curve"][0]) == {"rps", "lambda_usd_month", "monolith_usd_month"}


def test_cost_inputs_need_traffic() -> None:
    with pytest.raises(ValueError, match="observed_rps"):
        CostInputs(512, "x86_64", 100, measured_rps_monolith_capacity=200, observed_rps=0)
