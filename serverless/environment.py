"""Every environment variable the Lambda function reads, in one place.

The function must not import the harness (the Lambda package stays small), so its names live
here; ``strangler`` refers to them when it configures a function.
"""

from __future__ import annotations

DJANGO_SETTINGS_MODULE = "DJANGO_SETTINGS_MODULE"
"""The strangled project's settings module, e.g. ``monolith.settings``."""

DJANGO_ASGI = "STRANGLER_DJANGO_ASGI"
"""``module:attribute`` of the ASGI application (default ``monolith.asgi:application``)."""

DB_POOL = "STRANGLER_DB_POOL"
"""``1`` (default): hold exactly one PostgreSQL connection per sandbox, reconnected by the
request itself (``serverless.connection_policy``); ``0``: the project's own settings untouched
(to measure the CONN_MAX_AGE trap of Django ticket 33497)."""

COLD_START_HEADER = "STRANGLER_COLD_START_HEADER"
"""Response header marking a sandbox's first invocation (default ``x-strangler-cold-start``)."""

INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE"
"""Set by Lambda: ``on-demand``, ``provisioned-concurrency`` or ``snap-start`` (Lambda guide,
"Defined runtime environment variables")."""
PROVISIONED = "provisioned-concurrency"

DEFAULT_ASGI = "monolith.asgi:application"
DEFAULT_COLD_START_HEADER = "x-strangler-cold-start"

TRACING = "STRANGLER_TRACING"
"""``1``: trace with aws-xray-sdk in Lambda mode (subsegments under the function segment whose
id the runtime puts in ``_X_AMZN_TRACE_ID``); default off: the SDK is not even imported."""

TRACING_NAME = "STRANGLER_TRACING_NAME"
"""Name of the function's request subsegment (default: the function name)."""
