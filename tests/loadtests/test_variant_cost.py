"""A variant's month and the cheapest variant meeting an objective, against hand-computed figures.

Prices: the packaged us-east-1 file (on demand $0.0000166667 per GB-s, $0.20 per 1M requests,
HTTP API $1.00 per 1M; provisioned concurrency $0.0000041667 per GB-s configured and
$0.0000097222 per GB-s executed, excess on demand: AWS Lambda pricing page, "Provisioned
Concurrency Pricing"). A month is 730 h = 2,628,000 s.
"""

from __future__ import annotations

import pytest

from loadtests.cost import Prices, load_prices
from loadtests.cost.variants import VariantCost, VariantUsage, variant_cost
from loadtests.report.metrics import Latency
from loadtests.report.raw import LambdaReport
from loadtests.report.variants import VariantColumn, choose, provisioned_share
from strangler_core.variants import parse_objective


@pytest.fixture(scope="module")
def prices() -> Prices:
    return load_prices()


def test_on_demand_month_and_per_million(prices: Prices) -> None:
    # 10 rps -> 26,280,000 requests; 0.1 s x 1 GB each -> 2,628,000 GB-s x 0.0000166667
    # = 43.8000876; requests 26.28 x (0.20 + 1.00) = 31.536
    cost = variant_cost(
        prices, VariantUsage(memory_mb=1024, architecture="x86_64", rps=10, mean_billed_ms=100)
    )
    assert cost.usd_per_month == pytest.approx(75.3360876)
    assert cost.usd_per_million == pytest.approx(2.8666700)  # 1.66667 + 1.20
    assert cost.provisioned_usd_per_month == 0
    assert cost.prewarm_usd_per_month == 0


def test_provisioned_concurrency_is_billed_all_month_and_its_duration_cheaper(
    prices: Prices,
) -> None:
    # 2 environments x 1 GB x 2,628,000 s x 0.0000041667 = 21.9001752; 3/4 of 2,628,000 GB-s at
    # 0.0000097222 = 19.16245620, 1/4 on demand at 0.0000166667 = 10.9500219; requests 31.536
    cost = variant_cost(
        prices,
        VariantUsage(
            memory_mb=1024,
            architecture="x86_64",
            rps=10,
            mean_billed_ms=100,
            provisioned=2,
            provisioned_share=0.75,
        ),
    )
    assert cost.provisioned_usd_per_month == pytest.approx(21.9001752)
    assert cost.usd_per_month == pytest.approx(21.9001752 + 19.1624562 + 10.9500219 + 31.536)


def test_prewarm_schedule_adds_its_invokes(prices: Prices) -> None:
    # every 5 min: 2,628,000 / 300 = 8,760 events x 4 sandboxes = 35,040 invokes; each 2 ms at
    # 0.5 GB: 35,040 x 0.001 GB-s x 0.0000166667 = 0.000584001, requests 0.007008
    # (EventBridge calls the function directly: no API Gateway charge)
    usage = VariantUsage(
        memory_mb=512,
        architecture="x86_64",
        rps=1,
        mean_billed_ms=10,
        prewarm_sandboxes=4,
        prewarm_every_min=5,
        prewarm_billed_ms=2,
    )
    cost = variant_cost(prices, usage)
    assert cost.prewarm_invokes_per_month == pytest.approx(35_040)
    assert cost.prewarm_usd_per_month == pytest.approx(0.000584001 + 0.007008)
    # the load itself: 2,628,000 requests x 0.005 GB-s = 13,140 GB-s -> 0.21900044; 3.1536
    assert cost.usd_per_month == pytest.approx(0.21900044 + 3.1536 + 0.007592001)


def test_no_traffic_has_a_month_but_no_price_per_million(prices: Prices) -> None:
    cost = variant_cost(
        prices,
        VariantUsage(memory_mb=1024, architecture="x86_64", rps=0, mean_billed_ms=0, provisioned=1),
    )
    assert cost.usd_per_million is None
    assert cost.usd_per_month == pytest.approx(10.9500876)  # 1 GB x 2,628,000 s x 0.0000041667


