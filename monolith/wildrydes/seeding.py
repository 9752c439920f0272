"""The demo fleet and riders that ``seed_wildrydes`` creates; deterministic, pure functions.

The same arguments always give the same unicorns and usernames, and a smaller fleet is a
prefix of a larger one, so seeding again (even with a larger count) never duplicates anything.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from monolith.wildrydes.geo import Point

SEATTLE = Point(47.6, -122.3)
SCATTER_DEG = 0.05  # about 5 km of latitude either way: the fleet roams one city
DEMO_USERNAME = "demo"

_NAMES = (
    "Shadowfax",
    "Rocinante",
    "Bucephalus",
    "Pegasus",
    "Sparkles",
    "Silver",
    "Glimmer",
    "Stardust",
    "Amalthea",
    "Lady Rainicorn",
    "Twilight",
    "Celestia",
    "Buttercup",
    "Moonbeam",
    "Thunderhoof",
    "Nimbus",
    "Aurora",
    "Comet",
    "Marshmallow",
    "Zephyr",
)
_COLORS = ("white", "silver", "gold", "rainbow", "lavender", "midnight blue", "rose", "emerald")
_GENDERS = ("female", "male")


@dataclass(frozen=True)
class UnicornSpec:
    name: str
    color: str
    gender: str
    location: Point


def unicorn_name(index: int) -> str:
    """``Shadowfax`` ... ``Zephyr``, then ``Shadowfax 2`` ... and so on."""
    base = _NAMES[index % len(_NAMES)]
    generation = index // len(_NAMES)
    return base if generation == 0 else f"{base} {generation + 1}"


def unicorn_specs(count: int) -> list[UnicornSpec]:
    specs = []
    for index in range(count):
        # One generator per unicorn, so unicorn i is the same whatever the fleet size.
        rng = random.Random(index)
        specs.append(
            UnicornSpec(
                name=unicorn_name(index),
                color=_COLORS[index % len(_COLORS)],
                gender=_GENDERS[index % len(_GENDERS)],
                location=Point(
                    lat=round(SEATTLE.lat + rng.uniform(-SCATTER_DEG, SCATTER_DEG), 6),
                    lng=round(SEATTLE.lng + rng.uniform(-SCATTER_DEG, SCATTER_DEG), 6),
                ),
            )
        )
    return specs


def rider_usernames(count: int) -> list[str]:
    """``demo`` plus ``rider-00001`` ... ``rider-<count>``."""
    return [DEMO_USERNAME, *(f"rider-{number:05d}" for number in range(1, count + 1))]
