"""The ``strangler`` command line: one sub-command per operator task, ``--help`` on each."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from strangler_core.config import Config, load_config
from strangler_core.errors import ConfigError, StranglerError
from strangler_core.variants import (
    MAX_VARIANTS,
    Objective,
    Variant,
    parse_objective,
    parse_variant,
    repeated_variants,
)

if TYPE_CHECKING:
    from strangler.measure.distributed import MasterOptions

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

Handler = Callable[[argparse.Namespace, Config], int]


def in_force(config: Config) -> Config:
    """``config`` on the route table the running stack serves (``strangler.stack.route_table``):
    the local commands act on it; the AWS ones on the configured one."""
    from strangler.stack.route_table import in_force as on_table_in_force

    return on_table_in_force(config)


def _progress(message: str) -> None:
    # soft_wrap: one message, one line (a terminal wraps it; a log keeps it whole)
    err_console.print(f"[dim]·[/dim] {escape(message)}", soft_wrap=True)


def cmd_up(args: argparse.Namespace, config: Config) -> int:
    from strangler.stack.local import LocalStack

    status = LocalStack(config, progress=_progress).up()
    _print_status(status)
    return 0


def cmd_down(args: argparse.Namespace, config: Config) -> int:
    from strangler.stack.local import LocalStack

    stopped = LocalStack(config, progress=_progress).down()
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
    return 0


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    from strangler.stack.local import LocalStack

    status = LocalStack(config).status()
    if args.json:
        print(json.dumps(status, indent=2))
    else:
        _print_status(status)
    return 0 if status["running"] else 3


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from strangler.demo import run_demo

    return run_demo(config, console=console, progress=_progress, duration_s=args.duration)


def cmd_invoke(args: argparse.Namespace, config: Config) -> int:
    from strangler.stack.invoke import http_event, invoke
    from strangler.stack.lambda_key import invoke_credentials
    from strangler.stack.local import credentials, require_running
    from strangler_core.errors import ConfigError

    if config.function(args.function) is None:
        declared = ", ".join(f.name for f in config.functions) or "none"
        raise ConfigError(f"no function {args.function!r} in [[functions]] (declared: {declared})")
    status = require_running(config)
    if args.event is not None:
        text = sys.stdin.read() if str(args.event) == "-" else args.event.read_text()
        try:
            event = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--event {args.event}: not JSON: {exc}") from None
    elif args.path:
        headers = credentials(config) if args.authenticated else ()
        event = http_event(args.method, args.path, headers, args.body)
    else:
        event = {"isPrewarm": True}
    region = config.lambda_service.region
    result = invoke(
        status["lambda"],
        args.function,
        event,
        region,
        invoke_credentials(config),
        args.invocation_type,
    )
    if args.invocation_type == "Event":
        console.print(f"StatusCode: {result.status_code}  RequestId: {result.request_id}")
        return 0
    error = f", FunctionError: {result.function_error}" if result.function_error else ""
    console.print(f"StatusCode: {result.status_code}{error}")
    print(json.dumps(result.payload, indent=2))
    if result.report_line:
        console.print(result.report_line.replace("\t", "  "), soft_wrap=True, markup=False)
    return 1 if result.function_error else 0


def cmd_dlq(args: argparse.Namespace, config: Config) -> int:
    from strangler.stack import dlq

    if args.action == "redrive":
        moved = dlq.redrive(config, args.id or ())
        for letter in moved:
            console.print(f"redriven {letter.id} ({letter.function})", markup=False)
        console.print(f"{len(moved)} event(s) queued again", markup=False)
        return 0
    letters = dlq.dead_letters(config).letters()
    if args.json:
        print(json.dumps([letter.record for letter in letters], indent=2))
        return 0
    for letter in letters:
        line = dlq.row(letter)
        console.print(
            f"{line['timestamp']}  {line['id']}  {line['function']}  {line['condition']}  "
            f"invokes={line['invokes']}  {line['error']}",
            markup=False,
            soft_wrap=True,
        )
    console.print(f"{len(letters)} dead letter(s)", markup=False)
    return 0


def cmd_migrate(args: argparse.Namespace, config: Config) -> int:
    from strangler.moves.migrate import migrate

    if args.aws:
        from strangler.aws.commands import move_on_aws

        console.print(move_on_aws(config, args, _progress, rollback=False), markup=False)
        return 0
    outcome = migrate(
        in_force(config), args.route, function=args.function, force=args.force, progress=_progress
    )
    console.print(
        f"migrated {outcome.route} ({', '.join(outcome.route_keys)}) to Lambda; route table "
        f"version {outcome.table_version}; smoke check HTTP {outcome.smoke_status}"
    )
    return 0


def cmd_rollback(args: argparse.Namespace, config: Config) -> int:
    from strangler.moves.migrate import rollback

    if args.aws:
        from strangler.aws.commands import move_on_aws

        console.print(move_on_aws(config, args, _progress, rollback=True), markup=False)
        return 0
    outcome = rollback(in_force(config), args.route, progress=_progress)
    console.print(
        f"rolled back {outcome.route} to the monolith; route table version {outcome.table_version}"
    )
    return 0


def cmd_routes(args: argparse.Namespace, config: Config) -> int:
    from rich.table import Table

    from strangler.moves.steps import load_table
    from strangler.stack.route_table import shown

    config = in_force(config)
    table = load_table(config)
    if args.openapi:
        from strangler.aws.openapi import export_openapi, to_json
        from strangler.stack.state import read_state

        monolith = read_state(config).get("monolith") or "http://127.0.0.1:8000"
        arns = {
            f.name: f"arn:aws:lambda:{config.lambda_service.region}:123456789012:function:{f.name}"
            for f in config.functions
        }
        region = config.lambda_service.region
        print(
            to_json(export_openapi(table, monolith_url=monolith, function_arns=arns, region=region))
        )
        return 0
    rows = [
        {
            "route": route.route_key,
            "integration": route.integration.type,
            "target": route.integration.function or route.integration.target,
            "since": route.since,
        }
        for route in table.routes
    ]
    if args.json:
        print(json.dumps({"version": table.version, "routes": rows}, indent=2))
        return 0
    view = Table(title=f"route table {shown(config, config.routes_path)} (version {table.version})")
    for column in ("route", "integration", "target", "since"):
        view.add_column(column)
    for row in rows:
        view.add_row(
            *(escape(str(row[c] or "")) for c in ("route", "integration", "target", "since"))
        )
    console.print(view)
    return 0


def cmd_traffic(args: argparse.Namespace, config: Config) -> int:
    from rich.table import Table

    from strangler.stack import traffic
    from strangler.stack.state import traffic_dir

    if args.action == "import":
        records = traffic.import_har(in_force(config), args.har)
        unmatched = sum(r.route_key is None for r in records)
        console.print(
            f"imported {len(records)} requests from {escape(str(args.har))} into "
            f"{escape(str(traffic_dir(config)))}"
            + (f" ({unmatched} match no route of the table)" if unmatched else "")
        )
        return 0
    if args.action == "clear":
        removed = traffic.clear(config)
        console.print(f"removed {len(removed)} capture files from {traffic_dir(config)}")
        return 0
    records = traffic.captured_records(config)
    if args.action == "requests":
        shown = [
            traffic.request_view(r)
            for r in records
            if args.route is None or (r.route_key or traffic.NO_ROUTE) == args.route
        ][-args.last :]
        if args.json:
            print(json.dumps(shown, indent=2))
            return 0
        for request in shown:
            size = request["body_bytes"]
            body = "body not recorded" if size is None else f"body {size} B"
            console.print(
                escape(
                    f"{request['time']} {request['method']} {request['target']} -> "
                    f"{request['status']} [{request['route']}] ({body})"
                ),
                soft_wrap=True,
            )
            for name, value in request["headers"]:
                console.print(escape(f"    {name}: {value}"), soft_wrap=True)
        return 0
    rows = traffic.summarize(records)
    if args.json:
        summary = {"directory": str(traffic_dir(config)), "requests": len(records)}
        print(json.dumps({**summary, "routes": [r.as_dict() for r in rows]}, indent=2))
        return 0
    if not rows:
        console.print(
            f"no captured traffic in {traffic_dir(config)}: send requests through the gateway "
            "(`strangler up`) or `strangler traffic import FILE.har`"
        )
        return 0
    view = Table(title=f"captured traffic ({len(records)} requests, {traffic_dir(config)})")
    for column in ("route", "method", "requests", "statuses", "first", "last"):
        view.add_column(column)
    for row in rows:
        data = row.as_dict()
        statuses = " ".join(f"{s}:{n}" for s, n in data["statuses"].items())
        view.add_row(
            escape(row.route),
            row.method,
            str(row.count),
            statuses,
            data["first"],
            data["last"],
        )
    console.print(view)
    return 0


def _duration(text: str) -> float:
    """``60``, ``60s``, ``2m``, ``1h`` -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        if text and text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration such as 60s, 2m or 1h"
        ) from None


