"""Wild Rydes journeys as Locust users: riders of the seeded data, with their real tokens.

Weighted: list unicorns, look at their rides, and the ride journey itself (request a ride,
look at it, complete it: completing frees the unicorn, so a long run never drains the fleet).
In a comparison run every task alternates between the two paths, so both see the same
moment's conditions; each request is tagged with the path that was asked for.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable, Iterator
from typing import Any

from locust import FastHttpUser, between, constant_throughput, task

from loadtests.settings import LoadSettings, from_environment
from strangler.profiles.wildrydes.profile import RIDERS_ENV, TOKEN_SECRET_ENV
from strangler.profiles.wildrydes.tokens import rider_token

SETTINGS: LoadSettings = from_environment()
TOKEN_SECRET = os.environ.get(TOKEN_SECRET_ENV, "")
RIDERS = int(os.environ.get(RIDERS_ENV, "1"))

# journey name -> the route prefix its requests fall under
JOURNEY_ROUTES = {"list_unicorns": "/unicorns", "ride": "/rides", "list_rides": "/rides"}


def journey_enabled(journey: str, route: str | None) -> bool:
    if route is None:
        return True
    prefix = JOURNEY_ROUTES[journey]
    return prefix == route or prefix.startswith(route.rstrip("/") + "/") or route.startswith(prefix)


def _wait_time() -> Callable[[Any], float]:
    if SETTINGS.load_model == "open":
        # each user paces itself: arrivals stay steady when responses slow down
        return constant_throughput(SETTINGS.per_user_rps)
    return between(0.5, 1.5)


def _weighted(weight: int, journey: str) -> int:
    return weight if journey_enabled(journey, SETTINGS.route) else 0


class WildRydesRider(FastHttpUser):
    wait_time = _wait_time()
    # FastHttpUser needs a host even when comparisons use absolute per-path URLs
    host = next(iter(SETTINGS.path_urls.values()), None)

    def on_start(self) -> None:
        username = f"rider-{random.randint(1, RIDERS):05d}"
        self.auth = {"Authorization": f"Bearer {rider_token(TOKEN_SECRET, username)}"}
        self._paths: Iterator[tuple[str, str]] = itertools.cycle(
            sorted(SETTINGS.path_urls.items()) or [("", "")]
        )
        self._path, self._base = next(self._paths)

    def _next_path(self) -> None:
        self._path, self._base = next(self._paths)

    def _call(self, method: str, url: str, name: str, **kwargs: Any) -> Any:
        label = f"{self._path} {name}".strip()
        with self.client.request(
            method,
            self._base + url,
            name=label,
            headers=self.auth,
            context={"path": self._path},
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code >= 400 and response.status_code != 503:
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()
            return response

    @task(_weighted(3, "list_unicorns"))
    def list_unicorns(self) -> None:
        self._next_path()
        self._call("GET", "/unicorns", "GET /unicorns")

    @task(_weighted(3, "list_rides"))
    def list_rides(self) -> None:
        self._next_path()
        self._call("GET", "/rides?page_size=10", "GET /rides")

    @task(_weighted(2, "ride"))
    def ride(self) -> None:
        self._next_path()
        booked = self._call("POST", "/rides", "POST /rides", json=_pickup())
        if booked.status_code != 201:
            return  # 503: no unicorn free right now, a normal answer
        ride_id = booked.json()["id"]
        self._call("GET", f"/rides/{ride_id}", "GET /rides/[id]")
        self._call("POST", f"/rides/{ride_id}/complete", "POST /rides/[id]/complete")


def _pickup() -> dict[str, float]:
    return {
        "lat": round(random.uniform(47.5, 47.7), 5),
        "lng": round(random.uniform(-122.4, -122.2), 5),
    }
