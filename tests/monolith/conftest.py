"""Fixtures for the monolith's tests: riders with real tokens, unicorns placed on the map."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from monolith.wildrydes.models import Rider, Unicorn
from monolith.wildrydes.tokens import derive_token, hash_token

TEST_SECRET = "test-secret"

MakeRider = Callable[[str], "RiderClient"]
MakeUnicorn = Callable[..., Unicorn]


class RiderClient:
    """A Django test client that sends one rider's bearer token with every request."""

    def __init__(self, rider: Rider, token: str) -> None:
        self.rider = rider
        self.token = token
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(path, **extra)

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        if body is None:
            return self.client.post(path, **extra)
        return self.client.post(path, body, content_type="application/json", **extra)


def create_rider(username: str) -> RiderClient:
    token = derive_token(TEST_SECRET, username)
    rider = Rider.objects.create(username=username, token_hash=hash_token(token))
    return RiderClient(rider, token)


def create_unicorn(
    name: str,
    lat: float = 47.6,
    lng: float = -122.3,
    *,
    available: bool = True,
    color: str = "white",
    gender: str = "female",
) -> Unicorn:
    return Unicorn.objects.create(
        name=name, lat=lat, lng=lng, available=available, color=color, gender=gender
    )


@pytest.fixture
def make_rider(db: None) -> MakeRider:
    return create_rider


@pytest.fixture
def make_unicorn(db: None) -> MakeUnicorn:
    return create_unicorn


@pytest.fixture
def alice(make_rider: MakeRider) -> RiderClient:
    return make_rider("alice")