def _variant(text: str) -> Variant:
    try:
        return parse_variant(text)
    except (ValueError, ConfigError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _objective(text: str) -> Objective:
    try:
        return parse_objective(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def compare_variants(
    args: argparse.Namespace, config: Config
) -> tuple[tuple[Variant, ...], Objective | None]:
    """``--variant``s replace ``[[compare.variants]]``; ``--objective`` its objective."""
    variants = tuple(args.variant) if args.variant else config.compare.variants
    if len(variants) > MAX_VARIANTS:
        raise ConfigError(f"--variant: at most {MAX_VARIANTS} variants (each is one more run)")
    repeated = repeated_variants(variants)
    if repeated:
        raise ConfigError(f"--variant: {', '.join(repeated)} given more than once")
    if variants and args.aws:
        raise ConfigError("--variant: variants run on the local stack only, not with --aws")
    if variants and args.expect_workers is not None:
        raise ConfigError(
            "--variant with --expect-workers: workers join one Locust run, variants are one run "
            "each; compare the variants on this machine, or one setup with workers"
        )
    return variants, args.objective or config.compare.objective


def cmd_compare(args: argparse.Namespace, config: Config) -> int:
    from strangler.measure.compare import CompareRequest, run_compare

    variants, objective = compare_variants(args, config)
    request = CompareRequest(
        route=args.route,
        scenario=args.scenario,
        duration_s=args.duration,
        users=args.users,
        load_model=args.load_model,
        function=args.function,
        reports_dir=args.reports_dir,
        locustfile=args.locustfile,
        variants=variants,
        objective=objective,
        master=_master_options(args),
    )
    if args.aws:
        from strangler.aws.commands import compare_on_aws

        run_dir = compare_on_aws(config, args, request, _progress)
    else:
        run_dir = run_compare(in_force(config), request, progress=_progress)
    return _build_and_show_report(run_dir)


def cmd_loadtest(args: argparse.Namespace, config: Config) -> int:
    from strangler.measure.loadtest import LoadTestRequest, run_loadtest

    return run_loadtest(
        config,
        LoadTestRequest(
            scenario=args.scenario,
            host=args.host,
            users=args.users,
            peak_rps=args.peak_rps,
            duration_s=args.duration,
            load_model=args.load_model,
            workers=args.workers,
            allow_remote=args.allow_remote,
            web_ui=args.ui,
            locustfile=args.locustfile,
            master=_master_options(args),
        ),
    )


def _master_options(args: argparse.Namespace) -> MasterOptions | None:
    from strangler.measure.distributed import MasterOptions

    if args.expect_workers is None:
        return None
    return MasterOptions(
        args.expect_workers, args.master_bind_host, args.master_bind_port, args.workers_wait
    )


def cmd_worker(args: argparse.Namespace, config: Config) -> int:
    from strangler.measure.compare import LOCUSTFILE
    from strangler.measure.distributed import run_worker

    _progress(f"asking the Locust master at {args.master_host}:{args.master_port} for its run")
    return run_worker(LOCUSTFILE, args.master_host, args.master_port, config.root, args.wait)


def cmd_deploy(args: argparse.Namespace, config: Config) -> int:
    from strangler.aws.commands import deploy

    text, code = deploy(config, args, _progress)
    print(text)
    return code


def cmd_preflight(args: argparse.Namespace, config: Config) -> int:
    from strangler.aws.commands import preflight

    text, code = preflight(config, args)
    print(text)
    return code


def cmd_traces(args: argparse.Namespace, config: Config) -> int:
    from strangler.measure.traces import traces_report
    from strangler_core.traces import load_segments

    path = args.path or config.run_dir / "segments.jsonl"
    report = traces_report(load_segments(path), args.trace_id, args.top)
    console.print(report, markup=False, soft_wrap=True, end="")
    return 0


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    if not (args.run_dir / "raw" / "meta.json").exists():
        from strangler_core.errors import ConfigError

        raise ConfigError(f"{args.run_dir} holds no raw results (raw/meta.json is missing)")
    return _build_and_show_report(args.run_dir)


def _build_and_show_report(run_dir: Path) -> int:
    from loadtests.report.build import build_report

    build_report(run_dir)
    console.print((run_dir / "summary.md").read_text(), markup=False, soft_wrap=True)
    console.print(f"report: {run_dir / 'index.html'}", soft_wrap=True)
    return 0


def _print_status(status: dict[str, object]) -> None:
    from rich.table import Table

    table = Table(title="strangler local stack", show_header=True)
    for column in ("component", "state", "pid", "where"):
        table.add_column(column)
    components = status["components"]
    assert isinstance(components, dict)
    urls = {name: status.get(name) for name in ("gateway", "monolith", "database", "lambda")}
    for name, info in components.items():
        state = info["state"]
        colour = "green" if state == "running" else "red"
        where = escape(str(urls.get(name) or info.get("log") or ""))
        table.add_row(name, f"[{colour}]{state}[/{colour}]", str(info.get("pid") or ""), where)
    console.print(table)
    if status.get("route_table"):
        console.print(f"route table: {escape(str(status['route_table']))}", soft_wrap=True)
    if status.get("lambda_limits"):
        console.print(f"lambda sandboxes: memory/CPU limits {status['lambda_limits']}")
    hints = status.get("hints")
    assert isinstance(hints, list)
    for hint in hints:
        # soft_wrap: a credential broken across lines cannot be copied
        console.print(hint, soft_wrap=True, markup=False)


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
    demo = add(
        "demo",
        cmd_demo,
        "The main job on embedded defaults: start the stack, send a few real requests, move "
        "/rides to Lambda if needed, compare both paths under load, print the summary.",
    )
    demo.add_argument("--duration", type=_duration, default=60.0, help="comparison length")
    migrate = add(
        "migrate",
        cmd_migrate,
        "Move a route to Lambda: validate, parity-check both paths, flip the route table "
        "atomically, record it in the ledger, smoke-check, roll back by itself on failure.",
    )
    migrate.add_argument(
        "route",
        help="a path such as /rides (the route and everything below it) "
        "or one route key such as 'GET /rides/{id}'",
    )
    migrate.add_argument("--function", help="function from [[functions]] (default: the only one)")
    migrate.add_argument(
        "--force", action="store_true", help="migrate even when the parity check finds differences"
    )
    rollback = add(
        "rollback", cmd_rollback, "Send a migrated route back to the monolith (recorded too)."
    )
    rollback.add_argument("route", help="the path or route key given to migrate")
    from strangler.aws.commands import add_aws_arguments

    for command in (migrate, rollback):
        command.add_argument(
            "--aws", action="store_true", help="change the route on the deployed API Gateway"
        )
        command.add_argument(
            "--plan", action="store_true", help="with --aws: show the change, make none"
        )
        add_aws_arguments(command, required_monolith=False)
    deploy = add(
        "deploy",
        cmd_deploy,
        "Deploy the route table and functions to AWS with boto3: Lambda (zip, alias, "
        "concurrency), IAM role, HTTP API with $default passthrough and AWS_PROXY routes, "
        "permission, stage with throttling, access logs and X-Ray. Idempotent.",
    )
    mode = deploy.add_mutually_exclusive_group(required=True)
    mode.add_argument("--plan", action="store_true", help="show what --apply would change")
    mode.add_argument("--apply", action="store_true", help="create or update it")
    deploy.add_argument("--json", action="store_true", help="the changes as JSON")
    add_aws_arguments(deploy, required_monolith=True)
    preflight = add(
        "preflight",
        cmd_preflight,
        "Before a known scaling event: does the expected peak fit? Concurrency, scaling "
        "rate, database connections, API Gateway throttles; pass/warn/fail, exit 0/1/2.",
    )
    preflight.add_argument("--peak-rps", type=float, required=True, help="expected peak req/s")
    preflight.add_argument("--report", type=Path, help="report.json (default: the latest)")
    preflight.add_argument("--duration-ms", type=float, help="mean function duration instead")
    preflight.add_argument("--function", help="function from [[functions]]")
    preflight.add_argument("--ramp-s", type=float, help="seconds the traffic takes to reach peak")
    preflight.add_argument("--db-instance-class", help="RDS class, e.g. db.r6g.large")
    preflight.add_argument("--db-instance-id", help="with --aws: the RDS instance to read")
    preflight.add_argument("--monolith-instances", type=int, default=1)
    preflight.add_argument("--aws", action="store_true", help="read the live settings from AWS")
    add_aws_arguments(preflight, required_monolith=False)
    routes = add("routes", cmd_routes, "Print the route table: route, target, since when.")
    shape = routes.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="machine-readable output")
    shape.add_argument(
        "--openapi",
        action="store_true",
        help="OpenAPI 3 with x-amazon-apigateway-integration, as API Gateway imports it",
    )
    compare = add(
        "compare",
        cmd_compare,
        "Run the same journey for a route through the monolith path and the Lambda path in "
        "one run (private gateways; the live route table is not touched), then build the "
        "side-by-side report under reports/<run-id>/.",
    )
    compare.add_argument("route", help="route path, e.g. /rides")
    compare.add_argument(
        "--scenario", default="steady", choices=["steady", "ramp", "spike", "soak", "prescale"]
    )
    compare.add_argument(
        "--duration", type=_duration, default=60.0, help="e.g. 60s, 2m (default 60s)"
    )
    compare.add_argument("--users", type=int, default=20, help="users at the scenario's peak")
    compare.add_argument(
        "--load-model",
        choices=["open", "closed"],
        default="open",
        help="open: users pace themselves at 1 journey/s (limits coordinated omission); "
        "closed: users wait after each answer",
    )
    compare.add_argument("--function", help="function from [[functions]] (default: the only one)")
    compare.add_argument("--reports-dir", type=Path, default=Path("reports"))
    compare.add_argument(
        "--locustfile",
        type=Path,
        help="your Locust file, run on both paths (default: [load] locustfile, else the "
        "route's captured traffic replayed)",
    )
    compare.add_argument(
        "--variant",
        action="append",
        type=_variant,
        metavar="KEY=VALUE[,...]",
        help="also run a variant of the function after the main run, with the same load: "
        "memory=1024, provisioned=2, prewarm=4,every=5m (combinations too); repeat for "
        f"more (at most {MAX_VARIANTS}); replaces [[compare.variants]]",
    )
    compare.add_argument(
        "--objective",
        type=_objective,
        help="latency objective for the variants' verdict, e.g. p99<=300ms (p50, p90, p99; "
        "ms or s); default: [compare] objective",
    )
    compare.add_argument(
        "--aws",
        action="store_true",
        help="compare the deployed paths: --monolith-url (the fleet) vs --api-url (the HTTP "
        "API with the route migrated); REPORT lines come from CloudWatch Logs",
    )
    compare.add_argument("--api-url", help="with --aws: the deployed HTTP API's URL")
    compare.add_argument(
        "--allow-remote", action="store_true", help="allow non-loopback targets (deliberately)"
    )
    add_aws_arguments(compare, required_monolith=False)
    _add_master_arguments(compare)
    loadtest = add(
        "loadtest",
        cmd_loadtest,
        "Run a Locust scenario against the gateway (default) or --host; loopback only unless "
        "--allow-remote. Stops by itself at the end of the scenario.",
    )
    loadtest.add_argument(
        "--scenario", default="steady", choices=["steady", "ramp", "spike", "soak", "prescale"]
    )
    loadtest.add_argument("--host", help="target base URL (default: the local gateway)")
    loadtest.add_argument("--users", type=int, default=20, help="users at the scenario's peak")
    loadtest.add_argument(
        "--peak-rps",
        type=float,
        help="size the peak by arrival rate instead (open model: 1 journey/s per user)",
    )
    loadtest.add_argument("--duration", type=_duration, default=60.0)
    loadtest.add_argument("--load-model", choices=["open", "closed"], default="open")
    loadtest.add_argument(
        "--workers", type=int, default=1, help="Locust worker processes (distributed mode when >1)"
    )
    loadtest.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback target (deliberately)"
    )
    loadtest.add_argument("--ui", action="store_true", help="Locust's web UI on 127.0.0.1:8089")
    loadtest.add_argument(
        "--locustfile", type=Path, help="your Locust file (default: [load] locustfile)"
    )
    _add_master_arguments(loadtest)
    worker = add(
        "worker",
        cmd_worker,
        "Send load for a `compare` or `loadtest --expect-workers N` running on another "
        "machine: fetch its settings (scenario, Locust file, captured requests) from its Locust "
        "master, then run as one of its Locust workers until it stops.",
    )
    worker.add_argument("--master-host", required=True, help="the master machine's address")
    worker.add_argument(
        "--master-port", type=int, default=5557, help="its --master-bind-port (default 5557)"
    )
    worker.add_argument(
        "--wait", type=float, default=60.0, help="seconds to wait for the master (default 60)"
    )
    traffic = add(
        "traffic",
        cmd_traffic,
        "Show the traffic the gateway captured, per route and method (requests, statuses, "
        "first and last time); credentials are never shown.",
    )
    traffic.add_argument("--json", action="store_true", help="machine-readable output")
    traffic.set_defaults(action="summary")
    actions = traffic.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser(
        "requests",
        help="list the captured requests, headers redacted, bodies counted",
        description="List the captured requests, oldest first: target (credential-like query "
        "values redacted), status, route, headers (credential values redacted), body size.",
    )
    listing.add_argument("--route", help="only this route key, e.g. 'GET /rides/{id}'")
    listing.add_argument(
        "--last", type=int, default=50, metavar="N", help="the newest N (default 50)"
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    har = actions.add_parser(
        "import",
        help="append a HAR file's requests to the capture",
        description="Append the requests of a HAR 1.2 file (what browsers' devtools and most "
        "proxies export) to the capture, each given the route key of the current route "
        "table. A file that cannot be read whole changes nothing.",
    )
    har.add_argument("har", type=Path, metavar="FILE.har")
    actions.add_parser(
        "clear",
        help="delete the captured traffic",
        description="Delete every file of the capture (the gateway keeps capturing).",
    )
    traces = add("traces", cmd_traces, "Print X-Ray traces as indented trees (slowest first).")
    traces.add_argument(
        "path",
        type=Path,
        nargs="?",
        help="run dir (raw/segments.jsonl) or a .jsonl file (default: the stack's segments)",
    )
    traces.add_argument("--trace-id", help="print this trace only")
    traces.add_argument("--top", type=int, default=10, help="how many of the slowest traces")
    report = add("report", cmd_report, "Rebuild a run's report from its raw results.")
    report.add_argument("run_dir", type=Path, help="reports/<run-id>")
    invoke = add(
        "invoke",
        cmd_invoke,
        "Invoke a function of the local Lambda service (boto3, LogType=Tail) and print the "
        "result and the REPORT line. Without --event or --path it sends a pre-warm event.",
    )
    invoke.add_argument("function", help="function name from [[functions]]")
    invoke.add_argument(
        "--invocation-type",
        choices=["RequestResponse", "Event"],
        default="RequestResponse",
        help="Event: queue it and print its request id; the service runs it, retries a "
        "function error twice, then records it (see `strangler dlq`)",
    )
    source = invoke.add_mutually_exclusive_group()
    source.add_argument("--event", type=Path, metavar="FILE", help="event JSON file, - for stdin")
    source.add_argument("--path", help="build an API Gateway payload 2.0 event for this path")
    invoke.add_argument("--method", default="GET", help="HTTP method with --path (default GET)")
    invoke.add_argument("--body", help="JSON request body with --path")
    invoke.add_argument(
        "--authenticated",
        "--as-demo",
        action="store_true",
        help="with --path: send the project profile's credentials (what `up` prints)",
    )
    dlq = add(
        "dlq",
        cmd_dlq,
        "The local dead-letter queue: Event invocations that failed for good (function errors "
        "after their retries, or older than their maximum age), as AWS's on-failure records, "
        "for functions without an on_failure SQS queue.",
    )
    dlq.set_defaults(action="list", json=False)
    dlq_actions = dlq.add_subparsers(dest="action", metavar="ACTION")
    dlq_list = dlq_actions.add_parser(
        "list",
        help="list the records, oldest first",
        description="List the records, oldest first: time, request id, function, condition, "
        "how many times the function ran, its last error.",
    )
    dlq_list.add_argument("--json", action="store_true", help="the records whole, as JSON")
    dlq_redrive = dlq_actions.add_parser(
        "redrive",
        help="queue the records' events again",
        description="Queue the events of the records (all, or those --id names) again as new "
        "Event invocations of their function; each record leaves the dead-letter queue. An "
        "unknown id, or a function no longer in [[functions]], moves nothing.",
    )
    dlq_redrive.add_argument(
        "--id", action="append", metavar="REQUEST_ID", help="only this record (repeatable)"
    )
    return parser


def _add_master_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "load from other machines (Locust's distributed mode; this machine runs no users)"
    )
    group.add_argument(
        "--expect-workers",
        type=int,
        metavar="N",
        help="start when N `strangler worker --master-host THIS_HOST` have joined",
    )
    group.add_argument(
        "--master-bind-host", default="*", help="interface the workers connect to (default all)"
    )
    group.add_argument(
        "--master-bind-port", type=int, default=5557, help="port they connect to (default 5557)"
    )
    group.add_argument(
        "--workers-wait",
        type=int,
        default=300,
        metavar="SECONDS",
        help="give up (no run) when they have not all joined by then (default 300)",
    )


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
