"""The overhead probes' figures (pure) and the files they are joined from after the run; the
probes themselves run in every real comparison (test_compare.py, test_compare_shelf.py)."""

from __future__ import annotations

import json
from pathlib import Path

from loadtests.report.raw import OverheadProbe
from strangler.measure.compare import _copy_window
from strangler.measure.overhead import PROBE_ROUTE_KEY, Sent, Served, probes_of, with_probe_route
from strangler.measure.prober import read_durations, read_served
from strangler_core.matching import RouteMatcher
from strangler_core.routes import Integration, Route, default_route_table


def test_each_probe_keeps_what_of_its_round_trip_was_not_the_harness() -> None:
    sent = [
        Sent("lambda", 2.0, 9.0, "gw-2"),
        Sent("monolith", 1.0, 5.0, "gw-1"),
        Sent("lambda", 3.0, 40.0, "gw-3"),  # landed on a new sandbox: its round trip holds INIT
        Sent("lambda", 4.0, 8.0, "gw-4"),  # no REPORT record for its invocation
        Sent("monolith", 5.0, 6.0, "gw-5"),  # the gateway did not reach the monolith
        Sent("monolith", 6.0, 6.0, "gw-6"),  # not in the access log
    ]
    served = {
        "gw-1": Served(integration_ms=3.5),
        "gw-2": Served(integration_ms=7.0, lambda_request_id="inv-2"),
        "gw-3": Served(integration_ms=38.0, lambda_request_id="inv-3", cold_start=True),
        "gw-4": Served(integration_ms=6.0, lambda_request_id="inv-4"),
        "gw-5": Served(integration_ms=None),
    }
    durations = {"inv-2": 1.25, "inv-3": 2.0}
    assert probes_of(sent, served, durations) == [
        # the monolith path: the gateway's own wait on the monolith
        OverheadProbe(t=1.0, path="monolith", through_ms=5.0, inner_ms=3.5),
        # the Lambda path: the function's REPORT Duration, the gateway's wait on the service kept
        # to tell the gateway's share from the service's
        OverheadProbe(t=2.0, path="lambda", through_ms=9.0, inner_ms=1.25, integration_ms=7.0),
    ]


def test_the_probe_route_wins_over_greedy_and_default_routes_on_its_paths_integration() -> None:
    """A full match of route and method is API Gateway's first choice, before greedy path
    variables and ``$default`` (AWS's "Create routes for HTTP APIs in API Gateway", "Routing
    API requests"): the probe reaches its path's integration whatever the user's table holds."""
    table = default_route_table().with_route(Route("ANY /{proxy+}", Integration.monolith(), "now"))
    table = with_probe_route(table, Integration.aws_proxy("shop"), "now")
    match = RouteMatcher(table).match("GET", "/strangler-harness-probe")
    assert match is not None and match.route.route_key == PROBE_ROUTE_KEY
    assert match.route.integration.function == "shop"
    other = RouteMatcher(table).match("GET", "/api/books/")
    assert other is not None and other.route.route_key == "ANY /{proxy+}"


def test_the_probes_lines_are_read_from_the_access_log_and_the_report_records(
    tmp_path: Path,
) -> None:
    """All the probe route's lines, also one whose answer the prober lost (its invocation is
    still the harness's, to leave out of the run's REPORTs)."""
    access = tmp_path / "lambda-routes.access.jsonl"
    lines = (
        {"requestId": "load-1", "routeKey": "GET /api/books", "lambdaRequestId": "inv-1"},
        {
            "requestId": "gw-2",
            "routeKey": PROBE_ROUTE_KEY,
            "integrationLatency": 7.0,
            "lambdaRequestId": "inv-2",
            "coldStart": None,
        },
        {
            "requestId": "gw-3",
            "routeKey": PROBE_ROUTE_KEY,
            "integrationLatency": 38.0,
            "lambdaRequestId": "inv-3",
            "coldStart": True,
        },
    )
    access.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert read_served(access) == {
        "gw-2": Served(integration_ms=7.0, lambda_request_id="inv-2"),
        "gw-3": Served(integration_ms=38.0, lambda_request_id="inv-3", cold_start=True),
    }
    assert read_served(tmp_path / "none.jsonl") == {}
    reports = tmp_path / "reports.jsonl"
    reports.write_text(
        '{"request_id": "inv-1", "duration_ms": 15.5}\n'
        '{"request_id": "inv-2", "duration_ms": 1.25}\n'
    )
    assert read_durations(reports, {"inv-2", "inv-3"}) == {"inv-2": 1.25}
    assert read_durations(tmp_path / "none.jsonl", {"inv-2"}) == {}


def test_the_probes_records_are_left_out_of_the_runs_window(tmp_path: Path) -> None:
    """The run's REPORT records without the probes' invocations, its X-Ray segments without
    the probes' traces (both files also hold other runs' records, outside the window)."""
    reports = tmp_path / "reports.jsonl"
    reports.write_text(
        "".join(
            json.dumps({"request_id": rid, "timestamp": at}) + "\n"
            for rid, at in (("before", 50.0), ("load", 105.0), ("probe", 106.0), ("after", 300))
        )
    )
    kept = tmp_path / "kept.jsonl"
    _copy_window(reports, kept, 100.0, 200.0, "timestamp", frozenset({"probe"}))
    assert [json.loads(line)["request_id"] for line in kept.read_text().splitlines()] == ["load"]

    segments = tmp_path / "segments.jsonl"
    segments.write_text(
        '{"trace_id": "1-a", "start_time": 101.0}\n{"trace_id": "1-b", "start_time": 102.0}\n'
    )
    _copy_window(segments, kept, 100.0, 200.0, "start_time", frozenset({"1-b"}), key="trace_id")
    assert [json.loads(line)["trace_id"] for line in kept.read_text().splitlines()] == ["1-a"]
