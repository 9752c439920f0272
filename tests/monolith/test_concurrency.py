"""Real threads, real PostgreSQL row locks: concurrent bookings never share a unicorn."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections

from monolith.wildrydes.models import Ride, Unicorn
from tests.monolith.conftest import MakeRider, MakeUnicorn, RiderClient

UNICORNS = 5
RIDERS = 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_book_each_unicorn_exactly_once(
    make_rider: MakeRider, make_unicorn: MakeUnicorn
) -> None:
    for index in range(UNICORNS):
        make_unicorn(f"Unicorn {index}", 47.6 + index * 0.001, -122.3)
    riders = [make_rider(f"rider-{index}") for index in range(RIDERS)]
    start = threading.Barrier(RIDERS, timeout=60)  # a hang becomes an error, not a stall

    def book(rider: RiderClient) -> tuple[int, dict[str, Any]]:
        try:
            start.wait()
            response = rider.post("/rides", {"lat": 47.6, "lng": -122.3})
            return response.status_code, response.json()
        finally:
            # Each thread has its own connection; close it so the test database can be flushed.
            connections.close_all()

    with ThreadPoolExecutor(max_workers=RIDERS) as pool:
        outcomes = list(pool.map(book, riders))

    assert Counter(status for status, _ in outcomes) == {201: UNICORNS, 503: RIDERS - UNICORNS}
    booked = [body["unicorn"]["name"] for status, body in outcomes if status == 201]
    assert len(set(booked)) == UNICORNS
    assert Ride.objects.count() == UNICORNS
    assert Ride.objects.values("unicorn").distinct().count() == UNICORNS
    assert not Unicorn.objects.filter(available=True).exists()
