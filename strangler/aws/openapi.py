"""The route table as an OpenAPI 3.0 document that API Gateway HTTP APIs import.

The shape follows what ``aws apigatewayv2 export-api`` produces, so ``import-api`` /
``reimport-api`` build the same routes and integrations the local gateway runs:

- one path item per route path; ``ANY`` is ``x-amazon-apigateway-any-method``, and the
  ``$default`` route is the path ``/$default`` with ``isDefaultRoute: true``;
- path variables are declared once per path item, named as they appear in the path, so the
  greedy ``{proxy+}`` declares a parameter named ``proxy+``;
- every operation carries an ``x-amazon-apigateway-integration``: ``http_proxy`` (payload format
  1.0, the only one HTTP proxy integrations take) to the monolith, or ``aws_proxy`` (payload
  format 2.0) to a Lambda function.

Throttling is left out: no OpenAPI extension carries it for HTTP APIs. It belongs to the stage
(default and per-route settings), which the deployer sets from the table itself.

Pure: the deployer reads the table and function ARNs and sends the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from strangler_core.errors import StranglerError
from strangler_core.routes import (
    DEFAULT_ROUTE_KEY,
    MONOLITH_TARGET,
    Integration,
    Route,
    RouteTable,
)

OPENAPI_VERSION = "3.0.1"
IMPORT_EXPORT_VERSION = "1.0"
ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
DEFAULT_ROUTE_PATH = "/$default"
LAMBDA_API_VERSION = "2015-03-31"

_VARIABLE = re.compile(r"\{([^{}]+)\}")


class OpenApiError(StranglerError):
    """The route table cannot be expressed for API Gateway (a function without an ARN, ...)."""


def export_openapi(
    table: RouteTable,
    *,
    monolith_url: str,
    function_arns: Mapping[str, str],
    region: str = "us-east-1",
    title: str = "strangler",
) -> dict[str, Any]:
    """The OpenAPI document for ``table``.

    ``monolith_url`` is where the monolith answers on AWS (its load balancer), the target of every
    ``"monolith"`` HTTP_PROXY route; ``function_arns`` maps each AWS_PROXY function name to its
    ARN. ``info.version`` is the table's revision, so an imported API names the table it came from.
    """
    if not monolith_url.startswith(("http://", "https://")):
        raise OpenApiError(f"monolith URL must be http(s)://, not {monolith_url!r}")
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(table.routes, key=lambda r: (_path(r), _operation_key(r))):
        item = paths.setdefault(_path(route), {})
        key = _operation_key(route)
        if key in item:
            # only "$default" and "ANY /$default" can meet here: API Gateway could not tell them
            # apart in an imported document either
            raise OpenApiError(f"route {route.route_key!r} collides with another route on the path")
        item[key] = _operation(route, monolith_url, function_arns, region)
    for path, item in paths.items():
        parameters = _path_parameters(path)
        if parameters:
            item["parameters"] = parameters
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": str(table.version)},
        "paths": dict(sorted(paths.items())),
        "x-amazon-apigateway-importexport-version": IMPORT_EXPORT_VERSION,
    }


def to_json(doc: Mapping[str, Any]) -> str:
    """Stable, pretty JSON with paths sorted, so that two exports diff line by line."""
    ordered = {**doc, "paths": dict(sorted(doc["paths"].items()))}
    return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"


def lambda_integration_uri(function_arn: str, region: str) -> str:
    """The API Gateway service URI through which an aws_proxy integration invokes a function."""
    return (
        f"arn:aws:apigateway:{region}:lambda:path/{LAMBDA_API_VERSION}/functions/"
        f"{function_arn}/invocations"
    )


def _path(route: Route) -> str:
    return DEFAULT_ROUTE_PATH if route.path is None else route.path


def _operation_key(route: Route) -> str:
    return ANY_METHOD if route.method == "ANY" else route.method.lower()


def _operation(
    route: Route, monolith_url: str, function_arns: Mapping[str, str], region: str
) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    if route.route_key == DEFAULT_ROUTE_KEY:
        operation["isDefaultRoute"] = True
    # OpenAPI requires responses on every operation; proxy integrations pass any status through
    operation["responses"] = {"default": {"description": f"Default response for {route.route_key}"}}
    operation[INTEGRATION] = _integration(route, monolith_url, function_arns, region)
    return operation


def _integration(
    route: Route, monolith_url: str, function_arns: Mapping[str, str], region: str
) -> dict[str, Any]:
    integration = route.integration
    if integration.type == "HTTP_PROXY":
        return {
            "type": "http_proxy",
            "httpMethod": "ANY",
            "uri": _http_uri(route, integration, monolith_url),
            "payloadFormatVersion": "1.0",
            "connectionType": "INTERNET",
            "timeoutInMillis": integration.timeout_ms,
        }
    function = integration.function or ""
    arn = function_arns.get(function)
    if arn is None:
        raise OpenApiError(f"route {route.route_key!r}: no ARN given for function {function!r}")
    return {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": lambda_integration_uri(arn, region),
        "payloadFormatVersion": integration.payload_format_version,
        "connectionType": "INTERNET",
        "timeoutInMillis": integration.timeout_ms,
    }


def _http_uri(route: Route, integration: Integration, monolith_url: str) -> str:
    target = integration.target or MONOLITH_TARGET
    base = (monolith_url if target == MONOLITH_TARGET else target).rstrip("/")
    if route.path is None:
        # API Gateway appends the request path to a $default route's HTTP URI (what
        # `create-api --target <url>` relies on), so the monolith's base URL serves every path
        return base
    # the route path is kept whole, as the local gateway forwards it; a path variable is
    # referenced in the URI by its name, "{proxy+}" as "{proxy}"
    return base + _VARIABLE.sub(lambda m: "{" + m.group(1).removesuffix("+") + "}", route.path)


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "description": f"Generated path parameter for {name}",
            "required": True,
            "schema": {"type": "string"},
        }
        for name in _VARIABLE.findall(path)
    ]
