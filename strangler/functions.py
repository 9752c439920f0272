"""From ``[[functions]]`` in strangler.toml to what the local Lambda service runs."""

from __future__ import annotations

from pathlib import Path

from infra.local.lambda_service.spec import FunctionSpec, ServiceSettings
from serverless import environment as function_env
from strangler.config import Config, FunctionConfig
from strangler.errors import ConfigError

# The function package must be importable in the sandbox next to the user's Django project.
SERVERLESS_ROOT = Path(function_env.__file__).resolve().parent.parent


def function_spec(config: Config, function: FunctionConfig, database_url: str) -> FunctionSpec:
    code_paths = tuple(dict.fromkeys([str(config.django_path), str(SERVERLESS_ROOT)]))
    environment = {
        function_env.DJANGO_SETTINGS_MODULE: config.django.settings,
        function_env.DJANGO_ASGI: config.django.asgi,
        "DATABASE_URL": database_url,
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
    ).validate(f"{config.source}: [lambda]")
