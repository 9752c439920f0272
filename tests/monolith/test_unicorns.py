from __future__ import annotations

import pytest

from tests.monolith.conftest import MakeUnicorn, RiderClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet(make_unicorn: MakeUnicorn) -> None:
    make_unicorn("Shadowfax", 47.61, -122.33, color="white", gender="male")
    make_unicorn("Rocinante", 47.62, -122.31, available=False, color="gold")
    make_unicorn("Bucephalus", 47.60, -122.30)


def test_list_is_sorted_by_name_and_complete(alice: RiderClient, fleet: None) -> None:
    response = alice.get("/unicorns")
    assert response.status_code == 200
    body = response.json()
    assert [u["name"] for u in body] == ["Bucephalus", "Rocinante", "Shadowfax"]
    assert body[2] == {
        "name": "Shadowfax",
        "color": "white",
        "gender": "male",
        "location": {"lat": 47.61, "lng": -122.33},
        "available": True,
    }


def test_list_filters_on_availability(alice: RiderClient, fleet: None) -> None:
    free = alice.get("/unicorns?available=true").json()
    busy = alice.get("/unicorns?available=false").json()
    assert [u["name"] for u in free] == ["Bucephalus", "Shadowfax"]
    assert [u["name"] for u in busy] == ["Rocinante"]


def test_bad_availability_filter_is_400_naming_the_field(alice: RiderClient, fleet: None) -> None:
    response = alice.get("/unicorns?available=maybe")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_field"
    assert response.json()["field"] == "available"


def test_one_unicorn_by_name(alice: RiderClient, fleet: None) -> None:
    response = alice.get("/unicorns/Rocinante")
    assert response.status_code == 200
    assert response.json()["color"] == "gold"
    assert response.json()["available"] is False


def test_unknown_unicorn_is_404_json(alice: RiderClient, fleet: None) -> None:
    response = alice.get("/unicorns/Binky")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_empty_fleet_is_an_empty_list(alice: RiderClient) -> None:
    assert alice.get("/unicorns").json() == []