def test_a_share_outside_0_to_1_is_refused(prices: Prices) -> None:
    with pytest.raises(ValueError, match="provisioned_share"):
        variant_cost(
            prices,
            VariantUsage(
                memory_mb=1024,
                architecture="x86_64",
                rps=1,
                mean_billed_ms=1,
                provisioned_share=1.5,
            ),
        )


def _latency(p50: float, p99: float) -> Latency:
    return Latency(count=100, p50=p50, p90=p50, p99=p99, p999=p99, max=p99, mean=p50)


def _column(
    name: str, p99: float, usd_month: float, failures: int = 0, requests: int = 1000
) -> VariantColumn:
    return VariantColumn(
        name=name,
        memory_mb=1024,
        provisioned=0,
        prewarm_sandboxes=0,
        prewarm_every_min=None,
        requests=requests,
        failures=failures,
        latency=_latency(10.0, p99),
        measured_latency=_latency(10.0, p99 * 2),
        cold_starts=0,
        init_p50_ms=None,
        projected_init_p50_ms=None,
        throttles=0,
        db_connections_peak=0,
        cost=VariantCost(usd_month, usd_month / 10, 0.0, 0.0, 0.0),
    )


def test_the_cheapest_variant_meeting_the_objective_is_chosen() -> None:
    columns = [
        _column("configured", p99=900, usd_month=5),  # cheapest, too slow
        _column("m1024", p99=290, usd_month=30),
        _column("pc2", p99=120, usd_month=50),
        _column("m3008", p99=300, usd_month=20),  # exactly on the bound: meets it
    ]
    verdict = choose(columns, parse_objective("p99<=300ms"))
    assert verdict.chosen == "m3008"
    assert verdict.meeting == ("m1024", "pc2", "m3008")
    assert verdict.text == (
        "Cheapest meeting p99 <= 300 ms: m3008 (p99 300 ms, $20.00 a month, $2.00 per 1M "
        "requests); also meeting it: m1024, pc2."
    )


def test_a_variant_failing_over_1_percent_does_not_meet_it() -> None:
    columns = [
        _column("m512", p99=50, usd_month=1, failures=11),  # 1.1% failed
        _column("m1024", p99=80, usd_month=9, failures=10),  # 1.0%: still counts
    ]
    assert choose(columns, parse_objective("p99<=100ms")).chosen == "m1024"


def test_when_none_meets_it_the_closest_is_named() -> None:
    columns = [_column("configured", p99=900, usd_month=5), _column("pc2", p99=410, usd_month=50)]
    verdict = choose(columns, parse_objective("p99<=0.3s"))
    assert verdict.chosen is None
    assert (
        verdict.text
        == "No variant met p99 <= 300 ms: the closest was pc2 (p99 410 ms, failures 0.0%)."
    )


def test_without_an_objective_nothing_is_chosen() -> None:
    assert choose([_column("m1024", p99=1, usd_month=1)], None).chosen is None


def _report(request_id: str, sandbox: str, billed: int, init: float | None) -> LambdaReport:
    return LambdaReport(
        request_id=request_id,
        duration_ms=billed,
        billed_ms=billed,
        memory_mb=1024,
        max_memory_mb=80,
        init_ms=init,
        status="success",
        timestamp="2026-12-01T00:00:00Z",
        sandbox_id=sandbox,
    )


def test_provisioned_share_counts_sandboxes_that_started_before_the_run() -> None:
    reports = [
        _report("a", "pc-1", 10, None),  # provisioned: no Init Duration in the window
        _report("b", "od-1", 300, 250.0),  # on demand: its first REPORT has one
        _report("c", "od-1", 20, None),  # later invokes on it are on demand too
        _report("d", "pc-1", 70, None),
    ]
    assert provisioned_share(reports) == pytest.approx(80 / 400)
    assert provisioned_share([]) == 0.0
