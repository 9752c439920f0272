"""The library behind the handler: set Django up once per sandbox and wrap it in Mangum."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping

from mangum import Mangum

from serverless import environment
from serverless.connection_policy import one_connection_per_container
from serverless.tracing import traced_settings, tracing_enabled


def build_adapter(environ: Mapping[str, str] | None = None) -> Mangum:
    """Import and set up the Django project named by the environment; return the Mangum adapter.

    Runs during the sandbox's INIT phase (module import), so its cost shows as Init Duration.
    """
    env = os.environ if environ is None else environ
    if environment.DJANGO_SETTINGS_MODULE not in env:
        raise RuntimeError(
            f"{environment.DJANGO_SETTINGS_MODULE} is not set: the function cannot know which "
            "Django project to serve"
        )
    from django.conf import settings

    if env.get(environment.DB_POOL, "1") != "0":
        # before django.setup(): connections read DATABASES lazily, on first use
        settings.DATABASES = {
            alias: one_connection_per_container(entry)
            for alias, entry in settings.DATABASES.items()
        }
    if tracing_enabled(env, environment.TRACING):
        traced = traced_settings(
            settings.INSTALLED_APPS,
            settings.MIDDLEWARE,
            getattr(settings, "XRAY_RECORDER", None),
            name=env.get(environment.TRACING_NAME) or env.get("AWS_LAMBDA_FUNCTION_NAME", "lambda"),
        )
        for key, value in traced.items():
            setattr(settings, key, value)
    module_name, _, attribute = env.get(
        environment.DJANGO_ASGI, environment.DEFAULT_ASGI
    ).partition(":")
    application = getattr(importlib.import_module(module_name), attribute or "application")
    return Mangum(application, lifespan="off")
