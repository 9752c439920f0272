"""What each component of the stack runs: its command line and environment.

The one place that turns strangler.toml into the gateway's settings and the Lambda service's
function specs; ``local`` (``strangler up``) and ``compare`` (private gateways) both start
their processes from here.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from strangler.stack.functions import tracing_environment
from strangler.stack.probes import project_env
from strangler_core import envvars
from strangler_core.atomic import write_atomic
from strangler_core.config import Config

MONOLITH = "monolith"
LAMBDA = "lambda"
GATEWAY = "gateway"
XRAY = "xray"

UNUSED_LAMBDA_URL = "http://127.0.0.1:9"
"""Without functions no route can point at Lambda; the gateway never uses this address."""


def django_env(
    config: Config, database_url: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment for a Django process of the strangled project (``extra``: its profile's)."""
    return project_env(
        config,
        database_url,
        {
            envvars.DJANGO_CONN_MAX_AGE: str(config.monolith.conn_max_age),
            "PYTHONUNBUFFERED": "1",
            **tracing_environment(config),
            **(extra or {}),
        },
    )


def django_admin_argv(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "django", *args]


def monolith_argv(config: Config, port: int) -> list[str]:
    """gunicorn serving the project's WSGI application: the "EC2 fleet"."""
    cfg = config.monolith
    return [
        sys.executable,
        "-m",
        "gunicorn",
        config.django.wsgi,
        f"--bind={cfg.host}:{port}",
        f"--workers={cfg.workers}",
        f"--threads={cfg.threads}",
        "--worker-class=gthread",
        "--graceful-timeout=10",
        "--access-logfile=-",
        "--name=strangler-monolith",
        # its default control socket is one path per user, shared by every stack of the user
        "--no-control-socket",
    ]


def lambda_service_argv(config: Config, port: int, database_url: str) -> list[str]:
    """The local Lambda service, serving every ``[[functions]]`` entry; writes its spec file."""
    from strangler.stack.functions import service_config

    service_file = config.run_dir / "lambda-service.json"
    # write_atomic's file is its owner's alone: the functions' environment holds DATABASE_URL
    write_atomic(service_file, service_config(config, port, database_url).model_dump_json(indent=2))
    return lambda_service_argv_for(service_file)


def lambda_service_argv_for(service_file: Path) -> list[str]:
    """The local Lambda service of a spec file already written."""
    return [sys.executable, "-m", "infra.local.lambda_service", "--config", str(service_file)]


def gateway_argv_for(
    config: Config,
    *,
    routes_path: Path,
    monolith_url: str,
    lambda_url: str | None,
    host: str,
    port: int,
    access_log: Path,
    settings_file: Path,
    capture_dir: Path | None,
) -> Sequence[str]:
    """The API Gateway emulator in front of both paths, with ``[gateway]`` and tracing settings.

    ``capture_dir``: where it records the requests it serves, None: nowhere. The settings go to
    the process whole, as ``settings_file`` (written here).
    """
    from infra.local.gateway import GatewaySettings, gateway_command
    from strangler.stack.functions import gateway_lambda_key, gateway_tracing

    settings = GatewaySettings(
        routes_path=routes_path,
        monolith_url=monolith_url,
        lambda_url=lambda_url or UNUSED_LAMBDA_URL,
        host=host,
        port=port,
        access_log=access_log,
        capture_dir=capture_dir,
        capture_max_bytes=config.gateway.capture_max_bytes,
        capture_files=config.gateway.capture_files,
        target_header=config.gateway.target_header,
        **gateway_tracing(config),
        **(gateway_lambda_key(config) if config.functions else {}),
    )
    return gateway_command(settings, settings_file)


def xray_argv(config: Config, out: Path) -> list[str]:
    """The local X-Ray collector (UDP), appending segments to ``out``."""
    tracing = config.tracing
    argv = [sys.executable, "-m", "infra.local.xray", "--host", tracing.host]
    return [*argv, "--port", str(tracing.port), "--out", str(out)]
