from __future__ import annotations

from pathlib import Path

import pytest

from strangler.moves.steps import (
    MigrationError,
    apply_move,
    choose_function,
    plan_move,
    restore,
    route_keys_for,
    snapshot,
)
from strangler_core.config import load_config
from strangler_core.routes import Integration, Route, default_route_table


@pytest.mark.parametrize(
    ("route", "keys"),
    [
        ("/rides", ("ANY /rides", "ANY /rides/{proxy+}")),
        ("/rides/{id}", ("ANY /rides/{id}", "ANY /rides/{id}/{proxy+}")),
        ("/rides/{proxy+}", ("ANY /rides/{proxy+}",)),
        ("GET /rides/{id}", ("GET /rides/{id}",)),
        # Django's trailing slashes: the route as given, the keys API Gateway accepts
        ("/api/books/", ("ANY /api/books", "ANY /api/books/{proxy+}")),
        ("/api/books", ("ANY /api/books", "ANY /api/books/{proxy+}")),
        ("/api/books.json", ("ANY /api/books.json", "ANY /api/books.json/{proxy+}")),
        ("/lending/loans/{id}/", ("ANY /lending/loans/{id}", "ANY /lending/loans/{id}/{proxy+}")),
        ("GET /api/books/", ("GET /api/books",)),
    ],
)
def test_route_keys(route: str, keys: tuple[str, ...]) -> None:
    assert route_keys_for(route) == keys


@pytest.mark.parametrize(
    "route", ["rides", "/", "//", "//rides", "/rides//x", "/ri des", "$default", "FETCH /x"]
)
def test_bad_routes_are_refused(route: str) -> None:
    with pytest.raises(MigrationError):
        route_keys_for(route)


def test_a_route_with_its_trailing_slash_is_the_route_without_it() -> None:
    table = apply_move(
        default_route_table(), plan_move(default_route_table(), "/api/books/", "f"), "t"
    )
    assert plan_move(default_route_table(), "/api/books/", "f").route == "/api/books"
    with pytest.raises(MigrationError, match="already migrated"):
        plan_move(table, "/api/books", "f")


def test_an_already_migrated_route_is_refused() -> None:
    table = apply_move(default_route_table(), plan_move(default_route_table(), "/rides", "f"), "t")
    with pytest.raises(MigrationError, match="already migrated"):
        plan_move(table, "/rides", "f")


def test_restore_puts_back_exactly_what_was_there() -> None:
    table = default_route_table().with_route(Route("GET /rides/{id}", Integration.monolith()))
    move = plan_move(table, "GET /rides/{id}", "wildrydes")
    before = snapshot(table, move.route_keys)
    moved = apply_move(table, move, "t")
    assert moved.route("GET /rides/{id}").integration.function == "wildrydes"  # type: ignore[union-attr]
    assert (
        restore(moved, before, "t").route("GET /rides/{id}").integration == Integration.monolith()
    )  # type: ignore[union-attr]
    fresh = plan_move(default_route_table(), "/rides", "wildrydes")
    gone = restore(
        apply_move(default_route_table(), fresh, "t"), {k: None for k in fresh.route_keys}, "t"
    )
    assert gone.routes == default_route_table().routes


def test_function_choice(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    none.write_text("")
    with pytest.raises(MigrationError, match=r"add a \[\[functions\]\]"):
        choose_function(load_config(none, environ={}), None)
    two = tmp_path / "two.toml"
    two.write_text('[[functions]]\nname = "a"\n[[functions]]\nname = "b"\n')
    config = load_config(two, environ={})
    with pytest.raises(MigrationError, match="--function"):
        choose_function(config, None)
    assert choose_function(config, "b") == "b"
    with pytest.raises(MigrationError, match="no function 'c'"):
        choose_function(config, "c")
