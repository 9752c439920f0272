"""Pure helpers about the events the function receives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_prewarm(event: object) -> bool:
    """A keep-warm ping: ``{"isPrewarm": true}`` or a scheduled EventBridge event.

    Such events must return at once, without touching Django or the database: their whole point
    is to keep a sandbox initialised at the smallest cost.
    """
    if not isinstance(event, Mapping):
        return False
    if event.get("isPrewarm") is True:
        return True
    return event.get("source") == "aws.events" and event.get("detail-type") in (
        "Scheduled Event",
        None,
    )


def mark_cold_start(response: dict[str, Any], header: str) -> dict[str, Any]:
    """Add the cold-start header to a payload 2.0 response (Mangum's output)."""
    headers = dict(response.get("headers") or {})
    headers[header] = "1"
    return {**response, "headers": headers}
