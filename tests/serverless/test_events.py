from __future__ import annotations

import pytest

from serverless.events import is_prewarm, mark_cold_start


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"isPrewarm": True}, True),
        ({"isPrewarm": "yes"}, False),
        ({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, True),
        ({"source": "aws.events"}, True),
        ({"source": "aws.events", "detail-type": "EC2 Instance State-change"}, False),
        ({"version": "2.0", "routeKey": "GET /rides", "requestContext": {}}, False),
        ([], False),
        ("isPrewarm", False),
    ],
)
def test_prewarm_events(event: object, expected: bool) -> None:
    assert is_prewarm(event) is expected


def test_cold_start_header_added_without_touching_others() -> None:
    response = {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}
    marked = mark_cold_start(response, "x-strangler-cold-start")
    assert marked["headers"] == {
        "content-type": "application/json",
        "x-strangler-cold-start": "1",
    }
    assert "x-strangler-cold-start" not in response["headers"]


def test_cold_start_header_when_response_has_no_headers() -> None:
    assert mark_cold_start({"statusCode": 204}, "x-cold")["headers"] == {"x-cold": "1"}
