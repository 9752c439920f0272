from __future__ import annotations

import pytest

from strangler_core.matching import RouteMatcher
from strangler_core.routes import Integration, Route, RouteTable

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


DJANGO_ROUTE_KEYS = ["$default", "ANY /api/books", "ANY /api/books/{proxy+}", "GET /isbn/{isbn}"]


@pytest.mark.parametrize(
    ("method", "path", "route_key", "params"),
    [
        ("GET", "/api/books", "ANY /api/books", {}),
        ("GET", "/api/books/", "ANY /api/books", {}),
        ("POST", "/api/books/", "ANY /api/books", {}),
        ("GET", "/api/books/7", "ANY /api/books/{proxy+}", {"proxy": "7"}),
        ("PUT", "/api/books/7/", "ANY /api/books/{proxy+}", {"proxy": "7/"}),
        ("GET", "/api/books/7.json", "ANY /api/books/{proxy+}", {"proxy": "7.json"}),
        ("GET", "/isbn/0306406152/", "GET /isbn/{isbn}", {"isbn": "0306406152"}),
        # a format suffix is another segment, and an empty one is no route at all
        ("GET", "/api/books.json", "$default", {}),
        ("GET", "/api/books//", "$default", {}),
        ("GET", "/api/", "$default", {}),
    ],
)  # fmt: skip
def test_a_trailing_slash_selects_the_route_without_it(
    method: str, path: str, route_key: str, params: dict[str, str]
) -> None:
    """Django's trailing slashes (APPEND_SLASH) meet API Gateway's route keys.

    AWS, "Create routes for HTTP APIs in API Gateway" (formerly "Working with routes for HTTP
    APIs", docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html):
    a greedy path variable such as ``{proxy+}`` "catches all child resources of a route" and must
    be the last segment; the best match wins (exact route, then path variables, then greedy,
    then ``$default``). Route keys cannot end in a slash (AWS CDK's HttpRouteKey: "A route path
    must always start with a "/" and not end with a "/""; aws-cdk#13981), and requests with one
    are still routed: observed on HTTP APIs, ``/hello/`` reaches the route ``/hello`` just as
    ``/hello`` does (aws-powertools/powertools-lambda-python#1552). A variable never matches an
    empty segment (aws/chalice#588).
    """
    routes = tuple(Route(key, Integration.monolith()) for key in DJANGO_ROUTE_KEYS)
    match = RouteMatcher(RouteTable(version=1, routes=routes)).match(method, path)
    assert match is not None
    assert (match.route.route_key, dict(match.path_parameters)) == (route_key, params)


def test_answers_repeat_and_survive_a_full_memo() -> None:
    """Matches are remembered; asked again, and past the memo's size (it starts afresh),
    every path still gets the route (and parameters) it got the first time."""
    routes = tuple(Route(key, Integration.monolith()) for key in ROUTE_KEYS)
    small = RouteMatcher(RouteTable(version=1, routes=routes), memo_size=3)
    asked = [
        ("GET", "/pets/dog/2"),
        ("GET", "/pets/cat/1"),
        ("POST", "/users/7/orders/9"),
        ("DELETE", "/rides/42"),
        ("GET", "/rides/42/stops"),
        ("GET", "/a/b/d"),
        ("POST", "/"),
    ]
    first = [_answer(small, method, path) for method, path in asked]
    assert first[0] == ("GET /pets/dog/{id}", {"id": "2"})
    for _ in range(3):
        assert [_answer(small, method, path) for method, path in asked] == first
        assert [_answer(small, method, path) for method, path in reversed(asked)] == first[::-1]


def _answer(matcher: RouteMatcher, method: str, path: str) -> tuple[str, dict[str, str]] | None:
    match = matcher.match(method, path)
    return None if match is None else (match.route.route_key, dict(match.path_parameters))
