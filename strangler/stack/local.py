"""The local stack: database, migrations, seed data and the monolith, started in the background.

``up`` is idempotent (it starts only what is not running) and undoes what it started itself when
it fails or is interrupted; ``down`` works from pid files and the database's own pid file, so it
also cleans up after a crashed ``up``.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from infra.local.net import free_port, port_is_free
from infra.local.postgres import redact
from strangler.profiles import profile_for, seed_command
from strangler.progress import Progress
from strangler.stack import launch
from strangler.stack.database import database_provider, database_running
from strangler.stack.lambda_key import read_credentials
from strangler.stack.launch import GATEWAY, LAMBDA, MONOLITH, XRAY
from strangler.stack.processes import ProcessTable
from strangler.stack.readiness import (
    failure_reason,
    read_since,
    wait_answering,
    wait_http_ok,
    wait_log_line,
)
from strangler.stack.route_table import ROUTES_KEY, served_routes_path
from strangler.stack.state import (
    access_log_path,
    make_run_dir,
    read_state,
    remembered_port,
    segments_path,
    traffic_dir,
    utc_now,
    write_state,
)
from strangler_core.config import Config
from strangler_core.errors import DatabaseError, PortInUseError, ProcessError, StackNotRunningError
from strangler_core.profile import Headers


class LocalStack:
    def __init__(self, config: Config, progress: Progress = lambda _: None) -> None:
        self.config = config
        self.progress = progress
        self.processes = ProcessTable(config.run_dir)

    # -- up -------------------------------------------------------------------------------
    def up(self) -> dict[str, Any]:
        make_run_dir(self.config)
        with self._undo_on_failure() as started:
            provider = database_provider(self.config)
            was_running = database_running(provider)
            self.progress(f"database ({self.config.database.provider}): starting")
            database = provider.start()
            self._start_xray_collector(started)
            if not was_running:
                started.append(provider.stop)
            self.progress(f"database: ready at {redact(database.url)}")

            profile = profile_for(self.config)
            env = launch.django_env(
                self.config, database.url, profile.environment(self.config.run_dir)
            )
            self._django_command(["migrate", "--noinput"], env, "migrate")
            seed = seed_command(self.config)
            if seed:
                self._django_command(list(seed), env, "seed")

            monolith_url = self._start_monolith(env, started)
            lambda_url = self._start_lambda_service(database.url, started)
            gateway_url = self._start_gateway(monolith_url, lambda_url, started)
            state = {
                XRAY: read_state(self.config).get(XRAY) if self.config.tracing.enabled else None,
                "gateway": gateway_url,
                ROUTES_KEY: str(self.config.routes_path),
                "monolith": monolith_url,
                "lambda": lambda_url,
                "database": database.url,
                "ports": {
                    "database": getattr(provider, "port", None),
                    "monolith": int(monolith_url.rsplit(":", 1)[1]),
                    "lambda": int(lambda_url.rsplit(":", 1)[1]) if lambda_url else None,
                    "gateway": int(gateway_url.rsplit(":", 1)[1]),
                },
            }
            write_state(self.config, state)
        return self.status()

    def _django_command(self, args: list[str], env: dict[str, str], step: str) -> None:
        self.progress(f"{step}: django-admin {' '.join(args)}")
        log_path = self.processes.log_dir / f"{step}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as log:
            result = subprocess.run(
                launch.django_admin_argv(args),
                env=env,
                cwd=self.config.django_path,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if result.returncode != 0:
            reason = failure_reason(read_since(log_path, offset)) or "no error in its log"
            raise DatabaseError(
                f"{step} failed (django-admin exited with status {result.returncode}): "
                f"{reason} (log: {log_path})"
            )

    def _start_monolith(self, env: dict[str, str], started: list[Callable[[], object]]) -> str:
        cfg = self.config.monolith
        running = self._already_running(MONOLITH)
        if running:
            return running
        port = self._free_or_fail(MONOLITH, cfg.host, cfg.port)
        url = f"http://{cfg.host}:{port}"
        self.progress(f"monolith: starting gunicorn on {url}")
        argv = launch.monolith_argv(self.config, port)
        record = self.processes.spawn(
            MONOLITH, argv, env={**env, "PGAPPNAME": MONOLITH}, cwd=self.config.django_path
        )
        started.append(lambda: self.processes.stop(MONOLITH))
        status = wait_answering(f"{url}{cfg.health_path}", record, cfg.start_timeout_s)
        if 200 <= status < 300:
            self.progress(f"monolith: healthy (pid {record.pid})")
        else:
            self.progress(
                f"monolith: serving (pid {record.pid}); GET {cfg.health_path} answered HTTP "
                f"{status}, not 200: set [monolith] health_path to a route of yours that "
                "answers 200 when the application is healthy"
            )
        return url

    def _start_lambda_service(
        self, database_url: str, started: list[Callable[[], object]]
    ) -> str | None:
        if not self.config.functions:
            return None
        cfg = self.config.lambda_service
        running = self._already_running(LAMBDA)
        if running:
            return running
        port = self._free_or_fail(LAMBDA, cfg.host, cfg.port)
        url = f"http://{cfg.host}:{port}"
        names = ", ".join(f.name for f in self.config.functions)
        self.progress(f"lambda service: starting on {url} (functions: {names})")
        argv = launch.lambda_service_argv(self.config, port, database_url)
        record = self.processes.spawn(LAMBDA, argv, env=dict(os.environ), cwd=self.config.root)
        started.append(lambda: self.processes.stop(LAMBDA))
        wait_http_ok(f"{url}/strangler/health", record, cfg.start_timeout_s)
        self.progress(f"lambda service: ready (pid {record.pid})")
        return url

    def _start_gateway(
        self, monolith_url: str, lambda_url: str | None, started: list[Callable[[], object]]
    ) -> str:
        from strangler_core.routes import default_route_table, save_route_table

        cfg = self.config.gateway
        routes = self.config.routes_path
        port = cfg.port
        served = served_routes_path(self.config)
        if served is not None and served != routes:
            self.progress(f"gateway: serving {served}; restarting it on {routes}")
            self.processes.stop(GATEWAY)
            # at the address it had: the URLs printed before keep working
            port = port or remembered_port(self.config, GATEWAY) or 0
        url = self._already_running(GATEWAY)
        if url:
            return url
        if not routes.exists():
            self.progress(f"gateway: creating {routes} (every route to the monolith)")
            save_route_table(default_route_table(since=utc_now()), routes)
        port = self._free_or_fail(GATEWAY, cfg.host, port)
        url = f"http://{cfg.host}:{port}"
        self.progress(f"gateway: starting on {url} (route table {routes})")
        argv = launch.gateway_argv_for(
            self.config,
            routes_path=routes,
            monolith_url=monolith_url,
            lambda_url=lambda_url,
            host=cfg.host,
            port=port,
            access_log=access_log_path(self.config),
            settings_file=self.config.run_dir / "gateway.json",
            capture_dir=traffic_dir(self.config) if cfg.capture else None,
        )
        record = self.processes.spawn(GATEWAY, argv, env=dict(os.environ), cwd=self.config.root)
        started.append(lambda: self.processes.stop(GATEWAY))
        # any answer proves the gateway serves: the monolith behind it is already checked
        wait_answering(f"{url}{self.config.monolith.health_path}", record, cfg.start_timeout_s)
        self.progress(f"gateway: ready (pid {record.pid})")
        if cfg.capture:
            self.progress(
                f"gateway: capturing the requests it serves in {traffic_dir(self.config)} "
                "(`strangler traffic` shows them; [gateway] capture = false turns it off)"
            )
        return url

    def _start_xray_collector(self, started: list[Callable[[], object]]) -> None:
        tracing = self.config.tracing
        if not tracing.enabled or self._already_running(XRAY):
            return
        argv = launch.xray_argv(self.config, segments_path(self.config))
        self.progress(f"x-ray collector: starting on udp {tracing.daemon_address}")
        log = self.processes.log_dir / f"{XRAY}.log"
        offset = log.stat().st_size if log.exists() else 0
        record = self.processes.spawn(XRAY, argv, env=dict(os.environ), cwd=self.config.root)
        started.append(lambda: self.processes.stop(XRAY))
        wait_log_line(record, "xray collector ready", timeout_s=15, offset=offset)
        state = read_state(self.config)
        write_state(self.config, {**state, XRAY: f"udp://{tracing.daemon_address}"})

    def _already_running(self, name: str) -> str | None:
        record = self.processes.get(name)
        if record is None or not record.is_alive():
            return None
        url = read_state(self.config).get(name)
        if not url:
            self.processes.stop(name)
            return None
        self.progress(f"{name}: already running at {url} (pid {record.pid})")
        return str(url)

    def _free_or_fail(self, name: str, host: str, port: int) -> int:
        port = port or free_port(host)
        if not port_is_free(host, port):
            raise PortInUseError(
                f"{name} port {host}:{port} is already in use. Stop whatever holds it, or set "
                f"[{name}] port in strangler.toml."
            )
        return port

    @contextmanager
    def _undo_on_failure(self) -> Iterator[list[Callable[[], object]]]:
        started: list[Callable[[], object]] = []
        try:
            yield started
        except BaseException:
            for undo in reversed(started):
                try:
                    undo()
                except (DatabaseError, ProcessError) as exc:
                    self.progress(f"cleanup: {exc}")
            raise

    # -- down -----------------------------------------------------------------------------
    def down(self) -> list[str]:
        """Stop everything this run directory started; returns what was running."""
        stopped = [rec.name for rec in self.processes.records() if rec.is_alive()]
        for record in reversed(self.processes.records()):
            self.progress(f"{record.name}: stopping")
            self.processes.stop(record.name)
        provider = database_provider(self.config)
        if database_running(provider):
            self.progress("database: stopping")
            provider.stop()
            stopped.append("database")
        return stopped

    # -- status ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        state = read_state(self.config)
        provider = database_provider(self.config)
        components: dict[str, dict[str, Any]] = {}
        db_running = database_running(provider)
        components["database"] = {
            "state": "running" if db_running else "stopped",
            "provider": self.config.database.provider,
            "pid": getattr(provider, "running_pid", lambda: None)(),
        }
        for record in self.processes.records():
            components[record.name] = {
                "state": "running" if record.is_alive() else "dead",
                "pid": record.pid,
                "log": record.log,
            }
        components.setdefault(MONOLITH, {"state": "stopped", "pid": None})
        components.setdefault(GATEWAY, {"state": "stopped", "pid": None})
        if self.config.functions:
            components.setdefault(LAMBDA, {"state": "stopped", "pid": None})
        running = all(c["state"] == "running" for c in components.values())

        def url_of(name: str) -> str | None:
            up = components.get(name, {}).get("state") == "running"
            return str(state[name]) if up and state.get(name) else None

        return {
            "running": running,
            "gateway": url_of(GATEWAY),
            "monolith": url_of(MONOLITH),
            "lambda": url_of(LAMBDA),
            "lambda_limits": _lambda_limits(url_of(LAMBDA)),
            "lambda_credentials": _lambda_credentials(self.config),
            "database": redact(state["database"]) if state.get("database") and db_running else None,
            "profile": profile_for(self.config).name,
            "hints": list(hints(self.config, url_of(GATEWAY))) if running else [],
            "run_dir": str(self.config.run_dir),
            "route_table": str(served) if (served := served_routes_path(self.config)) else None,
            "components": components,
        }


def _lambda_credentials(config: Config) -> dict[str, str] | None:
    """The key the local Lambda service wants Invoke requests signed with (boto3's arguments:
    ``boto3.client("lambda", endpoint_url=status["lambda"], **status["lambda_credentials"])``)."""
    key = read_credentials(config) if config.functions else None
    if key is None:
        return None
    return {
        "aws_access_key_id": key.access_key_id,
        "aws_secret_access_key": key.secret_access_key,
        "region_name": config.lambda_service.region,
    }


def _lambda_limits(url: str | None) -> str | None:
    """How the running Lambda service enforces memory and CPU ("cgroup-v1" or "unconstrained")."""
    if url is None:
        return None
    try:
        with urllib.request.urlopen(f"{url}/strangler/metrics", timeout=2) as response:
            return str(json.loads(response.read()).get("limits"))
    except (OSError, ValueError):
        return None


def credentials(config: Config) -> Headers:
    """The headers that authenticate the harness's own requests to the project (its profile's)."""
    return profile_for(config).credentials(config.run_dir, seed_command(config))


def hints(config: Config, gateway_url: str | None) -> tuple[str, ...]:
    """What to try against the running stack, in the profile's words."""
    if gateway_url is None:
        return ()
    return profile_for(config).hints(gateway_url, credentials(config))


def require_running(config: Config) -> dict[str, Any]:
    status = LocalStack(config).status()
    if not status["running"]:
        raise StackNotRunningError("the local stack is not running; start it with `make up`")
    return status
