"""The Wild Rydes profile: what the harness knows about the sample app in ``monolith/``.

Riders authenticate with ``Authorization: Bearer <token>``, a token being HMAC-SHA256 of the
username under a secret the harness keeps in its run directory and hands to the seed command
(``tokens.py``). ``seed_wildrydes`` creates the fleet and riders ``demo``, ``rider-00001``...;
the harness acts as ``demo``, the journeys as any seeded rider. A 503 ``no_unicorn_available``
is the app's answer when the fleet is busy, not a failure of either path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from strangler.profiles.wildrydes.demo import DEMO_ROUTE, tour
from strangler.profiles.wildrydes.tokens import load_or_create_token_secret, rider_token
from strangler_core.profile import (
    Exchange,
    ExpectedAnswer,
    GenericProfile,
    Headers,
    curl_headers,
)

TOKEN_SECRET_ENV = "WILDRYDES_TOKEN_SECRET"
"""The secret of riders' tokens, for the seed command and the journeys."""
RIDERS_ENV = "WILDRYDES_RIDERS"
"""How many riders the seed created (``rider-00001`` ... ``rider-<n>``), for the journeys."""

SEED_COMMAND = "seed_wildrydes"
DEMO_USER = "demo"
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class WildRydesProfile(GenericProfile):
    name: str = "wildrydes"

    def detects(self, django_path: Path, settings_module: str) -> bool:
        """The project ships the ``seed_wildrydes`` command beside its settings package."""
        package = django_path / settings_module.split(".")[0]
        return (package / "wildrydes" / "management" / "commands" / f"{SEED_COMMAND}.py").exists()

    def seed_command(self) -> tuple[str, ...]:
        return (SEED_COMMAND, "--unicorns", "50", "--riders", "1000")

    def environment(self, run_dir: Path) -> Mapping[str, str]:
        return {TOKEN_SECRET_ENV: load_or_create_token_secret(run_dir)}

    def credentials(self, run_dir: Path, seed: Sequence[str]) -> Headers:
        if SEED_COMMAND not in seed:
            return ()  # no riders were seeded, so no token is valid
        token = rider_token(load_or_create_token_secret(run_dir), DEMO_USER)
        return (("Authorization", f"Bearer {token}"),)

    def parity_ignore(self) -> tuple[str, ...]:
        return ("**.requested_at", "**.completed_at")

    def expected_answers(self) -> tuple[ExpectedAnswer, ...]:
        return (ExpectedAnswer(503, "no_unicorn_available"),)

    def hints(self, gateway_url: str, credentials: Headers) -> tuple[str, ...]:
        if not credentials:
            return super().hints(gateway_url, credentials)
        token = dict(credentials)["Authorization"].removeprefix("Bearer ")
        return (
            f"demo rider token: {token}",
            f"try: curl {curl_headers(credentials)}{gateway_url}/unicorns",
        )

    def locustfile(self) -> Path | None:
        return HERE / "journeys.py"

    def load_environment(self, run_dir: Path, seed: Sequence[str]) -> Mapping[str, str]:
        return {
            TOKEN_SECRET_ENV: load_or_create_token_secret(run_dir),
            RIDERS_ENV: str(riders_seeded(seed)),
        }

    def demo_route(self) -> str | None:
        return DEMO_ROUTE

    def demo_requests(self, base_url: str, credentials: Headers) -> list[Exchange]:
        return tour(base_url, credentials)


def riders_seeded(seed: Sequence[str]) -> int:
    """The ``--riders N`` of the seed command line (1 when it names none: just ``demo``)."""
    seed = list(seed)
    if "--riders" in seed and seed.index("--riders") + 1 < len(seed):
        return int(seed[seed.index("--riders") + 1])
    return 1
