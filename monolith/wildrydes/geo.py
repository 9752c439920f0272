"""Distances on the Earth and the fare they cost; pure functions."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
BASE_FARE = Decimal("2.50")
FARE_PER_KM = Decimal("1.20")
_CENT = Decimal("0.01")


class Point(NamedTuple):
    lat: float
    lng: float


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two points, in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlng = math.radians(b.lng - a.lng)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def quote_fare(distance_km: float) -> Decimal:
    """The fare for a unicorn travelling ``distance_km`` to the pickup, rounded to cents."""
    if distance_km < 0 or not math.isfinite(distance_km):
        raise ValueError(f"distance must be a finite, non-negative number, got {distance_km!r}")
    return (BASE_FARE + FARE_PER_KM * Decimal(distance_km)).quantize(_CENT, ROUND_HALF_UP)
