"""``make demo``: start the stack, show the profile's tour of real requests, move its demo route
to Lambda, compare both paths under load, print the summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from strangler.profiles import profile_for
from strangler.progress import Progress
from strangler.stack.local import LocalStack, credentials
from strangler_core.config import Config
from strangler_core.errors import ConfigError
from strangler_core.profile import Exchange


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
        f"next: `make rollback-route ROUTE={route}` sends {route} back to the monolith; "
        "`make down` stops everything."
    )
    return 0


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
