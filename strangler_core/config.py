"""Configuration: ``strangler.toml`` plus the environment, read once into frozen models.

Every section is a ``StrictModel`` (``strangler_core/model.py``): an unknown section or key, or a
value of the wrong type or range, fails at start with the file and the key named, as
``strangler.toml: [monolith] port: 70000 is not a TCP port``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from strangler_core import envvars
from strangler_core.errors import ConfigError
from strangler_core.lambda_model import FunctionConfig, LambdaServiceOptions
from strangler_core.model import Items, Port, Problem, StrictModel, error_location, load
from strangler_core.variants import CompareConfig

__all__ = [
    "CompareConfig",
    "Config",
    "DatabaseConfig",
    "DjangoConfig",
    "FunctionConfig",
    "GatewayConfig",
    "LambdaServiceConfig",
    "LoadConfig",
    "MonolithConfig",
    "ParityConfig",
    "ProjectConfig",
    "TracingConfig",
    "load_config",
]

DEFAULT_CONFIG_NAME = "strangler.toml"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

Seconds = Annotated[float, Field(gt=0)]


def _check_path(path: str) -> str:
    if not path.startswith("/") or any(c.isspace() or c in "?#" for c in path):
        raise ValueError(f"must be a path such as /health (no query), got {path!r}")
    return path


HealthPath = Annotated[str, AfterValidator(_check_path)]


class ProjectConfig(StrictModel):
    run_dir: str = ".strangler"
    allow_non_loopback: bool = False
    profile: str = "auto"
    """The project profile (``strangler/profiles/``): "auto" recognises it, "generic" is none."""


class DjangoConfig(StrictModel):
    """The Django project being strangled (the sample in ``monolith/`` by default)."""

    path: str = "."
    settings: str = "monolith.settings"
    wsgi: str = "monolith.wsgi:application"
    asgi: str = "monolith.asgi:application"
    seed: Items[str] | None = None
    """Management command run after ``migrate``; unset: the profile's; ``[]``: none."""


class DatabaseConfig(StrictModel):
    provider: Literal["embedded", "container", "url"] = "embedded"
    name: str = "strangler"
    host: str = "127.0.0.1"
    port: Port = 54329
    max_connections: Annotated[int, Field(ge=5, le=10_000)] = 100
    url: str = ""
    image: str = "postgres:16-alpine"


class MonolithConfig(StrictModel):
    """The monolith served like an EC2 fleet: gunicorn with persistent DB connections."""

    host: str = "127.0.0.1"
    port: Port = 8000
    workers: Annotated[int, Field(ge=1)] = 2
    threads: Annotated[int, Field(ge=1)] = 4
    conn_max_age: Annotated[int, Field(ge=0)] = 60
    """Seconds; 0 closes the connection after each request."""
    start_timeout_s: Seconds = 60.0
    health_path: HealthPath = "/health"
    """What ``up`` polls: 200 means healthy; any other answer below 500 means it serves."""


class LambdaServiceConfig(LambdaServiceOptions):
    """``[lambda]``: the local Lambda service (see infra/local/lambda_service)."""

    port: Port = 9001
    start_timeout_s: Seconds = 30.0


class GatewayConfig(StrictModel):
    """The local API Gateway HTTP API in front of both paths."""

    host: str = "127.0.0.1"
    port: Port = 8080
    routes_file: str = "routes.json"
    target_header: str = "x-strangler-target"
    start_timeout_s: Seconds = 30.0
    capture: bool = True
    """Record the requests the gateway serves in ``<run_dir>/traffic/`` (parity checks and
    replayed comparisons use them; ``strangler traffic`` shows them)."""
    capture_max_mb: Annotated[float, Field(gt=0)] = 64.0
    """The capture's size cap in MiB, all its files together; the oldest file goes first."""
    capture_files: Annotated[int, Field(ge=2, le=100)] = 4
    """How many files the capture rotates through."""
    capture_comparisons: bool = False
    """Also capture in ``compare``'s private gateways (their load is synthetic), each in its
    run's ``work/`` directory, never in ``<run_dir>/traffic/``."""

    @property
    def capture_max_bytes(self) -> int:
        return int(self.capture_max_mb * 1024 * 1024)


class ParityConfig(StrictModel):
    """What ``migrate``'s parity check ignores when it compares both paths' answers and the
    rows their writes changed."""

    ignore: Items[str] = ("**.created_at", "**.updated_at", "**.timestamp")
    """On top of the profile's own ignores."""
    ignore_columns: Items[str] = (
        "django_session.*",
        "auth_user.last_login",
    )
    """``table.column`` patterns (same syntax) whose values the write check does not compare;
    every ``ignore`` pattern applies to columns too (``**.updated_at`` names a column as well)."""


class LoadConfig(StrictModel):
    """Where ``compare`` and ``loadtest`` take their load from."""

    locustfile: str | None = None
    """An ordinary Locust file (``HttpUser``/``FastHttpUser`` classes, relative paths), relative
    to this file; unset: the profile's journeys, else (``compare``) the route's captured traffic."""


class TracingConfig(StrictModel):
    """X-Ray tracing on both paths, with a local collector standing in for the daemon."""

    enabled: bool = False
    sample_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    host: str = "127.0.0.1"
    port: Port = 2000

    @property
    def daemon_address(self) -> str:
        return f"{self.host}:{self.port}"


