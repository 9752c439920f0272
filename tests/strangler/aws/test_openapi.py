from __future__ import annotations

import json
import re
from typing import Any

import pytest

from strangler.aws.openapi import OpenApiError, export_openapi, lambda_integration_uri, to_json
from strangler_core.errors import StranglerError
from strangler_core.routes import Integration, Route, RouteTable, Throttle, Throttling

MONOLITH = "http://monolith-alb.example.com/"
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:wildrydes"
LAMBDA_URI = (
    "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:eu-west-1:123456789012:function:wildrydes/invocations"
)

TABLE = RouteTable(
    version=7,
    routes=(
        Route("ANY /rides/{proxy+}", Integration.monolith()),
        Route("GET /rides/{id}", Integration.aws_proxy("wildrydes", timeout_ms=10_000)),
        Route("ANY /rides", Integration.aws_proxy("wildrydes")),
        Route("$default", Integration.monolith()),
    ),
    # throttling has no OpenAPI extension for HTTP APIs: it must not leak into the document
    throttling=Throttling(stage=Throttle(rate=100, burst=50)),
)


def lambda_integration(timeout_ms: int) -> dict[str, Any]:
    return {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": LAMBDA_URI,
        "payloadFormatVersion": "2.0",
        "connectionType": "INTERNET",
        "timeoutInMillis": timeout_ms,
    }


def http_integration(uri: str) -> dict[str, Any]:
    return {
        "type": "http_proxy",
        "httpMethod": "ANY",
        "uri": uri,
        "payloadFormatVersion": "1.0",
        "connectionType": "INTERNET",
        "timeoutInMillis": 30000,
    }


def path_parameter(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "description": f"Generated path parameter for {name}",
        "required": True,
        "schema": {"type": "string"},
    }


def responses(route_key: str) -> dict[str, Any]:
    return {"default": {"description": f"Default response for {route_key}"}}


EXPECTED: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "wildrydes", "version": "7"},
    "paths": {
        "/$default": {
            "x-amazon-apigateway-any-method": {
                "isDefaultRoute": True,
                "responses": responses("$default"),
                "x-amazon-apigateway-integration": http_integration(
                    "http://monolith-alb.example.com"
                ),
            }
        },
        "/rides": {
            "x-amazon-apigateway-any-method": {
                "responses": responses("ANY /rides"),
                "x-amazon-apigateway-integration": lambda_integration(30000),
            }
        },
        "/rides/{id}": {
            "get": {
                "responses": responses("GET /rides/{id}"),
                "x-amazon-apigateway-integration": lambda_integration(10000),
            },
            "parameters": [path_parameter("id")],
        },
        "/rides/{proxy+}": {
            "x-amazon-apigateway-any-method": {
                "responses": responses("ANY /rides/{proxy+}"),
                "x-amazon-apigateway-integration": http_integration(
                    "http://monolith-alb.example.com/rides/{proxy}"
                ),
            },
            "parameters": [path_parameter("proxy+")],
        },
    },
    "x-amazon-apigateway-importexport-version": "1.0",
}


def export(table: RouteTable = TABLE, **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "monolith_url": MONOLITH,
        "function_arns": {"wildrydes": ARN},
        "region": "eu-west-1",
        "title": "wildrydes",
    }
    return export_openapi(table, **{**options, **kwargs})


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, key, op)
        for path, item in doc["paths"].items()
        for key, op in item.items()
        if key != "parameters"
    ]


def test_exact_document() -> None:
    assert export() == EXPECTED


def test_document_is_structurally_valid() -> None:
    doc = export()
    assert doc["openapi"].startswith("3.0.")
    assert doc["info"]["title"] and doc["info"]["version"]
    allowed = {"get", "put", "post", "delete", "options", "head", "patch", "parameters"}
    for path, item in doc["paths"].items():
        assert path.startswith("/")
        assert set(item) <= allowed | {"x-amazon-apigateway-any-method"}
        declared = {p["name"] for p in item.get("parameters", [])}
        assert declared == set(re.findall(r"\{([^{}]+)\}", path)), path
    for path, key, op in operations(doc):
        integration = op["x-amazon-apigateway-integration"]
        assert integration["type"] in {"http_proxy", "aws_proxy"}, (path, key)
        assert op["responses"], (path, key)
        assert 50 <= integration["timeoutInMillis"] <= 30000


def test_document_passes_an_openapi_validator() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(export())


def test_specific_methods_share_a_path_item() -> None:
    table = RouteTable(
        version=1,
        routes=(
            Route("POST /rides/{id}", Integration.monolith()),
            Route("GET /rides/{id}", Integration.aws_proxy("wildrydes")),
            Route("HEAD /rides/{id}", Integration.monolith()),
        ),
    )
    item = export(table)["paths"]["/rides/{id}"]
    assert list(item) == ["get", "head", "post", "parameters"]
    assert item["post"]["x-amazon-apigateway-integration"]["uri"] == (
        "http://monolith-alb.example.com/rides/{id}"
    )


def test_explicit_http_target_is_used_instead_of_the_monolith() -> None:
    legacy = Integration(
        type="HTTP_PROXY", target="https://legacy.example.com/api/", timeout_ms=5000
    )
    table = RouteTable(version=1, routes=(Route("GET /reports/{proxy+}", legacy),))
    integration = export(table)["paths"]["/reports/{proxy+}"]["get"][
        "x-amazon-apigateway-integration"
    ]
    assert integration["uri"] == "https://legacy.example.com/api/reports/{proxy}"
    assert integration["timeoutInMillis"] == 5000


def test_default_route_on_lambda() -> None:
    table = RouteTable(version=2, routes=(Route("$default", Integration.aws_proxy("wildrydes")),))
    op = export(table)["paths"]["/$default"]["x-amazon-apigateway-any-method"]
    assert op["isDefaultRoute"] is True
    assert op["x-amazon-apigateway-integration"] == lambda_integration(30000)


def test_missing_function_arn_is_an_error() -> None:
    with pytest.raises(
        OpenApiError, match="'ANY /rides': no ARN given for function 'wildrydes'"
    ) as info:
        export(function_arns={})
    assert isinstance(info.value, StranglerError)


def test_monolith_url_must_be_http() -> None:
    with pytest.raises(OpenApiError, match="monolith URL"):
        export(monolith_url="monolith-alb.example.com")


def test_default_route_and_literal_default_path_collide() -> None:
    table = RouteTable(
        version=1,
        routes=(
            Route("$default", Integration.monolith()),
            Route("ANY /$default", Integration.monolith()),
        ),
    )
    with pytest.raises(OpenApiError, match="collides"):
        export(table)


def test_lambda_integration_uri() -> None:
    assert lambda_integration_uri(ARN, "eu-west-1") == LAMBDA_URI


def test_to_json_is_stable_and_sorted() -> None:
    doc = export()
    shuffled = {**doc, "paths": dict(reversed(list(doc["paths"].items())))}
    text = to_json(shuffled)
    assert text == to_json(doc)
    assert text.endswith("}\n")
    assert json.loads(text) == EXPECTED
    assert list(json.loads(text)["paths"]) == sorted(EXPECTED["paths"])
    assert '\n  "openapi": "3.0.1",\n' in text  # indent 2
