"""The function's tracing setup: settings with the SDK's app and middleware (pure)."""

from __future__ import annotations

from serverless.tracing import XRAY_APP, XRAY_MIDDLEWARE, traced_settings, tracing_enabled


def test_traced_settings_add_the_sdk_once() -> None:
    traced = traced_settings(["app"], ["mw"], None, name="fn")
    assert traced["INSTALLED_APPS"] == [XRAY_APP, "app"]
    assert traced["MIDDLEWARE"] == [XRAY_MIDDLEWARE, "mw"]
    assert traced["XRAY_RECORDER"]["AWS_XRAY_TRACING_NAME"] == "fn"
    again = traced_settings(
        traced["INSTALLED_APPS"], traced["MIDDLEWARE"], {"AWS_XRAY_TRACING_NAME": "own"}, name="x"
    )
    assert again["INSTALLED_APPS"] == traced["INSTALLED_APPS"]
    assert again["MIDDLEWARE"] == traced["MIDDLEWARE"]
    assert again["XRAY_RECORDER"]["AWS_XRAY_TRACING_NAME"] == "own"


def test_tracing_is_off_unless_asked() -> None:
    assert not tracing_enabled({}, "STRANGLER_TRACING")
    assert not tracing_enabled({"STRANGLER_TRACING": "0"}, "STRANGLER_TRACING")
    assert tracing_enabled({"STRANGLER_TRACING": "1"}, "STRANGLER_TRACING")
