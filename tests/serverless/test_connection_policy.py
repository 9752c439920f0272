from __future__ import annotations

from serverless.connection_policy import one_connection_per_container


def test_pool_of_exactly_one_checked_connection() -> None:
    original = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "wildrydes",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {"sslmode": "prefer"},
    }
    policy = one_connection_per_container(original)
    assert policy["OPTIONS"]["sslmode"] == "prefer"
    pool = policy["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"]) == (1, 1)
    assert policy["CONN_MAX_AGE"] == 0
    assert policy["CONN_HEALTH_CHECKS"] is True
    assert original["CONN_MAX_AGE"] == 60  # the project's settings are not mutated
    assert "pool" not in original["OPTIONS"]
