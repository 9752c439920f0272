from __future__ import annotations

from serverless.connection_policy import (
    CONNECT_TIMEOUT_S,
    SANDBOX_ENGINE,
    one_connection_per_container,
)


def test_postgresql_gets_the_sandbox_backend_with_a_short_connect_timeout() -> None:
    original = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "wildrydes",
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"sslmode": "prefer", "pool": {"min_size": 4}},
    }
    policy = one_connection_per_container(original)
    assert policy["ENGINE"] == SANDBOX_ENGINE
    assert policy["OPTIONS"] == {"sslmode": "prefer", "connect_timeout": CONNECT_TIMEOUT_S}
    assert policy["CONN_MAX_AGE"] == 0
    assert original["CONN_MAX_AGE"] == 60  # the project's settings are not mutated
    assert "pool" in original["OPTIONS"]


def test_the_projects_own_connect_timeout_is_kept() -> None:
    policy = one_connection_per_container(
        {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"connect_timeout": 20}}
    )
    assert policy["OPTIONS"]["connect_timeout"] == 20


def test_other_engines_are_left_alone() -> None:
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3", "CONN_MAX_AGE": 60}
    assert one_connection_per_container(sqlite) == sqlite
