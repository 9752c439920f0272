"""``make demo``: start the stack, show the profile's tour of real requests, move its demo route
to Lambda, compare both paths under load, print the summary.

The demo moves its route on a route table of its own in the run directory (a copy of the
project's), so it leaves the project's ``routes.json`` and working tree as they were.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from strangler.moves.ledger import ledger_path
from strangler.profiles import profile_for
from strangler.progress import Progress
from strangler.stack.local import LocalStack, credentials
from strangler.stack.route_table import demo_routes_path, served_routes_path, shown, with_routes
from strangler.stack.state import utc_now
from strangler_core.atomic import write_atomic
from strangler_core.config import Config
from strangler_core.errors import ConfigError
from strangler_core.profile import Exchange
from strangler_core.routes import default_route_table, dump_route_table, load_route_table


def run_demo(
    config: Config, console: Console, progress: Progress, *, duration_s: float = 60.0
) -> int:
    """Start the stack, show real requests, move the demo route to Lambda, compare both paths."""
    profile = profile_for(config)
    route = profile.demo_route()
    if route is None:
        raise ConfigError(
            f"the {profile.name!r} profile has no demo; `strangler up`, `migrate` and "
            "`compare` work on any project"
        )
    config = demo_config(config, progress)
    status = LocalStack(config, progress=progress).up()
    base = status["monolith"]
    _show(console, base, profile.demo_requests(base, credentials(config)))
    _migrate_if_needed(config, console, progress, route)
    from strangler.measure.compare import CompareRequest, run_compare

    progress(f"comparison run: {route} through both paths for {duration_s:.0f} s")
    run_dir = run_compare(
        config, CompareRequest(route=route, duration_s=duration_s), progress=progress
    )
    from loadtests.report.build import build_report

    build_report(run_dir)
    console.print((run_dir / "summary.md").read_text(), markup=False, soft_wrap=True)
    console.print(f"report: {run_dir / 'index.html'}", soft_wrap=True)
    console.print(
        f"next: `make routes` shows the demo's route table ({shown(config, config.routes_path)}"
        f"; the project's is as it was), `make rollback-route ROUTE={route}` sends {route} back "
        "to the monolith on it; `make down` stops everything."
    )
    return 0


def demo_config(config: Config, progress: Progress) -> Config:
    """``config`` on the demo's own route table, in the run directory.

    Unless the running gateway already serves it (a demo's stack still up), the table starts as a
    copy of the project's (the default table if the project has none yet), with a ledger of its
    own from scratch: each demo moves its route anew, and the project's table is only read.
    """
    path = demo_routes_path(config)
    if served_routes_path(config) != path:
        project = config.routes_path
        table = load_route_table(project) if project.exists() else default_route_table(utc_now())
        path.parent.mkdir(parents=True, exist_ok=True)
        ledger_path(path).unlink(missing_ok=True)
        write_atomic(path, dump_route_table(table))
        progress(
            f"demo: route table {shown(config, path)}, a copy of {shown(config, project)} "
            "(the demo leaves the project's as it is)"
        )
    return with_routes(config, path)


def _migrate_if_needed(config: Config, console: Console, progress: Progress, route: str) -> None:
    from strangler.moves.migrate import migrate
    from strangler.moves.steps import load_table, route_keys_for

    table = load_table(config)
    moved = all(
        (r := table.route(key)) is not None and r.integration.type == "AWS_PROXY"
        for key in route_keys_for(route)
    )
    if moved:
        console.print(f"{route} is already served by Lambda (see `make routes`)")
        return
    outcome = migrate(config, route, progress=progress)
    console.print(f"migrated {route} to Lambda (route table version {outcome.table_version})")


def _show(console: Console, base: str, exchanges: list[Exchange]) -> None:
    table = Table(title=f"real requests through the monolith ({base})")
    for column in ("method", "path", "status", "ms", "what came back"):
        table.add_column(column, justify="right" if column in ("status", "ms") else "left")
    for ex in exchanges:
        table.add_row(ex.method, ex.path, str(ex.status), f"{ex.elapsed_ms:.1f}", ex.note)
    console.print(table)
