"""Project profiles: which one a configuration gets, and every hook of both profiles."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from strangler.measure.compare import profile_load_environment
from strangler.profiles import profile_for, seed_command
from strangler.profiles.wildrydes.profile import WildRydesProfile
from strangler_core.config import Config, load_config
from strangler_core.errors import ConfigError
from strangler_core.profile import ExpectedAnswer, GenericProfile

REPO_ROOT = Path(__file__).resolve().parents[2]
SHELF = REPO_ROOT / "tests" / "fixtures" / "shelf"
WILDRYDES_SEED = ("seed_wildrydes", "--unicorns", "50", "--riders", "1000")


def config(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "strangler.toml"
    path.write_text(f'[project]\nrun_dir = "{tmp_path / "run"}"\n{text}')
    return load_config(path, environ={})


def test_auto_recognises_the_sample_and_nothing_else(tmp_path: Path) -> None:
    sample = config(tmp_path, f'[django]\npath = "{REPO_ROOT}"\n')
    assert sample.project.profile == "auto"
    assert profile_for(sample).name == "wildrydes"
    shelf = config(tmp_path, f'[django]\npath = "{SHELF}"\nsettings = "shelf_project.settings"\n')
    assert profile_for(shelf).name == "generic"


def test_a_named_profile_is_used_as_named(tmp_path: Path) -> None:
    forced = config(tmp_path, f'profile = "generic"\n[django]\npath = "{REPO_ROOT}"\n')
    assert profile_for(forced).name == "generic"
    unknown = config(tmp_path, 'profile = "shop"\n')
    with pytest.raises(
        ConfigError,
        match=r"\[project\] profile: unknown profile 'shop' \(known: auto, generic, wildrydes\)",
    ):
        profile_for(unknown)


def test_the_seed_is_the_profiles_unless_set(tmp_path: Path) -> None:
    sample = f'[django]\npath = "{REPO_ROOT}"\n'
    assert seed_command(config(tmp_path, sample)) == WILDRYDES_SEED
    assert seed_command(config(tmp_path, sample + "seed = []\n")) == ()
    own = config(tmp_path, sample + 'seed = ["load_fixtures", "--small"]\n')
    assert seed_command(own) == ("load_fixtures", "--small")
    assert seed_command(config(tmp_path, f'[django]\npath = "{SHELF}"\n')) == ()


def test_generic_profile_adds_nothing(tmp_path: Path) -> None:
    generic = GenericProfile()
    assert generic.seed_command() == ()
    assert generic.environment(tmp_path) == {}
    assert generic.credentials(tmp_path, ("anything",)) == ()
    assert generic.parity_ignore() == ()
    assert generic.expected_answers() == ()
    assert generic.hints("http://127.0.0.1:8080", ()) == ("try: curl -i http://127.0.0.1:8080/",)
    assert generic.locustfile() is None
    assert generic.load_environment(tmp_path, ()) == {}
    assert generic.demo_route() is None
    assert not list(tmp_path.iterdir())  # nothing written to the run directory


def test_wildrydes_environment_keeps_one_owner_only_secret(tmp_path: Path) -> None:
    env = WildRydesProfile().environment(tmp_path)
    secret = env["WILDRYDES_TOKEN_SECRET"]
    assert len(secret) == 64
    assert WildRydesProfile().environment(tmp_path) == env  # the same on every up
    stored = tmp_path / "secrets.json"
    assert json.loads(stored.read_text()) == {"token_secret": secret}
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_wildrydes_credentials_are_the_demo_riders_token_as_the_monolith_derives_it(
    tmp_path: Path,
) -> None:
    from monolith.wildrydes.tokens import derive_token

    profile = WildRydesProfile()
    secret = profile.environment(tmp_path)["WILDRYDES_TOKEN_SECRET"]
    expected = hmac.new(secret.encode(), b"demo", hashlib.sha256).hexdigest()
    assert derive_token(secret, "demo") == expected
    assert profile.credentials(tmp_path, WILDRYDES_SEED) == (
        ("Authorization", f"Bearer {expected}"),
    )
    assert profile.credentials(tmp_path, ()) == ()  # nothing seeded: no rider exists


def test_wildrydes_hints_print_the_token_and_a_curl_line() -> None:
    hints = WildRydesProfile().hints("http://127.0.0.1:8080", (("Authorization", "Bearer abc"),))
    assert hints == (
        "demo rider token: abc",
        "try: curl -H 'Authorization: Bearer abc' http://127.0.0.1:8080/unicorns",
    )
    assert WildRydesProfile().hints("http://g", ()) == ("try: curl -i http://g/",)


def test_wildrydes_parity_ignores_and_expected_answers() -> None:
    assert WildRydesProfile().parity_ignore() == ("**.requested_at", "**.completed_at")
    assert WildRydesProfile().expected_answers() == (ExpectedAnswer(503, "no_unicorn_available"),)


def test_wildrydes_load_environment_and_locustfile(tmp_path: Path) -> None:
    sample = config(tmp_path, f'[django]\npath = "{REPO_ROOT}"\n')
    env = profile_load_environment(sample)
    assert env["WILDRYDES_RIDERS"] == "1000"  # from the seed command's --riders
    assert (
        env["WILDRYDES_TOKEN_SECRET"]
        == json.loads((sample.run_dir / "secrets.json").read_text())["token_secret"]
    )
    assert env["STRANGLER_LT_EXPECTED_ANSWERS"] == "503:no_unicorn_available"
    journeys = WildRydesProfile().locustfile()
    assert journeys is not None and "class WildRydesRider(FastHttpUser)" in journeys.read_text()
    assert profile_for(sample).locustfile() == journeys


def test_generic_load_environment_and_locustfile(tmp_path: Path) -> None:
    shelf = config(tmp_path, f'[django]\npath = "{SHELF}"\n')
    assert profile_load_environment(shelf) == {"STRANGLER_LT_EXPECTED_ANSWERS": ""}
    assert profile_for(shelf).locustfile() is None


def test_demo_is_the_profiles(tmp_path: Path) -> None:
    assert WildRydesProfile().demo_route() == "/rides"
    shelf = config(tmp_path, f'[django]\npath = "{SHELF}"\n')
    result = subprocess.run(
        [sys.executable, "-m", "strangler", "--config", str(shelf.source), "demo"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "the 'generic' profile has no demo" in " ".join(result.stderr.split())
