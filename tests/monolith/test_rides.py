from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import pytest

from monolith.wildrydes.geo import Point, haversine_km, quote_fare
from monolith.wildrydes.models import Ride, Unicorn
from tests.monolith.conftest import MakeRider, MakeUnicorn, RiderClient

pytestmark = pytest.mark.django_db

PICKUP = {"lat": 47.6, "lng": -122.3}


def test_request_books_the_nearest_free_unicorn(
    alice: RiderClient, make_unicorn: MakeUnicorn
) -> None:
    make_unicorn("Far", 47.70, -122.30)
    make_unicorn("North", 47.61, -122.30)  # 1.11 km
    make_unicorn("Busy", 47.6, -122.3, available=False)
    # Farther than North in raw degrees, nearer on the ground (1.05 km): a degree of
    # longitude is short at this latitude.
    make_unicorn("East", 47.60, -122.286)

    response = alice.post("/rides", PICKUP)

    assert response.status_code == 201
    ride = response.json()
    assert response["Location"] == f"/rides/{ride['id']}"
    assert ride["unicorn"] == {"name": "East", "color": "white", "gender": "female"}
    assert ride["pickup"] == PICKUP
    assert ride["status"] == "en_route"
    assert ride["completed_at"] is None
    assert datetime.fromisoformat(ride["requested_at"]).tzinfo is not None
    assert Unicorn.objects.get(name="East").available is False
    assert Unicorn.objects.get(name="North").available is True
    assert Unicorn.objects.get(name="Far").available is True


def test_fare_is_quoted_from_the_unicorn_to_the_pickup(
    alice: RiderClient, make_unicorn: MakeUnicorn
) -> None:
    make_unicorn("Near", 47.61, -122.30)
    expected = quote_fare(haversine_km(Point(47.61, -122.30), Point(47.6, -122.3)))

    ride = alice.post("/rides", PICKUP).json()

    assert expected == Decimal("3.83")  # 0.01 degree of latitude is 1.112 km
    assert ride["fare"] == "3.83"
    assert Ride.objects.get(id=ride["id"]).fare == expected


def test_no_free_unicorn_is_503_json(alice: RiderClient, make_unicorn: MakeUnicorn) -> None:
    make_unicorn("Busy", available=False)
    response = alice.post("/rides", PICKUP)
    assert response.status_code == 503
    assert response.json()["error"] == "no_unicorn_available"
    assert Ride.objects.count() == 0


def test_a_unicorn_is_booked_once(alice: RiderClient, make_unicorn: MakeUnicorn) -> None:
    make_unicorn("Only")
    assert alice.post("/rides", PICKUP).status_code == 201
    assert alice.post("/rides", PICKUP).status_code == 503


def test_get_own_ride(alice: RiderClient, make_unicorn: MakeUnicorn) -> None:
    make_unicorn("Near")
    created = alice.post("/rides", PICKUP).json()
    response = alice.get(f"/rides/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_another_riders_ride_is_404(
    alice: RiderClient, make_rider: MakeRider, make_unicorn: MakeUnicorn
) -> None:
    make_unicorn("Near")
    ride_id = alice.post("/rides", PICKUP).json()["id"]
    mallory = make_rider("mallory")

    for response in (
        mallory.get(f"/rides/{ride_id}"),
        mallory.post(f"/rides/{ride_id}/complete"),
        mallory.get(f"/rides/{uuid.uuid4()}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": "ride not found"}
    assert mallory.get("/rides").json()["count"] == 0
    assert Ride.objects.get(id=ride_id).status == "en_route"


def test_malformed_ride_id_is_404_json(alice: RiderClient) -> None:
    response = alice.get("/rides/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_complete_frees_the_unicorn_at_the_pickup_then_409(
    alice: RiderClient, make_unicorn: MakeUnicorn
) -> None:
    make_unicorn("Near", 47.61, -122.31)
    ride_id = alice.post("/rides", PICKUP).json()["id"]

    response = alice.post(f"/rides/{ride_id}/complete")

    assert response.status_code == 200
    ride = response.json()
    assert ride["status"] == "completed"
    assert datetime.fromisoformat(ride["completed_at"]) >= datetime.fromisoformat(
        ride["requested_at"]
    )
    unicorn = Unicorn.objects.get(name="Near")
    assert (unicorn.available, unicorn.lat, unicorn.lng) == (True, 47.6, -122.3)
    assert alice.get(f"/rides/{ride_id}").json() == ride

    again = alice.post(f"/rides/{ride_id}/complete")
    assert again.status_code == 409
    assert again.json()["error"] == "ride_already_completed"
    assert alice.get(f"/rides/{ride_id}").json() == ride


def book_rides(rider: RiderClient, count: int) -> list[str]:
    """Book and complete ``count`` rides one after another; their ids, oldest first."""
    ids = []
    for _ in range(count):
        ride_id = rider.post("/rides", PICKUP).json()["id"]
        assert rider.post(f"/rides/{ride_id}/complete").status_code == 200
        ids.append(ride_id)
    return ids


def test_rides_are_listed_newest_first_in_pages(
    alice: RiderClient, make_rider: MakeRider, make_unicorn: MakeUnicorn
) -> None:
    make_unicorn("Near")
    ids = book_rides(alice, 5)
    book_rides(make_rider("bob"), 2)
    newest_first = ids[::-1]

    first = alice.get("/rides?page_size=2").json()
    assert [r["id"] for r in first["results"]] == newest_first[:2]
    assert (first["page"], first["page_size"], first["count"]) == (1, 2, 5)
    assert first["next"] == "/rides?page=2&page_size=2"

    second = alice.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == newest_first[2:4]

    last = alice.get("/rides?page=3&page_size=2").json()
    assert [r["id"] for r in last["results"]] == newest_first[4:]
    assert last["next"] is None

    beyond = alice.get("/rides?page=9&page_size=2").json()
    assert beyond["results"] == []
    assert (beyond["count"], beyond["next"]) == (5, None)


def test_default_page(alice: RiderClient, make_unicorn: MakeUnicorn) -> None:
    make_unicorn("Near")
    book_rides(alice, 1)
    body = alice.get("/rides").json()
    assert (body["page"], body["page_size"], body["count"], body["next"]) == (1, 20, 1, None)
    assert body["results"][0]["status"] == "completed"


def test_exactly_one_full_page_has_no_next(alice: RiderClient, make_unicorn: MakeUnicorn) -> None:
    make_unicorn("Near")
    book_rides(alice, 2)
    assert alice.get("/rides?page_size=2").json()["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-2", "page"),
        ("page=two", "page"),
        ("page=99999999999999999999999", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=1.5", "page_size"),
    ],
)
def test_bad_page_values_are_400_naming_the_field(
    alice: RiderClient, query: str, field: str
) -> None:
    response = alice.get(f"/rides?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_field"
    assert response.json()["field"] == field
