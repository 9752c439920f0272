"""The AWS side of the CLI: ``deploy``, ``migrate/rollback --aws`` and ``preflight``.

Credentials come only from boto3's standard chain (``--profile`` / ``--region`` select within
it); nothing secret is printed or written.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from strangler.progress import Progress
from strangler_core.config import Config, FunctionConfig

if TYPE_CHECKING:
    from serverless.package import Package


def add_aws_arguments(parser: argparse.ArgumentParser, *, required_monolith: bool) -> None:
    group = parser.add_argument_group("AWS (standard boto3 credential chain)")
    group.add_argument("--stage", default="dev", choices=["dev", "stage", "prod"])
    group.add_argument("--project", help="name prefix on AWS (default: the config's directory)")
    group.add_argument(
        "--monolith-url",
        required=required_monolith,
        help="where the deployed monolith answers (the $default HTTP passthrough target)",
    )
    group.add_argument("--profile", help="AWS profile (default: the standard chain)")
    group.add_argument("--region", help="AWS region (default: the profile's or AWS_REGION)")


def _spec(
    config: Config,
    args: argparse.Namespace,
    progress: Progress,
    table: Any = None,
    *,
    reuse_zips: bool = False,
) -> Any:
    from infra.aws.spec import spec_from_config
    from strangler_core.routes import default_route_table, load_route_table

    if table is None:
        if config.routes_path.exists():
            table = load_route_table(config.routes_path)
        else:
            progress(
                f"no {config.routes_path.name} yet: every route passes through to the monolith"
            )
            table = default_route_table()
    zips: dict[str, Path] = {}
    for function in config.functions:
        out = config.run_dir / "build" / f"{function.name}-{function.architecture}.zip"
        if reuse_zips and out.exists():
            # route moves change API routes only; the zip just has to describe the function
            zips[function.name] = out
            continue
        progress(f"building {out.name} (Lambda-platform wheels)")
        zips[function.name] = build_function_zip(
            config, function, out, out.parent / "dependencies"
        ).path
    return spec_from_config(
        config,
        stage=args.stage,
        project=args.project or config.root.name,
        monolith_url=args.monolith_url or "",
        zips=zips,
        table=table,
    )


def build_function_zip(
    config: Config, function: FunctionConfig, out: Path, cache_dir: Path | None = None
) -> Package:
    """The deployment zip: the project's code and distributions (as its own imports show, see
    ``strangler.stack.project_code``) plus the function package the handler lives in; with
    ``cache_dir``, the dependencies pip installed are kept there for the next build."""
    from serverless.package import build_zip, pinned_requirements, runtime_distributions
    from strangler.stack.functions import SERVERLESS_ROOT
    from strangler.stack.project_code import project_code

    code = project_code(config, function.environment)
    return build_zip(
        out,
        list(dict.fromkeys([*code.paths, SERVERLESS_ROOT / "serverless"])),
        architecture=function.architecture,
        requirements=pinned_requirements(runtime_distributions(code.distributions)),
        cache_dir=cache_dir,
    )


def _clients(args: argparse.Namespace) -> Any:
    from infra.aws.session import clients_for, make_session

    return clients_for(make_session(args.profile, args.region))


def deploy(config: Config, args: argparse.Namespace, progress: Progress) -> tuple[str, int]:
    from infra.aws.apply import apply, plan
    from infra.aws.plan import has_changes, render

    clients = _clients(args)
    spec = _spec(config, args, progress)
    changes = apply(clients, spec, progress=progress) if args.apply else plan(clients, spec)
    if args.json:
        return json.dumps([c.to_json() for c in changes], indent=2), 0
    header = "applied:" if args.apply else "plan (nothing changed; run with --apply):"
    if not has_changes(changes):
        header = "no changes: the deployed stack matches the route table and strangler.toml"
    return f"{header}\n{render(changes)}", 0


def move_on_aws(
    config: Config, args: argparse.Namespace, progress: Progress, *, rollback: bool
) -> str:
    """Migrate or roll back one route on the deployed API, then record it locally."""
    from infra.aws.apply import migrate_route_aws, plan_route_change, rollback_route_aws
    from infra.aws.plan import render
    from strangler.moves.steps import (
        apply_move,
        check_route_in_django,
        choose_function,
        load_table,
        plan_move,
        rolled_back,
        route_keys_for,
        route_table_lock,
        save_and_record,
        snapshot,
    )
    from strangler.stack.launch import django_env
    from strangler.stack.state import utc_now
    from strangler_core.routes import default_route_table

    clients = _clients(args)
    with route_table_lock(config):
        # deploy works without a local table (all passthrough); so do route moves on AWS
        table = load_table(config) if config.routes_path.exists() else default_route_table()
        keys = route_keys_for(args.route)
        if rollback:
            new_table = rolled_back(config, table, args.route)
        else:
            function = choose_function(config, getattr(args, "function", None))
            move = plan_move(table, args.route, function)
            # the same URLconf check as the local path; resolving touches no database
            env = django_env(config, "postgresql://unused@127.0.0.1:1/x")
            check_route_in_django(config, move.route_keys[0], env)
            new_table = apply_move(table, move, utc_now())
        spec = _spec(config, args, progress, table=new_table, reuse_zips=True)
        if args.plan:
            return render(plan_route_change(clients, spec, keys))
        change = rollback_route_aws if rollback else migrate_route_aws
        changes = change(clients, replace(spec, table=new_table), keys)
        save_and_record(
            config,
            new_table,
            {
                "at": utc_now(),
                "action": "rollback" if rollback else "migrate",
                "route": args.route,
                "route_keys": list(keys),
                "before": snapshot(table, keys),
                "after": snapshot(new_table, keys),
                "aws": [c.to_json() for c in changes],
                "parity": None if rollback else {"checked": 0, "note": "not run for --aws"},
            },
            progress,
        )
        return render(changes)


def preflight(config: Config, args: argparse.Namespace) -> tuple[str, int]:
    from strangler.aws.preflight.checks import exit_code, preflight
    from strangler.aws.preflight.gather import inputs_from_aws, inputs_from_config
    from strangler.aws.preflight.render import render
    from strangler.moves.steps import load_table

    mean_s, source = _mean_duration(args)
    if args.aws:
        from infra.aws.naming import Names
        from infra.aws.session import make_session

        function = args.function or (config.functions[0].name if config.functions else "")
        inputs, notes = inputs_from_aws(
            make_session(args.profile, args.region),
            Names(args.stage, args.project or config.root.name),
            function=function,
            peak_rps=args.peak_rps,
            mean_duration_s=mean_s,
            duration_source=source,
            db_instance_id=args.db_instance_id,
            ramp_s=args.ramp_s,
        )
    else:
        notes = []
        inputs = inputs_from_config(
            config,
            peak_rps=args.peak_rps,
            mean_duration_s=mean_s,
            duration_source=source,
            function=args.function,
            table=load_table(config) if config.routes_path.exists() else None,
            monolith_instances=args.monolith_instances,
            ramp_s=args.ramp_s,
            db_instance_class=args.db_instance_class,
        )
    checks = preflight(inputs)
    text = "\n".join([*(f"note: {n}" for n in notes), render(checks)])
    return text, exit_code(checks)


def _mean_duration(args: argparse.Namespace) -> tuple[float, str]:
    from strangler.aws.preflight.gather import mean_duration_from_report
    from strangler_core.errors import ConfigError

    if args.duration_ms is not None:
        return args.duration_ms / 1000, "given (--duration-ms)"
    report = args.report or _latest_report(Path("reports"))
    if report is None:
        raise ConfigError(
            "preflight needs the function's mean duration: pass --duration-ms, or --report "
            "reports/<run-id>/report.json (or run `make compare` first)"
        )
    return mean_duration_from_report(json.loads(report.read_text()))


def _latest_report(reports: Path) -> Path | None:
    found = sorted(reports.glob("*/report.json"))
    return found[-1] if found else None


def compare_on_aws(
    config: Config, args: argparse.Namespace, request: Any, progress: Progress
) -> Path:
    from infra.aws.naming import Names
    from infra.aws.session import make_session
    from strangler.measure.compare import AwsTargets, run_compare_aws
    from strangler.moves.steps import choose_function
    from strangler_core.errors import ConfigError

    if not (args.monolith_url and args.api_url):
        raise ConfigError("compare --aws needs --monolith-url (the fleet) and --api-url (the API)")
    session = make_session(args.profile, args.region)
    function = choose_function(config, request.function)
    targets = AwsTargets(
        monolith_url=args.monolith_url,
        api_url=args.api_url,
        function_name=Names(args.stage, args.project or config.root.name).function(function),
        logs_client=session.client("logs"),
        allow_remote=args.allow_remote,
    )
    return run_compare_aws(config, request, targets, progress)
