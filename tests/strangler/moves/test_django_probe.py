"""The URLconf check of ``migrate``, in a subprocess, on both projects: Wild Rydes and shelf."""

from __future__ import annotations

import pytest

from strangler.moves.steps import MigrationError, check_route_in_django, route_keys_for
from strangler.stack.launch import django_env
from strangler_core.config import Config, load_config
from tests.strangler.stack_config import REPO_ROOT, stack_config

SHELF_TOML = REPO_ROOT / "tests" / "fixtures" / "shelf" / "strangler.toml"
NO_DATABASE = "postgresql://unused@127.0.0.1:1/none"  # resolving touches no database


@pytest.fixture(scope="module")
def shelf() -> Config:
    return load_config(SHELF_TOML, environ={})


@pytest.fixture(scope="module")
def wildrydes(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return stack_config(tmp_path_factory.mktemp("wildrydes"))


def view_of(config: Config, route: str) -> str:
    """What ``migrate ROUTE`` checks: the first route key it would move, in the URLconf."""
    key = route_keys_for(route)[0]
    return check_route_in_django(config, key, django_env(config, NO_DATABASE))


@pytest.mark.parametrize(
    ("route", "view"),
    [
        # DRF's DefaultRouter under path("api/", include(router.urls)), trailing slashes
        ("/api/books/", "catalog.views.BookViewSet"),
        ("/api/books", "catalog.views.BookViewSet"),
        ("/api/books/{id}", "catalog.views.BookViewSet"),
        ("/api/books.json", "catalog.views.BookViewSet"),
        ("/api/", "rest_framework.routers.APIRootView"),
        # plain views under include() prefixes, and re_path patterns
        ("/accounts/login/", "accounts.views.login_view"),
        ("/lending/loans", "lending.views.loans"),
        ("/lending", "lending/"),
        ("/isbn/{isbn}", "isbn/(?P<isbn>[0-9]{9}[0-9X]|[0-9]{13})/$"),
    ],
)
def test_shelf_routes_are_found_as_django_writes_them(shelf: Config, route: str, view: str) -> None:
    assert view_of(shelf, route) == view


@pytest.mark.parametrize("route", ["/api/nothing/", "/bookshelf", "/api/booksx", "/isbnx/{n}"])
def test_shelf_routes_django_does_not_serve_are_refused(shelf: Config, route: str) -> None:
    with pytest.raises(MigrationError, match="does not exist in the Django project's URLconf"):
        view_of(shelf, route)


@pytest.mark.parametrize(
    ("route", "view"),
    [
        ("/rides", "monolith.wildrydes.http.dispatch"),
        ("/rides/{id}", "monolith.wildrydes.http.dispatch"),
        ("/unicorns/", "monolith.wildrydes.http.dispatch"),
    ],
)
def test_wildrydes_routes_still_resolve(wildrydes: Config, route: str, view: str) -> None:
    assert view_of(wildrydes, route) == view


def test_wildrydes_unknown_route_is_refused(wildrydes: Config) -> None:
    with pytest.raises(MigrationError, match="does not exist"):
        view_of(wildrydes, "/nothing")
