"""A ``DeploySpec`` from strangler.toml and the route table: what the CLI hands the deployer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from infra.aws.apply import DeploySpec
from infra.aws.desired import DEFAULT_LOG_RETENTION_DAYS, DEFAULT_STAGE_NAME
from infra.aws.errors import AwsError
from infra.aws.naming import Names
from strangler_core.config import Config
from strangler_core.routes import RouteTable, load_route_table


def spec_from_config(
    config: Config,
    *,
    stage: str,
    project: str,
    monolith_url: str,
    zips: Mapping[str, Path],
    table: RouteTable | None = None,
    stage_name: str = DEFAULT_STAGE_NAME,
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS,
) -> DeploySpec:
    """Every ``[[functions]]`` of ``config`` with its zip, and the route table (``table``, or the
    one at ``config.routes_path``)."""
    if not config.functions:
        raise AwsError(f"no [[functions]] declared in {config.source}: nothing to deploy")
    return DeploySpec(
        table=table if table is not None else load_route_table(config.routes_path),
        functions=config.functions,
        zips=dict(zips),
        names=Names(stage=stage, project=project),
        monolith_url=monolith_url,
        stage_name=stage_name,
        log_retention_days=log_retention_days,
    )
