from __future__ import annotations

import math
from decimal import Decimal

import pytest

from monolith.wildrydes.geo import EARTH_RADIUS_KM, Point, haversine_km, quote_fare


def test_distance_to_itself_is_zero() -> None:
    assert haversine_km(Point(47.6, -122.3), Point(47.6, -122.3)) == 0


def test_distance_along_a_meridian_is_the_arc_length() -> None:
    km = haversine_km(Point(47.0, -122.3), Point(48.0, -122.3))
    assert km == pytest.approx(EARTH_RADIUS_KM * math.radians(1.0))


def test_distance_is_symmetric_and_antipodes_are_half_the_circumference() -> None:
    seattle, portland = Point(47.6062, -122.3321), Point(45.5152, -122.6784)
    assert haversine_km(seattle, portland) == pytest.approx(haversine_km(portland, seattle))
    assert haversine_km(Point(0, 0), Point(0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_a_degree_of_longitude_shrinks_with_latitude() -> None:
    at_equator = haversine_km(Point(0, 0), Point(0, 1))
    at_seattle = haversine_km(Point(47.6, 0), Point(47.6, 1))
    assert at_seattle == pytest.approx(at_equator * math.cos(math.radians(47.6)), rel=1e-4)


@pytest.mark.parametrize(
    ("distance_km", "fare"),
    [
        (0, "2.50"),
        (1, "3.70"),
        (4 / 3, "4.10"),
        (0.1875, "2.73"),  # 2.725 exactly: half-up, not banker's rounding
        (10.0, "14.50"),
    ],
)
def test_fare_is_base_plus_per_km_rounded_to_cents(distance_km: float, fare: str) -> None:
    quoted = quote_fare(distance_km)
    assert quoted == Decimal(fare)
    assert str(quoted) == fare


@pytest.mark.parametrize("distance_km", [-1.0, math.nan, math.inf])
def test_fare_rejects_impossible_distances(distance_km: float) -> None:
    with pytest.raises(ValueError, match="distance"):
        quote_fare(distance_km)
