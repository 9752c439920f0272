from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from monolith.wildrydes.auth import bearer_token
from monolith.wildrydes.errors import Unauthorized
from tests.monolith.conftest import MakeRider, RiderClient


def test_bearer_token_is_taken_from_the_header() -> None:
    assert bearer_token("Bearer abc123") == "abc123"
    assert bearer_token("bearer abc123") == "abc123"


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "Basic abc", "Bearer a b", "Bearer  abc", "abc"]
)
def test_malformed_or_missing_headers_are_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        bearer_token(header)


def assert_unauthorized(response: Any, message: str) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert body["error"] == "unauthorized"
    assert message in body["message"]


@pytest.mark.django_db
def test_missing_header_is_401() -> None:
    assert_unauthorized(Client().get("/unicorns"), "missing Authorization header")


@pytest.mark.django_db
def test_malformed_header_is_401(alice: RiderClient) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {alice.token}")
    assert_unauthorized(client.get("/unicorns"), "malformed")


@pytest.mark.django_db
def test_wrong_token_is_401(alice: RiderClient) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {alice.token}x")
    assert_unauthorized(client.get("/rides"), "invalid token")


@pytest.mark.django_db
def test_the_stored_hash_is_not_a_token(alice: RiderClient) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {alice.rider.token_hash}")
    assert_unauthorized(client.get("/rides"), "invalid token")


@pytest.mark.django_db
def test_every_route_but_health_needs_a_token(alice: RiderClient) -> None:
    anonymous = Client()
    ride_path = "/rides/00000000-0000-0000-0000-000000000000"
    for method, path in [
        ("get", "/unicorns"),
        ("get", "/unicorns/Shadowfax"),
        ("get", "/rides"),
        ("post", "/rides"),
        ("get", ride_path),
        ("post", f"{ride_path}/complete"),
    ]:
        assert getattr(anonymous, method)(path).status_code == 401, (method, path)


@pytest.mark.django_db
def test_right_token_is_accepted(make_rider: MakeRider) -> None:
    bob = make_rider("bob")
    response = bob.get("/rides")
    assert response.status_code == 200
    assert response.json()["count"] == 0
