"""Configuration: ``strangler.toml`` plus the environment, read once into frozen dataclasses.

Every section is a dataclass; a generic builder checks each key against the dataclass fields and
their types, so an unknown key or a bad value fails at start with the file and the key named.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from strangler.core import envvars
from strangler.core.errors import ConfigError

DEFAULT_CONFIG_NAME = "strangler.toml"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class ProjectConfig:
    run_dir: str = ".strangler"
    allow_non_loopback: bool = False


@dataclass(frozen=True)
class DjangoConfig:
    """The Django project being strangled (Wild Rydes by default, or the user's own)."""

    path: str = "."
    settings: str = "monolith.settings"
    wsgi: str = "monolith.wsgi:application"
    asgi: str = "monolith.asgi:application"
    seed: tuple[str, ...] = ("seed_wildrydes", "--unicorns", "50", "--riders", "1000")
    demo_user: str = "demo"


@dataclass(frozen=True)
class DatabaseConfig:
    provider: Literal["embedded", "container", "url"] = "embedded"
    name: str = "wildrydes"
    host: str = "127.0.0.1"
    port: int = 54329
    max_connections: int = 100
    url: str = ""
    image: str = "postgres:16-alpine"

    def __post_init__(self) -> None:
        _check_port("port", self.port)
        if not 5 <= self.max_connections <= 10_000:
            raise ValueError("max_connections: must be between 5 and 10000")


@dataclass(frozen=True)
class MonolithConfig:
    """The monolith served like an EC2 fleet: gunicorn with persistent DB connections."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 4
    conn_max_age: int = 60
    start_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        _check_port("port", self.port)
        for key in ("workers", "threads"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key}: must be at least 1")
        if self.conn_max_age < 0:
            raise ValueError("conn_max_age: must be 0 (close each request) or more seconds")


@dataclass(frozen=True)
class LambdaServiceConfig:
    """The local Lambda service (see infra/local/lambda_service)."""

    host: str = "127.0.0.1"
    port: int = 9001
    region: str = "us-east-1"
    account_concurrency: int = 1000
    scale_limit_per_10s: int | None = None
    idle_timeout_s: float = 600.0
    init_timeout_s: float = 10.0
    enforce_limits: Literal["auto", "off"] = "auto"
    start_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        _check_port("port", self.port)


@dataclass(frozen=True)
class GatewayConfig:
    """The local API Gateway HTTP API in front of both paths."""

    host: str = "127.0.0.1"
    port: int = 8080
    routes_file: str = "routes.json"
    target_header: str = "x-strangler-target"
    start_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        _check_port("port", self.port)


@dataclass(frozen=True)
class ParityConfig:
    """What ``migrate``'s parity check ignores when it compares both paths' JSON bodies."""

    ignore: tuple[str, ...] = (
        "**.requested_at",
        "**.completed_at",
        "**.created_at",
        "**.updated_at",
        "**.timestamp",
    )


@dataclass(frozen=True)
class TracingConfig:
    """X-Ray tracing on both paths, with a local collector standing in for the daemon."""

    enabled: bool = False
    sample_rate: float = 1.0
    host: str = "127.0.0.1"
    port: int = 2000

    def __post_init__(self) -> None:
        _check_port("port", self.port)
        if not 0.0 <= self.sample_rate <= 1.0:
            raise ValueError("sample_rate: must be between 0 and 1")

    @property
    def daemon_address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class FunctionConfig:
    """A Lambda function serving (part of) the Django project through Mangum."""

    name: str
    handler: str = "serverless.handler.handler"
    memory_mb: int = 512
    timeout_s: float = 30.0
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    source: Path
    root: Path
    project: ProjectConfig = field(default_factory=ProjectConfig)
    django: DjangoConfig = field(default_factory=DjangoConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    monolith: MonolithConfig = field(default_factory=MonolithConfig)
    lambda_service: LambdaServiceConfig = field(default_factory=LambdaServiceConfig)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)
    parity: ParityConfig = field(default_factory=ParityConfig)
    tracing: TracingConfig = field(default_factory=TracingConfig)
    functions: tuple[FunctionConfig, ...] = ()

    def function(self, name: str) -> FunctionConfig | None:
        return next((f for f in self.functions if f.name == name), None)

    @property
    def run_dir(self) -> Path:
        return (self.root / self.project.run_dir).resolve()

    @property
    def routes_path(self) -> Path:
        return (self.root / self.gateway.routes_file).resolve()

    @property
    def django_path(self) -> Path:
        return (self.root / self.django.path).resolve()


_SECTIONS: dict[str, type] = {
    "project": ProjectConfig,
    "django": DjangoConfig,
    "database": DatabaseConfig,
    "monolith": MonolithConfig,
    "lambda": LambdaServiceConfig,
    "gateway": GatewayConfig,
    "parity": ParityConfig,
    "tracing": TracingConfig,
}
_FIELD_OF_SECTION = {"lambda": "lambda_service"}


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

    unknown = sorted(set(raw) - set(_SECTIONS) - {"functions"})
    if unknown:
        known = ", ".join(sorted([*_SECTIONS, "[functions]"]))
        raise ConfigError(f"{source}: unknown section [{unknown[0]}] (known: {known})")
    sections = {
        _FIELD_OF_SECTION.get(name, name): build_section(cls, raw.get(name, {}), name, source)
        for name, cls in _SECTIONS.items()
    }
    functions = raw.get("functions", [])
    if not isinstance(functions, list):
        raise ConfigError(f"{source}: functions must be an array of tables ([[functions]])")
    built = tuple(
        build_section(FunctionConfig, table, f"functions #{i + 1}", source)
        for i, table in enumerate(functions)
    )
    config = Config(source=source, root=source.parent, functions=built, **sections)
    _check_cross_section(config)
    return config


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


def _check_cross_section(config: Config) -> None:
    if config.database.provider == "url" and not config.database.url:
        raise ConfigError(
            f'{config.source}: [database] provider = "url" needs [database] url or '
            f"${envvars.DATABASE_URL}"
        )
    if not config.project.allow_non_loopback:
        hosts = {
            "database": config.database.host,
            "monolith": config.monolith.host,
            "lambda": config.lambda_service.host,
            "gateway": config.gateway.host,
            "tracing": config.tracing.host,
        }
        for section, host in hosts.items():
            if host not in LOOPBACK_HOSTS:
                raise ConfigError(
                    f"{config.source}: [{section}] host = {host!r} is not a loopback address; "
                    "set [project] allow_non_loopback = true to bind it anyway"
                )


def _check_port(key: str, port: int) -> None:
    if not 0 <= port <= 65535:
        raise ValueError(f"{key}: {port} is not a TCP port (0-65535; 0 picks a free one)")


def build_section(cls: type, table: object, section: str, source: Path) -> Any:
    """Build dataclass ``cls`` from a TOML table, naming the file and key in every error."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [{section}] must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key {unknown[0]!r} in [{section}] "
            f"(known: {', '.join(sorted(known))})"
        )
    values = {}
    for key, value in table.items():
        try:
            values[key] = _coerce(value, hints[key])
        except ValueError as exc:
            raise ConfigError(f"{source}: [{section}] {key}: {exc}") from None
    required = sorted(
        f.name
        for f in dataclasses.fields(cls)
        if f.init
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
        and f.name not in values
    )
    if required:
        raise ConfigError(f"{source}: [{section}] needs the key {required[0]!r}")
    try:
        return cls(**values)
    except ValueError as exc:
        raise ConfigError(f"{source}: [{section}] {exc}") from None


def _coerce(value: object, hint: Any) -> object:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        if value not in args:
            raise ValueError(f"{value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(value, inner)
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"expected a list, got {type(value).__name__}")
        return tuple(_coerce(item, args[0]) for item in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"expected a table, got {type(value).__name__}")
        return {str(k): _coerce(v, args[1]) for k, v in value.items()}
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool):
        if type(value) is not hint:
            raise ValueError(f"expected {hint.__name__}, got {type(value).__name__} {value!r}")
        return value
    raise TypeError(f"unsupported configuration type {hint!r}")
