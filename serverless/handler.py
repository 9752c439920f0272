"""The Lambda entry point (``serverless.handler.handler``): thin on purpose.

Everything that can be done once per sandbox happens at import, in the INIT phase; the handler
itself only answers pre-warm pings, marks the sandbox's first invocation, and delegates.
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
_first_invocation = True


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _first_invocation
    cold, _first_invocation = _first_invocation, False
    if is_prewarm(event):
        return {"prewarmed": True, "coldStart": cold}
    response = _adapter(event, context)
    return mark_cold_start(response, _cold_start_header) if cold else response
