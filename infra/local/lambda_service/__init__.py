"""A local AWS Lambda service: Invoke API, Runtime API, sandboxes as processes, Lambda's logs.

Public API::

    settings, functions = load_service_config("service.json")
    with LambdaService(settings, functions) as service:
        service.url  # http://127.0.0.1:<port>, for boto3's endpoint_url
"""

from __future__ import annotations

from .result import InvokeResult
from .service import LambdaService
from .spec import FunctionSpec, ServiceSettings, load_service_config, parse_service_config

__all__ = [
    "FunctionSpec",
    "InvokeResult",
    "LambdaService",
    "ServiceSettings",
    "load_service_config",
    "parse_service_config",
]
