"""Every error is JSON: bad input, wrong methods, unknown URLs, and the server's own faults."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import override_settings

from monolith.wildrydes.models import Ride
from tests.monolith.conftest import MakeUnicorn, RiderClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def free_unicorn(make_unicorn: MakeUnicorn) -> None:
    make_unicorn("Shadowfax")


@pytest.mark.parametrize(
    "raw", [b"{", b"", b"lat=1&lng=2", b"\xff", b"[47.6, -122.3]", b"47.6", b"null"]
)
def test_bad_json_bodies_are_400_invalid_json(alice: RiderClient, raw: bytes) -> None:
    response = alice.client.post("/rides", raw, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "invalid_json"
    assert Ride.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lng": -122.3}, "lat"),
        ({"lat": 47.6}, "lng"),
        ({"lat": 47.6, "lng": 181}, "lng"),
        ({"lat": -90.5, "lng": 0}, "lat"),
        ({"lat": "47.6", "lng": -122.3}, "lat"),
        ({"lat": True, "lng": -122.3}, "lat"),
        ({"lat": 47.6, "lng": None}, "lng"),
    ],
)
def test_bad_fields_are_400_naming_the_field(
    alice: RiderClient, body: dict[str, object], field: str
) -> None:
    response = alice.post("/rides", body)
    assert response.status_code == 400
    error = response.json()
    assert (error["error"], error["field"]) == ("invalid_field", field)
    assert field in error["message"]
    assert Ride.objects.count() == 0


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_numbers_are_rejected(alice: RiderClient, literal: bytes) -> None:
    raw = b'{"lat": ' + literal + b', "lng": 0}'
    response = alice.client.post("/rides", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "lat"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("delete", "/rides", "GET, POST"),
        ("put", "/unicorns", "GET"),
        ("post", "/health", "GET"),
        ("get", "/rides/00000000-0000-0000-0000-000000000000/complete", "POST"),
        ("patch", "/rides/00000000-0000-0000-0000-000000000000", "GET"),
    ],
)
def test_wrong_method_is_405_json_with_allow(
    alice: RiderClient, method: str, path: str, allow: str
) -> None:
    response = getattr(alice.client, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert response.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/nope", "/rides/", "/unicorns/", "/", "/health/"])
def test_unknown_urls_are_404_json(alice: RiderClient, path: str) -> None:
    response = alice.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "not_found"


def test_unexpected_errors_are_500_json(
    alice: RiderClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("monolith.wildrydes.views.unicorn_json", broken)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {alice.token}", raise_request_exception=False)
    response = client.get("/unicorns")
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "message": "internal server error"}


@override_settings(ALLOWED_HOSTS=["wildrydes.example"])
def test_a_disallowed_host_is_400_json() -> None:
    response = Client().get("/health", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_an_oversized_body_is_400_json(alice: RiderClient) -> None:
    response = alice.post("/rides", {"lat": 47.6, "lng": -122.3, "padding": "x" * 200})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert Ride.objects.count() == 0
