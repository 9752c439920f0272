"""What the service runs: one model, written whole by the CLI and validated again by the service.

``ServiceConfig`` is the JSON file ``{"settings": {...}, "functions": [{...}]}`` the CLI writes
(``ServiceConfig.model_dump_json()``) and ``python -m infra.local.lambda_service --config``
reads back (``load_service_config``). Its parts extend strangler.toml's own models
(``strangler_core/lambda_model.py``), so each setting is declared once and none is re-typed on
the way. A bad value raises ``ConfigError`` naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from infra.local.xray.emitter import parse_daemon_address
from strangler_core.lambda_model import FunctionConfig, InvokeCredentials, LambdaServiceOptions
from strangler_core.model import InvalidKey, Items, Port, StrictModel, load, load_json_file


def _directory(path: str) -> str:
    if not path:
        raise ValueError("must be a directory path")
    return path


def _daemon_address(address: str | None) -> str | None:
    if address is not None:
        parse_daemon_address(address)
    return address


Directory = Annotated[str, AfterValidator(_directory)]


class FunctionSpec(FunctionConfig):
    """A ``[[functions]]`` table plus where its code is: what a sandbox runs."""

    code_paths: Annotated[Items[Directory], Field(min_length=1)]
    """Directories put on the sandbox's PYTHONPATH; the first is its task root (cwd)."""


class ServiceSettings(LambdaServiceOptions):
    """``[lambda]`` as the service runs it, plus what the CLI decides for it."""

    port: Port = 0
    """0: an ephemeral port, read it back from LambdaService.url."""
    log_dir: Directory = ".strangler/lambda-logs"
    xray_daemon_address: Annotated[str | None, AfterValidator(_daemon_address)] = None
    """host:port of the X-Ray collector; None: tracing off."""
    trace_sample_rate: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    """For invocations whose caller made no sampling decision."""
    async_dir: Directory | None = None
    """Event invocations' queue and local dead-letter queue (durable across restarts);
    None: a temporary directory removed at stop, for a service embedded in a test."""
    credentials: InvokeCredentials | None = None
    """The key Invoke API requests must be SigV4-signed with (the stack always sets one);
    None: requests are not authenticated, for a service embedded in a test or a benchmark."""


class ServiceConfig(StrictModel):
    """The service's whole configuration: the one document that crosses the process boundary."""

    settings: ServiceSettings = ServiceSettings()
    functions: Items[FunctionSpec] = ()

    @model_validator(mode="after")
    def _functions_fit_the_account(self) -> ServiceConfig:
        names = [f.name for f in self.functions]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InvalidKey("functions", f"names {duplicates} more than one function")
        reserved = sum(f.reserved_concurrency or 0 for f in self.functions)
        limit = self.settings.account_concurrency
        if reserved > limit:
            raise InvalidKey(
                "functions",
                f"reserve {reserved} in all, more than account_concurrency {limit}",
            )
        return self


def validate_functions(
    settings: ServiceSettings, functions: Iterable[FunctionSpec], where: str = "service"
) -> ServiceConfig:
    """The same checks as the file gets, for a service built in code."""
    return load(ServiceConfig, {"settings": settings, "functions": tuple(functions)}, where)


def load_service_config(path: str | Path) -> ServiceConfig:
    return load_json_file(ServiceConfig, Path(path))
