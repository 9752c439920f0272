"""The ``strangler`` command line: one sub-command per operator task, ``--help`` on each."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from strangler.config import Config, load_config
from strangler.errors import StranglerError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

Handler = Callable[[argparse.Namespace, Config], int]


def _progress(message: str) -> None:
    err_console.print(f"[dim]·[/dim] {escape(message)}")


def cmd_up(args: argparse.Namespace, config: Config) -> int:
    from strangler.stack import LocalStack

    status = LocalStack(config, progress=_progress).up()
    _print_status(status)
    return 0


def cmd_down(args: argparse.Namespace, config: Config) -> int:
    from strangler.stack import LocalStack

    stopped = LocalStack(config, progress=_progress).down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
    return 0


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    from strangler.stack import LocalStack

    status = LocalStack(config).status()
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        _print_status(status)
    return 0 if status["running"] else 3


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from strangler.demo import run_demo

    return run_demo(config, console=console, progress=_progress)


def _print_status(status: dict[str, object]) -> None:
    from rich.table import Table

    table = Table(title="strangler local stack", show_header=True)
    for column in ("component", "state", "pid", "where"):
        table.add_column(column)
    components = status["components"]
    assert isinstance(components, dict)
    urls = {"monolith": status.get("monolith"), "database": status.get("database")}
    for name, info in components.items():
        state = info["state"]
        colour = "green" if state == "running" else "red"
        where = escape(str(urls.get(name) or info.get("log") or ""))
        table.add_row(name, f"[{colour}]{state}[/{colour}]", str(info.get("pid") or ""), where)
    console.print(table)
    if status.get("demo_token") and status["running"]:
        # soft_wrap: a token broken across lines cannot be copied
        console.print(f"demo rider token: {status['demo_token']}", soft_wrap=True)
        console.print(
            f"try: curl -H 'Authorization: Bearer {status['demo_token']}' "
            f"{status['monolith']}/unicorns",
            soft_wrap=True,
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="strangler",
        description=(
            "Move a Django monolith onto AWS Lambda one route at a time, and measure each move "
            "(latency, cold starts, throttling, database connections, cost) under load."
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="configuration file (default: $STRANGLER_CONFIG or ./strangler.toml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    add(
        "up",
        cmd_up,
        "Start the local stack in the background (database, migrations, seed data, monolith), "
        "wait until healthy and print the URLs. Starts only what is not already running.",
    )
    add("down", cmd_down, "Stop every process the local stack started (also after a crash).")
    status = add("status", cmd_status, "Show the local stack (exit 0 running, 3 not running).")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    add(
        "demo",
        cmd_demo,
        "Start the stack if needed and send a few real requests through it, printed as a table.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        return int(args.handler(args, config))
    except StranglerError as exc:
        err_console.print(f"[bold red]error:[/bold red] {escape(str(exc))}")
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
