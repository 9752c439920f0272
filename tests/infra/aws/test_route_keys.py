"""Routes moved as Django writes them become route keys API Gateway HTTP APIs accept: in the
route table, in the OpenAPI export, and on the deployed API (moto)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from infra.aws.apply import DeploySpec, apply
from infra.aws.session import Clients
from strangler.aws.openapi import ANY_METHOD, DEFAULT_ROUTE_PATH, export_openapi
from strangler.moves.steps import apply_move, plan_move, route_keys_for
from strangler_core.routes import RouteTable, default_route_table, validate_route_key
from tests.infra.aws.conftest import MONOLITH_URL

_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}
_VARIABLE_SEGMENT = re.compile(r"\{[A-Za-z0-9._-]+\+?\}")


def documented_problem(route_key: str) -> str | None:
    """What API Gateway refuses in an HTTP API route key, as its documentation and users say.

    - "Create routes for HTTP APIs in API Gateway" (docs.aws.amazon.com/apigateway/latest/
      developerguide/http-api-develop-routes.html): a route is an HTTP method (or ``ANY``) and a
      resource path, or ``$default``; "The greedy path variable must be at the end of the
      resource path".
    - A route path "must always start with a "/" and not end with a "/"" (AWS CDK's validation
      of HttpRouteKey, aws/aws-cdk#13981; a path ending in "/" "fails to deploy with error of
      invalid route name", storacha/w3infra#166; SAM: "trailing slashes are not allowed by the
      HttpApi", aws/serverless-application-model#1949).
    - A variable is a whole segment: ``/{eventId}.json`` is refused with "One or more path parts
      appear to be invalid" (serverless/serverless#10423).
    """
    if route_key == "$default":
        return None
    method, _, path = route_key.partition(" ")
    if method not in _METHODS:
        return f"method {method!r}"
    if not path.startswith("/"):
        return "path does not start with /"
    if path == "/":
        return None
    if path.endswith("/"):
        return "path ends with /"
    segments = path[1:].split("/")
    for index, segment in enumerate(segments):
        if not segment:
            return "empty segment"
        if ("{" in segment or "}" in segment) and not _VARIABLE_SEGMENT.fullmatch(segment):
            return f"{segment!r} is not a whole-segment variable"
        if segment.endswith("+}") and index != len(segments) - 1:
            return f"greedy {segment} is not last"
    return None


DJANGO_ROUTES = (
    "/api/books/",
    "/api/books",
    "/api/books.json",
    "/api/",
    "/accounts/login/",
    "/lending/loans/{id}/",
    "/isbn/{isbn}",
    "GET /api/books/",
    "/rides",
)


@pytest.mark.parametrize("route", DJANGO_ROUTES)
def test_moving_a_django_route_gives_route_keys_api_gateway_accepts(route: str) -> None:
    for key in route_keys_for(route):
        assert documented_problem(key) is None, key


@pytest.mark.parametrize(
    "route_key",
    ["ANY /api/books/", "ANY /api/{id}.json", "ANY /a/{proxy+}/b", "ANY /a//b", "ANY api", "GO /x"],
)
def test_the_route_table_refuses_what_api_gateway_refuses(route_key: str) -> None:
    assert documented_problem(route_key) is not None
    with pytest.raises(ValueError):
        validate_route_key(route_key)


def moved_table() -> RouteTable:
    table = default_route_table()
    for route in ("/api/books/", "/api/", "/lending/loans/{id}/"):
        table = apply_move(table, plan_move(table, route, "wildrydes"), "2026-12-01T20:00:00Z")
    return table


def test_the_openapi_export_declares_the_same_accepted_route_keys() -> None:
    table = moved_table()
    doc = export_openapi(
        table,
        monolith_url=MONOLITH_URL,
        function_arns={"wildrydes": "arn:aws:lambda:us-east-1:123456789012:function:wildrydes"},
    )
    exported = {
        "$default"
        if path == DEFAULT_ROUTE_PATH
        else f"{'ANY' if operation == ANY_METHOD else operation.upper()} {path}"
        for path, item in doc["paths"].items()
        for operation in item
        if operation != "parameters"
    }
    assert exported == {route.route_key for route in table.routes}
    assert {key: documented_problem(key) for key in exported} == dict.fromkeys(exported)


def test_the_deployed_api_has_exactly_those_routes(clients: Clients, spec: DeploySpec) -> None:
    table = moved_table()
    apply(clients, replace(spec, table=table), sleep=lambda _s: None)
    (api,) = clients.apigw.get_apis()["Items"]
    deployed = {r["RouteKey"] for r in clients.apigw.get_routes(ApiId=api["ApiId"])["Items"]}
    assert deployed == {
        "$default",
        "ANY /api/books",
        "ANY /api/books/{proxy+}",
        "ANY /api",
        "ANY /api/{proxy+}",
        "ANY /lending/loans/{id}",
        "ANY /lending/loans/{id}/{proxy+}",
    }
    assert {key: documented_problem(key) for key in deployed} == dict.fromkeys(deployed)
