"""Django settings for the Wild Rydes monolith: flat constants, the environment read here only.

Served like an EC2 fleet (gunicorn behind a gateway on loopback), so database connections are
persistent with health checks, and every response, errors included, is JSON.
"""

from __future__ import annotations

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


DEBUG = _env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "wildrydes-dev-only-not-secret")
ALLOWED_HOSTS = [
    host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",") if host.strip()
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:54329/wildrydes"),
        conn_max_age=_env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Ride booking relies on SELECT ... FOR UPDATE SKIP LOCKED.
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgresql://...)")

# HMAC key of riders' tokens, used by seed_wildrydes (see monolith/wildrydes/tokens.py).
WILDRYDES_TOKEN_SECRET = os.environ.get("WILDRYDES_TOKEN_SECRET", "")

INSTALLED_APPS = ["monolith.wildrydes.apps.WildRydesConfig"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Also what enforces ALLOWED_HOSTS: it is the middleware that validates the Host header.
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "monolith.urls"
WSGI_APPLICATION = "monolith.wsgi.application"
APPEND_SLASH = False

USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Replaces Django's default, which mails admins instead of logging when DEBUG is off.
    "loggers": {"django": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}

# X-Ray tracing (aws-xray-sdk), off by default. Off means off: no app, no middleware, no
# patching, the SDK not even imported. On: a segment per request (sampled at
# STRANGLER_TRACING_SAMPLE_RATE unless the caller's X-Amzn-Trace-Id already decided), a
# subsegment per SQL query and per outgoing HTTP call, sent to AWS_XRAY_DAEMON_ADDRESS
# (default 127.0.0.1:2000). Under Lambda the same settings trace the function's subsegments.
TRACING = _env_bool("STRANGLER_TRACING", False)
if TRACING:
    from aws_xray_sdk.core.sampling.local.sampler import LocalSampler

    _sample_rate = float(os.environ.get("STRANGLER_TRACING_SAMPLE_RATE") or 1.0)
    if not 0.0 <= _sample_rate <= 1.0:
        raise ImproperlyConfigured(
            f"STRANGLER_TRACING_SAMPLE_RATE must be 0..1, got {_sample_rate!r}"
        )
    INSTALLED_APPS = ["aws_xray_sdk.ext.django", *INSTALLED_APPS]
    # first: the request's segment must enclose every other middleware
    MIDDLEWARE = ["aws_xray_sdk.ext.django.middleware.XRayMiddleware", *MIDDLEWARE]
    XRAY_RECORDER = {
        "AWS_XRAY_TRACING_NAME": os.environ.get("STRANGLER_TRACING_NAME") or "wildrydes",
        "AUTO_INSTRUMENT": True,  # SQL: Django's cursors
        "PATCH_MODULES": ["httplib"],  # outgoing HTTP (http.client, so urllib and requests too)
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        # local rules only: the daemon's centralised sampling API does not exist locally
        "SAMPLER": LocalSampler(
            {"version": 2, "rules": [], "default": {"fixed_target": 0, "rate": _sample_rate}}
        ),
    }
