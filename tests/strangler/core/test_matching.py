from __future__ import annotations

import pytest

from strangler.core.matching import RouteMatcher
from strangler.core.routes import Integration, Route, RouteTable

ROUTE_KEYS = [
    "$default",
    "GET /pets/dog/1",
    "GET /pets/dog/{id}",
    "GET /pets/{proxy+}",
    "ANY /{proxy+}",
    "ANY /rides",
    "GET /rides",
    "GET /rides/{id}",
    "ANY /rides/{proxy+}",
    "GET /a/{x}/c",
    "GET /a/{x}/{y}",
    "GET /{x}/b/c",
    "POST /users/{user}/orders/{order}",
    "GET /",
]


@pytest.fixture(scope="module")
def matcher() -> RouteMatcher:
    routes = tuple(Route(key, Integration.monolith()) for key in ROUTE_KEYS)
    return RouteMatcher(RouteTable(version=1, routes=routes))


@pytest.mark.parametrize(
    ("method", "path", "route_key", "params"),
    [
        # API Gateway's documented example: exact, then variable, then greedy, then ANY
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),
        ("POST", "/pets/dog/1", "ANY /{proxy+}", {"proxy": "pets/dog/1"}),
        # a specific method beats ANY on the same path
        ("GET", "/rides", "GET /rides", {}),
        ("POST", "/rides", "ANY /rides", {}),
        ("GET", "/rides/42", "GET /rides/{id}", {"id": "42"}),
        ("DELETE", "/rides/42", "ANY /rides/{proxy+}", {"proxy": "42"}),
        ("GET", "/rides/42/stops", "ANY /rides/{proxy+}", {"proxy": "42/stops"}),
        # longer literal prefix first, then more literal segments
        ("GET", "/a/b/c", "GET /a/{x}/c", {"x": "b"}),
        ("GET", "/a/b/d", "GET /a/{x}/{y}", {"x": "b", "y": "d"}),
        ("GET", "/z/b/c", "GET /{x}/b/c", {"x": "z"}),
        ("POST", "/users/7/orders/9", "POST /users/{user}/orders/{order}",
         {"user": "7", "order": "9"}),
        ("GET", "/", "GET /", {}),
        # the greedy variable needs at least one segment; an empty segment is no variable
        ("GET", "/pets", "ANY /{proxy+}", {"proxy": "pets"}),
        ("GET", "/pets/dog/", "GET /pets/{proxy+}", {"proxy": "dog/"}),
        ("POST", "/", "$default", {}),
    ],
)  # fmt: skip
def test_most_specific_route_wins(
    matcher: RouteMatcher, method: str, path: str, route_key: str, params: dict[str, str]
) -> None:
    match = matcher.match(method, path)
    assert match is not None
    assert (match.route.route_key, dict(match.path_parameters)) == (route_key, params)


@pytest.mark.parametrize(
    ("route_keys", "method", "path", "expected"),
    [
        (["GET /rides"], "GET", "/unicorns", None),
        (["GET /rides"], "POST", "/rides", None),
        (["GET /rides/{id}"], "GET", "/rides//", None),
        (["ANY /rides/{proxy+}"], "GET", "/rides", None),
        (["ANY /rides/{proxy+}", "$default"], "GET", "/rides", "$default"),
        (["GET /rides/{id}", "ANY /rides/{id}"], "PUT", "/rides/1", "ANY /rides/{id}"),
        (["ANY /x", "GET /{v}"], "GET", "/x", "ANY /x"),
    ],
)
def test_edge_cases(route_keys: list[str], method: str, path: str, expected: str | None) -> None:
    routes = tuple(Route(key, Integration.monolith()) for key in route_keys)
    match = RouteMatcher(RouteTable(version=1, routes=routes)).match(method, path)
    assert (match.route.route_key if match else None) == expected
