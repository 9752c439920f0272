"""Which PostgreSQL the stack uses (embedded, container or a URL), and whether it runs."""

from __future__ import annotations

from infra.local.net import free_port
from infra.local.postgres import ContainerPostgres, DatabaseProvider, EmbeddedPostgres, UrlDatabase
from strangler.stack.state import remembered_port
from strangler_core.config import Config


def database_provider(config: Config) -> DatabaseProvider:
    db = config.database
    if db.provider == "embedded":
        port = db.port or remembered_port(config, "database") or free_port(db.host)
        return EmbeddedPostgres(
            config.run_dir / "pgdata",
            port=port,
            database=db.name,
            max_connections=db.max_connections,
            host=db.host,
        )
    if db.provider == "container":
        return ContainerPostgres(db.image, db.name, state_dir=config.run_dir)
    return UrlDatabase(db.url)


def database_running(provider: DatabaseProvider) -> bool:
    if isinstance(provider, EmbeddedPostgres):
        return provider.running_pid() is not None
    if isinstance(provider, ContainerPostgres):
        return provider.is_running()
    return True  # a URL database is someone else's to run
