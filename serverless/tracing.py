"""X-Ray in the function: the Django project's settings with aws-xray-sdk's app and middleware.

Pure transformation of settings, applied by ``build_adapter`` before Django sets up, only when
``STRANGLER_TRACING`` is on. A project that already configures the SDK (the sample monolith
does, from the same variable) is left as it is. In Lambda the SDK needs no sampling setup: the
runtime's ``_X_AMZN_TRACE_ID`` carries the decision Lambda made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

XRAY_APP = "aws_xray_sdk.ext.django"
XRAY_MIDDLEWARE = "aws_xray_sdk.ext.django.middleware.XRayMiddleware"
_ON = ("1", "true", "yes", "on")


def tracing_enabled(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").lower() in _ON


def traced_settings(
    installed_apps: Sequence[str],
    middleware: Sequence[str],
    xray_recorder: Mapping[str, Any] | None,
    *,
    name: str,
) -> dict[str, Any]:
    """INSTALLED_APPS, MIDDLEWARE and XRAY_RECORDER with tracing on (idempotent)."""
    apps = list(installed_apps)
    if XRAY_APP not in apps:
        apps.insert(0, XRAY_APP)
    chain = list(middleware)
    if XRAY_MIDDLEWARE not in chain:
        chain.insert(0, XRAY_MIDDLEWARE)
    recorder = dict(xray_recorder or {})
    recorder.setdefault("AWS_XRAY_TRACING_NAME", name)
    recorder.setdefault("AUTO_INSTRUMENT", True)  # SQL through Django's cursors
    recorder.setdefault("PATCH_MODULES", ["httplib"])  # outgoing HTTP
    return {"INSTALLED_APPS": apps, "MIDDLEWARE": chain, "XRAY_RECORDER": recorder}
