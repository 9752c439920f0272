"""``strangler demo`` moves its route on a route table of its own, in the run directory: a fresh
clone's tracked ``routes.json`` stays as it is and no ledger appears beside it. A project's own
moves still land in the route table its strangler.toml names (its deploy artefact)."""

from __future__ import annotations

import json
from pathlib import Path

from strangler.demo import demo_config
from strangler.moves.steps import apply_move, load_table, plan_move, save_and_record, snapshot
from strangler.stack.route_table import in_force
from strangler_core.config import Config, load_config
from strangler_core.envvars import RUN_DIR
from tests.strangler.stack_config import REPO_ROOT, SHELF_DIR, shelf_config


def files_beside(config: Config) -> dict[str, bytes | None]:
    """The configured route table and its ledger, as they are on disk (None: absent)."""
    ledger = config.routes_path.with_name(config.routes_path.stem + ".ledger.jsonl")
    return {
        str(path): path.read_bytes() if path.exists() else None
        for path in (config.routes_path, ledger)
    }


def move(config: Config, route: str, function: str) -> None:
    """The flip ``migrate`` records, on ``config``'s route table."""
    table = load_table(config)
    planned = plan_move(table, route, function)
    after = apply_move(table, planned, "2026-12-02T00:00:00Z")
    entry = {"action": "migrate", "route": route, "after": snapshot(after, planned.route_keys)}
    save_and_record(config, after, entry, lambda _: None)


def test_the_demo_moves_its_route_in_the_run_directory_not_in_the_repository(
    tmp_path: Path,
) -> None:
    config = load_config(REPO_ROOT / "strangler.toml", environ={RUN_DIR: str(tmp_path / "run")})
    assert config.routes_path == REPO_ROOT / "routes.json"
    before = files_beside(config)
    messages: list[str] = []

    demo = demo_config(config, messages.append)
    move(demo, "/rides", "wildrydes")

    assert files_beside(config) == before
    assert demo.routes_path == tmp_path / "run" / "demo" / "routes.json"
    ledger = tmp_path / "run" / "demo" / "routes.ledger.jsonl"
    assert [json.loads(line)["route"] for line in ledger.read_text().splitlines()] == ["/rides"]
    seeded = json.loads((REPO_ROOT / "routes.json").read_text())
    moved = json.loads(demo.routes_path.read_text())
    assert moved["version"] == seeded["version"] + 1
    assert {r["route_key"] for r in moved["routes"]} == {
        *(r["route_key"] for r in seeded["routes"]),
        "ANY /rides",
        "ANY /rides/{proxy+}",
    }
    assert "a copy of routes.json" in messages[0]


def test_the_demo_starts_afresh_from_the_projects_table_each_time(tmp_path: Path) -> None:
    config = load_config(REPO_ROOT / "strangler.toml", environ={RUN_DIR: str(tmp_path / "run")})
    move(demo_config(config, lambda _: None), "/rides", "wildrydes")

    again = demo_config(config, lambda _: None)  # no gateway runs on the demo's table

    assert again.routes_path.read_text() == (REPO_ROOT / "routes.json").read_text()
    assert not again.routes_path.with_name("routes.ledger.jsonl").exists()


def test_on_shelf_the_demo_table_is_the_default_one_and_shelf_gets_no_file(
    tmp_path: Path,
) -> None:
    config = load_config(SHELF_DIR / "strangler.toml", environ={RUN_DIR: str(tmp_path / "run")})
    before = files_beside(config)

    demo = demo_config(config, lambda _: None)
    move(demo, "/api/books/", "shelf")

    assert files_beside(config) == before
    table = json.loads(demo.routes_path.read_text())
    assert [r["route_key"] for r in table["routes"]] == [
        "$default",
        "ANY /api/books",
        "ANY /api/books/{proxy+}",
    ]
    assert demo.routes_path.with_name("routes.ledger.jsonl").exists()


def test_a_projects_own_moves_land_in_the_table_its_configuration_names(tmp_path: Path) -> None:
    """README: the route table and its ledger sit beside the project's strangler.toml and are
    meant to be committed (every move is a reviewable diff)."""
    config = load_config(shelf_config(tmp_path), environ={})
    (tmp_path / "routes.json").write_text(json.dumps({"version": 1, "routes": []}))

    move(in_force(config), "/api/books/", "shelf")  # no stack runs: the configured table

    routes = json.loads((tmp_path / "routes.json").read_text())["routes"]
    assert [r["route_key"] for r in routes] == ["ANY /api/books", "ANY /api/books/{proxy+}"]
    assert (tmp_path / "routes.ledger.jsonl").exists()
