"""From ``[[functions]]`` in strangler.toml to what the local Lambda service runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.local.lambda_service.spec import FunctionSpec, ServiceConfig, ServiceSettings
from serverless import environment as function_env
from strangler.stack.lambda_key import invoke_credentials
from strangler.stack.project_code import project_code, staged_code
from strangler_core import envvars
from strangler_core.config import Config, FunctionConfig
from strangler_core.lambda_model import LambdaServiceOptions
from strangler_core.model import load

# The function package must be importable in the sandbox next to the user's Django project.
SERVERLESS_ROOT = Path(function_env.__file__).resolve().parent.parent


def function_spec(config: Config, function: FunctionConfig, database_url: str) -> FunctionSpec:
    """``function`` whole, plus where its code is and what Django needs to start.

    The sandboxes import the project's code from a directory of what the project's own imports
    show it needs (as the deployment zip ships it), so a package the zip would lack fails here
    too; the function package comes from the harness.
    """
    code = staged_code(project_code(config, function.environment), config.run_dir)
    code_paths = tuple(dict.fromkeys([str(code), str(SERVERLESS_ROOT)]))
    environment = {
        function_env.DJANGO_SETTINGS_MODULE: config.django.settings,
        function_env.DJANGO_ASGI: config.django.asgi,
        "DATABASE_URL": database_url,
        # the Lambda service itself tells sandboxes where the daemon is, as AWS does
        **{k: v for k, v in tracing_environment(config).items() if not k.startswith("AWS_")},
        **function.environment,
    }
    return load(
        FunctionSpec,
        {**dict(function), "code_paths": code_paths, "environment": environment},
        f"{config.source}: [[functions]] {function.name}",
    )


def tracing_environment(config: Config) -> dict[str, str]:
    """What the monolith and the functions need to trace (nothing when tracing is off)."""
    if not config.tracing.enabled:
        return {}
    return {
        envvars.TRACING: "1",
        envvars.TRACING_SAMPLE_RATE: repr(config.tracing.sample_rate),
        "AWS_XRAY_DAEMON_ADDRESS": config.tracing.daemon_address,
    }


def gateway_lambda_key(config: Config) -> dict[str, Any]:
    """GatewaySettings' fields for signing its Invoke requests with the stack's key."""
    return {
        "lambda_credentials": invoke_credentials(config),
        "lambda_region": config.lambda_service.region,
    }


def gateway_tracing(config: Config) -> dict[str, Any]:
    """GatewaySettings' tracing fields."""
    if not config.tracing.enabled:
        return {}
    return {
        "xray_daemon_address": config.tracing.daemon_address,
        "trace_sample_rate": config.tracing.sample_rate,
    }


def async_dir(config: Config) -> Path:
    """Where the local Lambda service keeps Event invocations: its queue and dead letters."""
    return config.run_dir / "lambda-async"


def service_settings(config: Config, port: int) -> ServiceSettings:
    """``[lambda]`` whole (but what only the CLI uses), plus the port, logs, the Event queue
    and tracing."""
    shared = config.lambda_service.model_dump(include=set(LambdaServiceOptions.model_fields))
    tracing = config.tracing
    return load(
        ServiceSettings,
        {
            **shared,
            "port": port,
            "log_dir": str(config.run_dir / "lambda-logs"),
            "async_dir": str(async_dir(config)),
            "xray_daemon_address": tracing.daemon_address if tracing.enabled else None,
            "trace_sample_rate": tracing.sample_rate,
            "credentials": invoke_credentials(config),
        },
        f"{config.source}: [lambda]",
    )


def service_config(config: Config, port: int, database_url: str) -> ServiceConfig:
    """The local Lambda service's whole configuration: every ``[[functions]]`` entry."""
    return load(
        ServiceConfig,
        {
            "settings": service_settings(config, port),
            "functions": tuple(function_spec(config, f, database_url) for f in config.functions),
        },
        str(config.source),
    )
