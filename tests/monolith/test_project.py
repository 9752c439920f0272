"""The Django project itself: settings from the environment, manage.py, migrations, entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler

REPO_ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "db": {k: db[k] for k in ("HOST", "PORT", "NAME", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")},
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "secret": settings.WILDRYDES_TOKEN_SECRET,
}))
"""


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    full_env = {**clean, "DJANGO_SETTINGS_MODULE": "monolith.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=full_env, cwd=REPO_ROOT, capture_output=True, text=True
    )


def test_settings_defaults() -> None:
    done = run_python(PRINT_SETTINGS)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["db"] == {
        "HOST": "127.0.0.1",
        "PORT": 54329,
        "NAME": "wildrydes",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
    assert (shown["debug"], shown["hosts"]) == (False, ["*"])


def test_settings_from_the_environment() -> None:
    done = run_python(
        PRINT_SETTINGS,
        DATABASE_URL="postgresql://u:p@db.internal:5433/rydes",
        DJANGO_CONN_MAX_AGE="0",
        DJANGO_DEBUG="true",
        DJANGO_ALLOWED_HOSTS="a.example, b.example",
        WILDRYDES_TOKEN_SECRET="s",
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["db"]["HOST"] == "db.internal"
    assert shown["db"]["CONN_MAX_AGE"] == 0
    assert shown["debug"] is True
    assert shown["hosts"] == ["a.example", "b.example"]
    assert shown["secret"] == "s"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "must point at PostgreSQL"),
        ({"DJANGO_CONN_MAX_AGE": "forever"}, "DJANGO_CONN_MAX_AGE must be an integer"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    done = run_python(PRINT_SETTINGS, **env)
    assert done.returncode != 0
    assert message in done.stderr


def test_monolith_imports_nothing_of_the_harness() -> None:
    code = (
        "import json, sys, django; django.setup()\n"
        "import monolith.urls, monolith.wsgi, monolith.asgi\n"
        "import monolith.wildrydes.management.commands.seed_wildrydes\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert not loaded & {"strangler", "serverless", "infra", "loadtests"}


def test_entry_points_are_django_handlers() -> None:
    from monolith.asgi import application as asgi_app
    from monolith.wsgi import application as wsgi_app

    assert isinstance(asgi_app, ASGIHandler)
    assert isinstance(wsgi_app, WSGIHandler)


@pytest.mark.django_db
def test_manage_py_check_and_migrations_are_in_sync() -> None:
    db = settings.DATABASES["default"]
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    for args in (["check", "--fail-level", "WARNING"], ["makemigrations", "--check", "--dry-run"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            env={**os.environ, "DATABASE_URL": url},
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
