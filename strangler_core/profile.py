"""The project profile: what the harness may know about one particular Django project.

The harness itself is generic. What only one project can know (how its users authenticate, its
seed command, its Locust journeys, answers of its own that are not failures, fields the parity
check should ignore, what to try once it is up) is a profile. Profiles live in
``strangler/profiles/<name>/`` and are picked by ``[project] profile``; a project without one
gets ``GenericProfile``: no credentials, no seed, no journeys, nothing ignored but
``[parity] ignore``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

Headers = tuple[tuple[str, str], ...]
"""Request headers in order, as sent: ``(("Cookie", "sessionid=..."),)``."""


@dataclass(frozen=True)
class ExpectedAnswer:
    """An error status that is the application's normal answer, not a failure of either path.

    A response with ``status`` whose body's first 200 bytes contain ``marker`` is not counted as
    an error in a comparison (e.g. 503 with the project's own "nothing available" code).
    """

    status: int
    marker: str

    def encode(self) -> str:
        return f"{self.status}:{self.marker}"


class ProjectProfile(Protocol):
    """What a profile provides; every hook has a generic answer in ``GenericProfile``."""

    @property
    def name(self) -> str: ...

    def detects(self, django_path: Path, settings_module: str) -> bool:
        """Whether ``[project] profile = "auto"`` should pick this profile for the project."""
        ...

    def seed_command(self) -> tuple[str, ...]:
        """The management command ``up`` runs after ``migrate`` when ``[django] seed`` is unset."""
        ...

    def environment(self, run_dir: Path) -> Mapping[str, str]:
        """Extra environment of the project's Django processes (migrate, seed, the monolith)."""
        ...

    def credentials(self, run_dir: Path, seed: Sequence[str]) -> Headers:
        """Headers that authenticate the harness's own requests (parity, smoke check, invoke)."""
        ...

    def parity_ignore(self) -> tuple[str, ...]:
        """JSON fields the parity check ignores on top of ``[parity] ignore``."""
        ...

    def expected_answers(self) -> tuple[ExpectedAnswer, ...]:
        """Error answers of the application itself that a comparison does not count."""
        ...

    def hints(self, gateway_url: str, credentials: Headers) -> tuple[str, ...]:
        """Lines ``up`` and ``status`` print: what to try against the running stack."""
        ...

    def locustfile(self) -> Path | None:
        """The project's Locust journeys (an ordinary locustfile), if the profile has them."""
        ...

    def load_environment(self, run_dir: Path, seed: Sequence[str]) -> Mapping[str, str]:
        """Environment of the Locust process that the journeys read."""
        ...

    def demo_route(self) -> str | None:
        """The route ``strangler demo`` moves and compares (None: the profile has no demo)."""
        ...

    def demo_requests(self, base_url: str, credentials: Headers) -> list[Exchange]:
        """The demo's tour: real requests to the monolith at ``base_url``, as they went."""
        ...


@dataclass(frozen=True)
class Exchange:
    """One request of a demo's tour and what came back, in a few words."""

    method: str
    path: str
    status: int
    elapsed_ms: float
    note: str


@dataclass(frozen=True)
class GenericProfile:
    """A project the harness knows nothing particular about."""

    name: str = "generic"

    def detects(self, django_path: Path, settings_module: str) -> bool:
        return False

    def seed_command(self) -> tuple[str, ...]:
        return ()

    def environment(self, run_dir: Path) -> Mapping[str, str]:
        return {}

    def credentials(self, run_dir: Path, seed: Sequence[str]) -> Headers:
        return ()

    def parity_ignore(self) -> tuple[str, ...]:
        return ()

    def expected_answers(self) -> tuple[ExpectedAnswer, ...]:
        return ()

    def hints(self, gateway_url: str, credentials: Headers) -> tuple[str, ...]:
        return (f"try: curl -i {gateway_url}/",)

    def locustfile(self) -> Path | None:
        return None

    def load_environment(self, run_dir: Path, seed: Sequence[str]) -> Mapping[str, str]:
        return {}

    def demo_route(self) -> str | None:
        return None

    def demo_requests(self, base_url: str, credentials: Headers) -> list[Exchange]:
        return []


def curl_headers(credentials: Headers) -> str:
    """``-H 'Name: value' ...`` for a hint line (the values are meant to be copied)."""
    return "".join(f"-H '{name}: {value}' " for name, value in credentials)


__all__ = [
    "Exchange",
    "ExpectedAnswer",
    "GenericProfile",
    "Headers",
    "ProjectProfile",
    "curl_headers",
]
