"""Models rendered as the API's JSON documents."""

from __future__ import annotations

from typing import Any

from monolith.wildrydes.models import Ride, Unicorn
from monolith.wildrydes.validation import PageRequest


def unicorn_json(unicorn: Unicorn) -> dict[str, Any]:
    return {
        "name": unicorn.name,
        "color": unicorn.color,
        "gender": unicorn.gender,
        "location": {"lat": unicorn.lat, "lng": unicorn.lng},
        "available": unicorn.available,
    }


def ride_json(ride: Ride) -> dict[str, Any]:
    return {
        "id": str(ride.id),
        "unicorn": {
            "name": ride.unicorn.name,
            "color": ride.unicorn.color,
            "gender": ride.unicorn.gender,
        },
        "pickup": {"lat": ride.pickup_lat, "lng": ride.pickup_lng},
        "requested_at": ride.requested_at.isoformat(),
        "completed_at": ride.completed_at.isoformat() if ride.completed_at else None,
        "status": ride.status,
        # A string keeps the amount exact; JSON numbers are binary floats to most clients.
        "fare": str(ride.fare),
    }


def ride_page_json(rides: list[Ride], count: int, page: PageRequest) -> dict[str, Any]:
    has_next = page.offset + page.page_size < count
    return {
        "results": [ride_json(ride) for ride in rides],
        "page": page.page,
        "page_size": page.page_size,
        "count": count,
        "next": f"/rides?page={page.page + 1}&page_size={page.page_size}" if has_next else None,
    }