class ConfigFile(StrictModel):
    """What ``strangler.toml`` holds: one table per section, ``[[functions]]`` an array."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    project: ProjectConfig = ProjectConfig()
    django: DjangoConfig = DjangoConfig()
    database: DatabaseConfig = DatabaseConfig()
    monolith: MonolithConfig = MonolithConfig()
    lambda_service: LambdaServiceConfig = Field(LambdaServiceConfig(), alias="lambda")
    gateway: GatewayConfig = GatewayConfig()
    parity: ParityConfig = ParityConfig()
    load: LoadConfig = LoadConfig()
    tracing: TracingConfig = TracingConfig()
    compare: CompareConfig = CompareConfig()
    functions: Items[FunctionConfig] = ()

    @model_validator(mode="after")
    def _check_cross_section(self) -> ConfigFile:
        if self.database.provider == "url" and not self.database.url:
            raise ValueError(
                f'[database] provider = "url" needs [database] url or ${envvars.DATABASE_URL}'
            )
        if not self.project.allow_non_loopback:
            hosts = {
                "database": self.database.host,
                "monolith": self.monolith.host,
                "lambda": self.lambda_service.host,
                "gateway": self.gateway.host,
                "tracing": self.tracing.host,
            }
            for section, host in hosts.items():
                if host not in LOOPBACK_HOSTS:
                    raise ValueError(
                        f"[{section}] host = {host!r} is not a loopback address; "
                        "set [project] allow_non_loopback = true to bind it anyway"
                    )
        return self


class Config(ConfigFile):
    """The configuration in use: the file's sections plus where the file is."""

    source: Path
    root: Path

    def function(self, name: str) -> FunctionConfig | None:
        return next((f for f in self.functions if f.name == name), None)

    @property
    def run_dir(self) -> Path:
        return (self.root / self.project.run_dir).resolve()

    @property
    def routes_path(self) -> Path:
        return (self.root / self.gateway.routes_file).resolve()

    @property
    def locustfile(self) -> Path | None:
        """``[load] locustfile`` resolved against the configuration file's directory."""
        return (self.root / self.load.locustfile).resolve() if self.load.locustfile else None

    @property
    def django_path(self) -> Path:
        return (self.root / self.django.path).resolve()


# Section name -> its keys, for "unknown key" messages ("functions": each [[functions]] table).
_KNOWN_KEYS: dict[str, list[str]] = {
    field.alias or name: sorted(getattr(field.annotation, "model_fields", {}))
    for name, field in ConfigFile.model_fields.items()
}
_KNOWN_KEYS["functions"] = sorted(FunctionConfig.model_fields)


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the configuration once: explicit path > $STRANGLER_CONFIG > ./strangler.toml."""
    env = os.environ if environ is None else environ
    source = path or Path(env.get(envvars.CONFIG_PATH) or DEFAULT_CONFIG_NAME)
    source = source.resolve()
    try:
        raw = tomllib.loads(source.read_text())
    except FileNotFoundError:
        raise ConfigError(
            f"configuration file {source} not found; pass --config PATH or set "
            f"{envvars.CONFIG_PATH}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    raw = _apply_environment(raw, env)

    file = load(ConfigFile, raw, str(source), render=render_toml)
    return Config(source=source, root=source.parent, **dict(file))


def render_toml(source: str, item: Problem) -> str:
    """``<file>: [<section>] <key>: <message>``; ``[functions #2]`` for the second function."""
    if not item.loc:
        return f"{source}: {item.message}"
    name, rest = str(item.loc[0]), item.loc[1:]
    section = name
    if name == "functions" and rest and isinstance(rest[0], int):
        section, rest = f"functions #{rest[0] + 1}", rest[1:]
    known = ", ".join(_KNOWN_KEYS.get(name, []))
    if not rest:
        if item.unknown:
            return f"{source}: [{section}]: unknown section (known: {', '.join(_KNOWN_KEYS)})"
        return f"{source}: [{section}] {item.message}"
    if item.unknown and len(rest) == 1:
        return f"{source}: [{section}] {rest[0]}: unknown key (known: {known})"
    return f"{source}: [{section}] {error_location(rest)}: {item.message}"


def _apply_environment(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    merged = {name: dict(table) for name, table in raw.items() if isinstance(table, dict)}
    merged.update({name: table for name, table in raw.items() if not isinstance(table, dict)})
    if env.get(envvars.RUN_DIR):
        merged.setdefault("project", {})["run_dir"] = env[envvars.RUN_DIR]
    if env.get(envvars.DB_PROVIDER):
        merged.setdefault("database", {})["provider"] = env[envvars.DB_PROVIDER]
    if env.get(envvars.TRACING):
        merged.setdefault("tracing", {})["enabled"] = env[envvars.TRACING] not in ("0", "false")
    if env.get(envvars.TRACING_SAMPLE_RATE):
        try:
            rate = float(env[envvars.TRACING_SAMPLE_RATE])
        except ValueError:
            raise ConfigError(f"${envvars.TRACING_SAMPLE_RATE} must be a number") from None
        merged.setdefault("tracing", {})["sample_rate"] = rate
    if env.get(envvars.DATABASE_URL):
        merged.setdefault("database", {})["url"] = env[envvars.DATABASE_URL]
    return merged
