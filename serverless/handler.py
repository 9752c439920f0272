"""The Lambda entry point (``serverless.handler.handler``): thin on purpose.

Everything that can be done once per sandbox happens at import, in the INIT phase; the handler
itself only answers pre-warm pings, marks the sandbox's first invocation (on demand: a
provisioned sandbox's first request waited for no INIT), and delegates.
"""

from __future__ import annotations

import os
from typing import Any

from serverless import environment
from serverless.app import build_adapter
from serverless.events import is_prewarm, mark_cold_start

_adapter = build_adapter()
_cold_start_header = os.environ.get(
    environment.COLD_START_HEADER, environment.DEFAULT_COLD_START_HEADER
)
# A provisioned sandbox was initialised before any request: its first one waits for no INIT,
# so it is no cold start (AWS shows no Init Duration for it either)
_first_invocation = os.environ.get(environment.INITIALIZATION_TYPE) != environment.PROVISIONED


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _first_invocation
    cold, _first_invocation = _first_invocation, False
    if is_prewarm(event):
        return {"prewarmed": True, "coldStart": cold}
    response = _adapter(event, context)
    return mark_cold_start(response, _cold_start_header) if cold else response
