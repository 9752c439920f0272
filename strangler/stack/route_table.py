"""Which route table the local stack's gateway serves.

Normally the configuration's ``[gateway] routes_file``: a project's deploy artefact, committed
beside its strangler.toml, which every migrate and rollback changes on purpose. ``strangler
demo`` serves a copy of its own in the run directory instead, so that the demo leaves the
project's working tree as it was. The gateway's table is recorded in ``state.json`` when it
starts; the commands that act on the running stack (routes, migrate, rollback, compare,
traffic) act on that one.
"""

from __future__ import annotations

from pathlib import Path

from strangler.stack.launch import GATEWAY
from strangler.stack.processes import ProcessTable
from strangler.stack.state import read_state
from strangler_core.config import Config

ROUTES_KEY = "routes"
"""The key of ``state.json`` naming the route table the gateway serves."""


def demo_routes_path(config: Config) -> Path:
    """The demo's route table; its ledger is beside it, in the run directory too."""
    return config.run_dir / "demo" / "routes.json"


def with_routes(config: Config, path: Path) -> Config:
    """``config`` with ``path`` as its route table (everything else as it is)."""
    gateway = config.gateway.model_copy(update={"routes_file": str(path)})
    return config.model_copy(update={"gateway": gateway})


def served_routes_path(config: Config) -> Path | None:
    """The route table the running gateway of ``config``'s run directory serves; None when no
    gateway runs there."""
    record = ProcessTable(config.run_dir).get(GATEWAY)
    if record is None or not record.is_alive():
        return None
    served = read_state(config).get(ROUTES_KEY)
    # a gateway started before the table was recorded serves the configured one
    return Path(served) if served else config.routes_path


def in_force(config: Config) -> Config:
    """``config`` on the route table in force: the running gateway's (after ``strangler demo``,
    the demo's), else the configured one."""
    served = served_routes_path(config)
    if served is None or served == config.routes_path:
        return config
    return with_routes(config, served)


def shown(config: Config, path: Path) -> str:
    """``path`` as a user reads it: relative to the configuration's directory when inside it."""
    return str(path.relative_to(config.root)) if path.is_relative_to(config.root) else str(path)
