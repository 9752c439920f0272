from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.test.utils import override_settings

from monolith.wildrydes.models import Rider, Unicorn
from monolith.wildrydes.tokens import derive_token, hash_token

REPO_ROOT = Path(__file__).resolve().parents[2]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_wildrydes", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple[object, ...]]:
    unicorns = Unicorn.objects.order_by("name").values_list("name", "color", "gender", "lat", "lng")
    riders = Rider.objects.order_by("username").values_list("username", "token_hash", "created_at")
    return [*unicorns, *riders]


def can_authenticate(token: str) -> bool:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/unicorns").status_code == 200


@pytest.mark.django_db
def test_seeding_twice_changes_nothing() -> None:
    first = seed("--unicorns", "25", "--riders", "30", "--token-secret", "s3cret")
    before = snapshot()
    second = seed("--unicorns", "25", "--riders", "30", "--token-secret", "s3cret")

    assert "unicorns: 25 created, 0 existing" in first
    assert "riders: 31 created, 0 existing" in first
    assert "unicorns: 0 created, 25 existing" in second
    assert "riders: 0 created, 31 existing (0 re-keyed)" in second
    assert snapshot() == before
    assert Unicorn.objects.count() == 25
    assert Unicorn.objects.filter(available=True).count() == 25
    assert Rider.objects.count() == 31


@pytest.mark.django_db
def test_derived_tokens_authenticate() -> None:
    seed("--unicorns", "3", "--riders", "5", "--token-secret", "s3cret")
    assert can_authenticate(derive_token("s3cret", "demo"))
    assert can_authenticate(derive_token("s3cret", "rider-00005"))
    assert not can_authenticate(derive_token("s3cret", "rider-00006"))
    assert not can_authenticate(derive_token("other", "demo"))
    demo = Rider.objects.get(username="demo")
    assert demo.token_hash == hash_token(derive_token("s3cret", "demo"))


@pytest.mark.django_db
def test_growing_the_seed_adds_only_the_new_rows() -> None:
    seed("--unicorns", "5", "--riders", "5", "--token-secret", "s3cret")
    out = seed("--unicorns", "8", "--riders", "7", "--token-secret", "s3cret")
    assert "unicorns: 3 created, 5 existing" in out
    assert "riders: 2 created, 6 existing" in out


@pytest.mark.django_db
def test_seeding_leaves_unicorns_on_a_ride_alone() -> None:
    seed("--unicorns", "2", "--riders", "0", "--token-secret", "s3cret")
    Unicorn.objects.filter(name="Shadowfax").update(available=False, lat=1.0, lng=2.0)
    seed("--unicorns", "2", "--riders", "0", "--token-secret", "s3cret")
    assert Unicorn.objects.filter(name="Shadowfax", available=False, lat=1.0, lng=2.0).exists()


@pytest.mark.django_db
def test_a_new_secret_rekeys_the_riders() -> None:
    seed("--unicorns", "0", "--riders", "2", "--token-secret", "old")
    out = seed("--unicorns", "0", "--riders", "2", "--token-secret", "new")
    assert "(3 re-keyed)" in out
    assert can_authenticate(derive_token("new", "demo"))
    assert not can_authenticate(derive_token("old", "demo"))


@pytest.mark.django_db
@override_settings(WILDRYDES_TOKEN_SECRET="")
def test_a_missing_secret_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="--token-secret or set WILDRYDES_TOKEN_SECRET"):
        seed("--unicorns", "1", "--riders", "1")
    assert not Rider.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_python_m_django_seeds_with_the_secret_from_the_environment() -> None:
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monolith.settings",
        "DATABASE_URL": url,
        "WILDRYDES_TOKEN_SECRET": "from-env",
    }
    argv = [
        sys.executable,
        "-m",
        "django",
        "seed_wildrydes",
        "--unicorns",
        "50",
        "--riders",
        "1000",
    ]
    for expected in ("riders: 1001 created, 0 existing", "riders: 0 created, 1001 existing"):
        done = subprocess.run(argv, env=env, cwd=REPO_ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout
    assert Rider.objects.count() == 1001
    assert Unicorn.objects.count() == 50
    assert can_authenticate(derive_token("from-env", "rider-00042"))
