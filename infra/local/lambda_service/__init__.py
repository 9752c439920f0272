"""A local AWS Lambda service: Invoke API, Runtime API, sandboxes as processes, Lambda's logs.

Public API::

    config = load_service_config("service.json")  # a ServiceConfig
    with LambdaService(config.settings, config.functions) as service:
        service.url  # http://127.0.0.1:<port>, for boto3's endpoint_url
"""

from __future__ import annotations

from .result import InvokeResult
from .service import LambdaService
from .spec import FunctionSpec, ServiceConfig, ServiceSettings, load_service_config

__all__ = [
    "FunctionSpec",
    "InvokeResult",
    "LambdaService",
    "ServiceConfig",
    "ServiceSettings",
    "load_service_config",
]
