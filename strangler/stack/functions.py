"""From ``[[functions]]`` in strangler.toml to what the local Lambda service runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.local.lambda_service.spec import FunctionSpec, ServiceSettings
from serverless import environment as function_env
from strangler.core import envvars
from strangler.core.config import Config, FunctionConfig
from strangler.core.errors import ConfigError

# The function package must be importable in the sandbox next to the user's Django project.
SERVERLESS_ROOT = Path(function_env.__file__).resolve().parent.parent


def function_spec(config: Config, function: FunctionConfig, database_url: str) -> FunctionSpec:
    code_paths = tuple(dict.fromkeys([str(config.django_path), str(SERVERLESS_ROOT)]))
    environment = {
        function_env.DJANGO_SETTINGS_MODULE: config.django.settings,
        function_env.DJANGO_ASGI: config.django.asgi,
        "DATABASE_URL": database_url,
        # the Lambda service itself tells sandboxes where the daemon is, as AWS does
        **{k: v for k, v in tracing_environment(config).items() if not k.startswith("AWS_")},
        **function.environment,
    }
    spec = FunctionSpec(
        name=function.name,
        handler=function.handler,
        code_paths=code_paths,
        memory_mb=function.memory_mb,
        timeout_s=function.timeout_s,
        reserved_concurrency=function.reserved_concurrency,
        provisioned_concurrency=function.provisioned_concurrency,
        architecture=function.architecture,
        environment=environment,
    )
    try:
        return spec.validate(f"{config.source}: [[functions]]")
    except ConfigError:
        raise
    except ValueError as exc:
        raise ConfigError(f"{config.source}: [[functions]] {function.name}: {exc}") from None


def tracing_environment(config: Config) -> dict[str, str]:
    """What the monolith and the functions need to trace (nothing when tracing is off)."""
    if not config.tracing.enabled:
        return {}
    return {
        envvars.TRACING: "1",
        envvars.TRACING_SAMPLE_RATE: repr(config.tracing.sample_rate),
        "AWS_XRAY_DAEMON_ADDRESS": config.tracing.daemon_address,
    }


def gateway_tracing(config: Config) -> dict[str, Any]:
    """GatewaySettings' tracing fields."""
    if not config.tracing.enabled:
        return {}
    return {
        "xray_daemon_address": config.tracing.daemon_address,
        "trace_sample_rate": config.tracing.sample_rate,
    }


def service_settings(config: Config, port: int) -> ServiceSettings:
    svc = config.lambda_service
    return ServiceSettings(
        host=svc.host,
        port=port,
        region=svc.region,
        account_concurrency=svc.account_concurrency,
        scale_limit_per_10s=svc.scale_limit_per_10s,
        idle_timeout_s=svc.idle_timeout_s,
        init_timeout_s=svc.init_timeout_s,
        log_dir=str(config.run_dir / "lambda-logs"),
        enforce_limits=svc.enforce_limits,
        xray_daemon_address=config.tracing.daemon_address if config.tracing.enabled else None,
        trace_sample_rate=config.tracing.sample_rate,
    ).validate(f"{config.source}: [lambda]")
