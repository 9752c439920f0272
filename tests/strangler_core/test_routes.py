from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from strangler_core.errors import ConfigError
from strangler_core.routes import (
    Integration,
    Route,
    RouteTableError,
    default_route_table,
    dump_route_table,
    load_route_table,
    parse_route_table,
    save_route_table,
)

TABLE: dict[str, Any] = {
    "version": 3,
    "routes": [
        {
            "route_key": "$default",
            "integration": {"type": "HTTP_PROXY", "target": "monolith"},
            "since": "2026-11-23T14:00:00Z",
        },
        {
            "route_key": "ANY /rides",
            "integration": {
                "type": "AWS_PROXY",
                "function": "wildrydes",
                "payload_format_version": "2.0",
                "timeout_ms": 30000,
            },
            "since": "2026-11-24T09:30:00Z",
        },
    ],
    "throttling": {
        "stage": {"rate": 10000, "burst": 5000},
        "routes": {"GET /unicorns": {"rate": 100, "burst": 50}},
    },
}


def test_round_trip_increments_version(tmp_path: Path) -> None:
    path = tmp_path / "routes.json"
    table = parse_route_table(TABLE)
    saved = save_route_table(table, path)
    assert saved.version == 4
    loaded = load_route_table(path)
    assert loaded == saved
    assert json.loads(path.read_text()) == {**TABLE, "version": 4}


def test_formatting_is_stable_and_sorted(tmp_path: Path) -> None:
    table = (
        default_route_table()
        .with_route(Route("GET /b", Integration.aws_proxy("f")))
        .with_route(Route("GET /a", Integration.aws_proxy("f")))
    )
    text = dump_route_table(table)
    keys = [r["route_key"] for r in json.loads(text)["routes"]]
    assert keys == ["$default", "GET /a", "GET /b"]
    assert text.endswith("\n") and "\n  " in text  # pretty, one key per line
    assert dump_route_table(parse_route_table(json.loads(text))) == text


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "routes.json"
    first = save_route_table(default_route_table(), path)
    before = path.read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save_route_table(first.with_route(Route("GET /x", Integration.aws_proxy("f"))), path)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["routes.json"]  # no temp file left


def test_with_and_without_route() -> None:
    table = default_route_table()
    moved = table.with_route(Route("ANY /rides", Integration.aws_proxy("wildrydes", 1000)))
    assert moved.route("ANY /rides") is not None
    replaced = moved.with_route(Route("ANY /rides", Integration.monolith()))
    assert len(replaced.routes) == 2
    assert replaced.without_route("ANY /rides") == table


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"routes": {}}, "'routes' must be a list"),
        ({"extra": 1}, "unknown key(s) 'extra'"),
        ({"version": -1}, "'version'"),
        ({"routes": [{"route_key": "FETCH /x", "integration": {}}]}, "FETCH /x"),
        ({"routes": [{"route_key": "GET x", "integration": {}}]}, "must start with '/'"),
        ({"routes": [{"route_key": "GET /{p+}/x", "integration": {}}]}, "must be the last"),
        (
            {"routes": [{"route_key": "GET /x", "integration": {"type": "AWS_PROXY"}}]},
            "routes[0] (GET /x): integration: 'function'",
        ),
        (
            {"routes": [{"route_key": "GET /x",
                         "integration": {"type": "AWS_PROXY", "function": "f",
                                         "timeout_ms": 31000}}]},
            "timeout_ms",
        ),
        (
            {"routes": [{"route_key": "GET /x",
                         "integration": {"type": "AWS_PROXY", "function": "f",
                                         "payload_format_version": "1.0"}}]},
            "2.0",
        ),
        (
            {"routes": [{"route_key": "GET /x",
                         "integration": {"type": "HTTP_PROXY", "target": "ftp://x"}}]},
            "'target'",
        ),
        (
            {"routes": [{"route_key": "GET /x", "integration": {"type": "HTTP_PROXY",
                                                               "target": "monolith"}}] * 2},
            "'GET /x' is listed twice",
        ),
        ({"throttling": {"routes": {"GET /u": {"rate": 1}}}}, "throttling: routes: GET /u"),
    ],
)  # fmt: skip
def test_validation_errors_name_the_route_and_key(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RouteTableError) as info:
        parse_route_table({**TABLE, **change}, "routes.json")
    assert message in str(info.value)
    assert str(info.value).startswith("routes.json")
    assert isinstance(info.value, ConfigError)


def test_load_reports_bad_json_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "routes.json"
    with pytest.raises(RouteTableError, match="cannot read"):
        load_route_table(path)
    path.write_text("{not json")
    with pytest.raises(RouteTableError, match="not valid JSON"):
        load_route_table(path)


def test_the_committed_table_dumps_to_the_same_text() -> None:
    path = Path(__file__).resolve().parents[2] / "routes.json"
    assert dump_route_table(load_route_table(path)) == path.read_text()


def test_a_document_error_lists_every_problem_naming_the_route() -> None:
    data = {
        "routes": [
            {"route_key": "GET /x", "integration": {"type": "HTTP_PROXY", "target": "monolith"}},
            {"route_key": "GET /y", "integration": {"type": "AWS_PROXY", "function": ""}},
            {"route_key": "GET /z", "integration": {"type": "HTTP_PROXY"}, "colour": "red"},
        ],
        "throttling": {"stage": {"rate": "fast", "burst": 1}},
    }
    with pytest.raises(RouteTableError) as info:
        parse_route_table(data, "routes.json")
    assert str(info.value).splitlines() == [
        "routes.json: routes[1] (GET /y): integration: 'function' must be a non-empty string",
        "routes.json: routes[2] (GET /z): integration: 'target' must be 'monolith' or an "
        "http(s):// URL",
        "routes.json: routes[2] (GET /z): unknown key(s) 'colour'",
        "routes.json: throttling: stage: 'rate' must be a number, got 'fast'",
    ]
