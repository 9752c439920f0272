from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from infra.local.net import free_port


@pytest.mark.django_db
def test_health_is_ok_without_auth() -> None:
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True)
def test_health_is_503_json_when_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection.close()
    # Nothing listens on this port: a real connection attempt, refused.
    monkeypatch.setitem(connection.settings_dict, "PORT", free_port())
    response = Client().get("/health")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
