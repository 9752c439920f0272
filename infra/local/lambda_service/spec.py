"""What the service runs: frozen, validated function and service settings, and their JSON file.

The CLI writes a JSON file ``{"settings": {...}, "functions": [{...}]}`` from strangler.toml;
``load_service_config`` reads it back. A bad value raises ``ConfigError`` naming the field (and
the file, when there is one).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from infra.local.xray.emitter import parse_daemon_address
from strangler.core.errors import ConfigError
from strangler.core.lambda_model import (
    FUNCTION_NAME_RE,
    HANDLER_RE,
    MAX_MEMORY_MB,
    MAX_TIMEOUT_S,
    MIN_MEMORY_MB,
    RESERVED_ENV_KEYS,
    function_arn,
)


def _fail(where: str, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{where}: `{key}` {problem}")


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str
    code_paths: tuple[str, ...]
    memory_mb: int = 512
    timeout_s: float = 30.0
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    environment: Mapping[str, str] = field(default_factory=dict)

    def validate(self, where: str = "function") -> FunctionSpec:
        where = f"{where} {self.name!r}"
        if not FUNCTION_NAME_RE.match(self.name):
            raise _fail(where, "name", "must be 1-64 letters, digits, '-' or '_'")
        if not HANDLER_RE.match(self.handler):
            raise _fail(where, "handler", f"must look like 'module.function', got {self.handler!r}")
        if not self.code_paths or not all(isinstance(p, str) and p for p in self.code_paths):
            raise _fail(where, "code_paths", "must be a non-empty list of directories")
        if not MIN_MEMORY_MB <= self.memory_mb <= MAX_MEMORY_MB:
            raise _fail(where, "memory_mb", f"must be {MIN_MEMORY_MB}-{MAX_MEMORY_MB}")
        if not 0 < self.timeout_s <= MAX_TIMEOUT_S:
            raise _fail(where, "timeout_s", f"must be > 0 and <= {MAX_TIMEOUT_S:g}")
        if self.reserved_concurrency is not None and self.reserved_concurrency < 0:
            raise _fail(where, "reserved_concurrency", "must be >= 0 (or absent)")
        if self.provisioned_concurrency < 0:
            raise _fail(where, "provisioned_concurrency", "must be >= 0")
        if (
            self.reserved_concurrency is not None
            and self.provisioned_concurrency > self.reserved_concurrency
        ):
            raise _fail(where, "provisioned_concurrency", "cannot exceed reserved_concurrency")
        if self.architecture not in ("x86_64", "arm64"):
            raise _fail(where, "architecture", "must be 'x86_64' or 'arm64'")
        reserved = sorted(RESERVED_ENV_KEYS.intersection(self.environment))
        if reserved:
            raise _fail(where, "environment", f"sets reserved variables {reserved}")
        if not all(isinstance(v, str) for v in self.environment.values()):
            raise _fail(where, "environment", "values must be strings")
        return self

    def arn(self, region: str) -> str:
        return function_arn(self.name, region)


@dataclass(frozen=True)
class ServiceSettings:
    host: str = "127.0.0.1"
    port: int = 0  # 0: an ephemeral port, read it back from LambdaService.url
    region: str = "us-east-1"
    account_concurrency: int = 1000
    scale_limit_per_10s: int | None = None  # AWS: 1000 new environments / 10 s / function
    idle_timeout_s: float = 600.0
    init_timeout_s: float = 10.0
    log_dir: str = ".strangler/lambda-logs"
    enforce_limits: Literal["auto", "off"] = "auto"
    xray_daemon_address: str | None = None  # host:port of the collector; None: tracing off
    trace_sample_rate: float = 1.0  # for invocations whose caller made no sampling decision

    def validate(self, where: str = "settings") -> ServiceSettings:
        if not 0 <= self.port <= 65535:
            raise _fail(where, "port", "must be 0-65535")
        if self.account_concurrency < 1:
            raise _fail(where, "account_concurrency", "must be >= 1")
        if self.scale_limit_per_10s is not None and self.scale_limit_per_10s < 1:
            raise _fail(where, "scale_limit_per_10s", "must be >= 1 (or absent)")
        if self.idle_timeout_s <= 0:
            raise _fail(where, "idle_timeout_s", "must be > 0")
        if self.init_timeout_s <= 0:
            raise _fail(where, "init_timeout_s", "must be > 0")
        if self.enforce_limits not in ("auto", "off"):
            raise _fail(where, "enforce_limits", "must be 'auto' or 'off'")
        if not self.log_dir:
            raise _fail(where, "log_dir", "must be a directory path")
        if not 0.0 <= self.trace_sample_rate <= 1.0:
            raise _fail(where, "trace_sample_rate", "must be between 0 and 1")
        if self.xray_daemon_address is not None:
            try:
                parse_daemon_address(self.xray_daemon_address)
            except ValueError as exc:
                raise _fail(where, "xray_daemon_address", str(exc)) from None
        return self


def validate_functions(
    settings: ServiceSettings, functions: tuple[FunctionSpec, ...], where: str = "functions"
) -> None:
    names = [f.name for f in functions]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _fail(where, "name", f"is duplicated: {duplicates}")
    reserved = sum(f.reserved_concurrency or 0 for f in functions)
    if reserved > settings.account_concurrency:
        raise _fail(
            where,
            "reserved_concurrency",
            f"sums to {reserved}, more than account_concurrency {settings.account_concurrency}",
        )


_INT_FIELDS = {"port", "account_concurrency", "memory_mb", "provisioned_concurrency"}
_OPTIONAL_INT_FIELDS = {"scale_limit_per_10s", "reserved_concurrency"}
_FLOAT_FIELDS = {"timeout_s", "idle_timeout_s", "init_timeout_s", "trace_sample_rate"}
_OPTIONAL_TEXT_FIELDS = {"xray_daemon_address"}


def _coerce(where: str, key: str, value: Any) -> Any:
    """Check JSON types field by field, so the error names the field instead of a TypeError."""
    if key in _OPTIONAL_INT_FIELDS | _OPTIONAL_TEXT_FIELDS and value is None:
        return None
    if key in _INT_FIELDS | _OPTIONAL_INT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(where, key, f"must be an integer, got {value!r}")
        return value
    if key in _FLOAT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(where, key, f"must be a number, got {value!r}")
        return float(value)
    if key == "code_paths":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise _fail(where, key, "must be a list of directories")
        return tuple(str(p) for p in value)
    if key == "environment":
        if not isinstance(value, dict):
            raise _fail(where, key, "must be an object of string values")
        return dict(value)
    if not isinstance(value, str):
        raise _fail(where, key, f"must be a string, got {value!r}")
    return value


def _build(cls: type[Any], data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a JSON object")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise _fail(where, unknown[0], f"is not a known key (known: {', '.join(sorted(known))})")
    try:
        return cls(**{key: _coerce(where, key, value) for key, value in data.items()})
    except TypeError as exc:  # a required field is missing
        raise ConfigError(f"{where}: {exc}") from exc


def parse_service_config(
    data: Any, where: str = "service config"
) -> tuple[ServiceSettings, tuple[FunctionSpec, ...]]:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a JSON object with 'settings' and 'functions'")
    unknown = sorted(set(data) - {"settings", "functions"})
    if unknown:
        raise _fail(where, unknown[0], "is not a known key (known: functions, settings)")
    settings = _build(ServiceSettings, data.get("settings", {}), f"{where}: settings").validate(
        f"{where}: settings"
    )
    raw_functions = data.get("functions", [])
    if not isinstance(raw_functions, list):
        raise _fail(where, "functions", "must be a list")
    functions = tuple(
        _build(FunctionSpec, raw, f"{where}: functions[{i}]").validate(f"{where}: functions[{i}]")
        for i, raw in enumerate(raw_functions)
    )
    validate_functions(settings, functions, f"{where}: functions")
    return settings, functions


def load_service_config(path: str | Path) -> tuple[ServiceSettings, tuple[FunctionSpec, ...]]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON: {exc}") from exc
    return parse_service_config(data, str(path))


def service_config_to_json(settings: ServiceSettings, functions: tuple[FunctionSpec, ...]) -> str:
    """The inverse of ``load_service_config``, for the CLI that writes the file."""
    return json.dumps(
        {
            "settings": dataclasses.asdict(settings),
            "functions": [
                {**dataclasses.asdict(f), "environment": dict(f.environment)} for f in functions
            ],
        },
        indent=2,
    )
