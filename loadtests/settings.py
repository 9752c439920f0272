"""The load test's settings: read once from the environment into a frozen dataclass.

The ``strangler loadtest`` / ``compare`` commands set these for the Locust process; every
variable name lives here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SCENARIO = "STRANGLER_LT_SCENARIO"
USERS = "STRANGLER_LT_USERS"
PEAK_RPS = "STRANGLER_LT_PEAK_RPS"
DURATION_S = "STRANGLER_LT_DURATION_S"
LOAD_MODEL = "STRANGLER_LT_LOAD_MODEL"
PER_USER_RPS = "STRANGLER_LT_PER_USER_RPS"
ROUTE = "STRANGLER_LT_ROUTE"
PATH_URLS = "STRANGLER_LT_PATHS"  # "monolith=http://...,lambda=http://..." for comparisons
RAW_DIR = "STRANGLER_LT_RAW_DIR"
LOCUSTFILE = "STRANGLER_LT_LOCUSTFILE"
"""The user's own Locust file, whose user classes the harness runs (on both paths to compare)."""
REPLAY_DIR = "STRANGLER_LT_REPLAY_DIR"
"""Captured requests (``strangler_core.traffic``) to replay instead of a Locust file's users."""
EXPECTED_ANSWERS = "STRANGLER_LT_EXPECTED_ANSWERS"
"""The application's own error answers, one ``<status>:<marker>`` a line (not failures)."""


@dataclass(frozen=True)
class LoadSettings:
    scenario: str = "steady"
    users: int = 20
    duration_s: float = 60.0
    load_model: Literal["open", "closed"] = "open"
    per_user_rps: float = 1.0
    expected_answers: tuple[tuple[int, bytes], ...] = ()
    route: str | None = None
    path_urls: Mapping[str, str] = field(default_factory=dict)
    raw_dir: Path | None = None
    locustfile: Path | None = None
    replay_dir: Path | None = None

    @property
    def comparing(self) -> bool:
        return bool(self.path_urls)


def from_environment(env: Mapping[str, str] | None = None) -> LoadSettings:
    from loadtests.shapes import users_for_rps

    env = os.environ if env is None else env
    model = env.get(LOAD_MODEL, "open")
    if model not in ("open", "closed"):
        raise ValueError(f"{LOAD_MODEL} must be open or closed, got {model!r}")
    per_user = float(env.get(PER_USER_RPS, "1"))
    users = int(env.get(USERS, "20"))
    if env.get(PEAK_RPS):
        users = users_for_rps(float(env[PEAK_RPS]), per_user)
    paths = dict(item.split("=", 1) for item in env.get(PATH_URLS, "").split(",") if "=" in item)
    return LoadSettings(
        scenario=env.get(SCENARIO, "steady"),
        users=users,
        duration_s=float(env.get(DURATION_S, "60")),
        load_model=model,  # type: ignore[arg-type]
        per_user_rps=per_user,
        expected_answers=tuple(
            (int(status), marker.encode())
            for status, _, marker in (
                line.partition(":") for line in env.get(EXPECTED_ANSWERS, "").splitlines() if line
            )
        ),
        route=env.get(ROUTE) or None,
        path_urls=paths,
        raw_dir=Path(env[RAW_DIR]) if env.get(RAW_DIR) else None,
        locustfile=Path(env[LOCUSTFILE]) if env.get(LOCUSTFILE) else None,
        replay_dir=Path(env[REPLAY_DIR]) if env.get(REPLAY_DIR) else None,
    )
