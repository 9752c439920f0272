"""The gateway's lifecycle: bind, wire the parts to the sockets, reload, stop.

Each connection starts on a raw asyncio protocol (``fastpath``) whose fast lane (``fastlane``)
answers simple HTTP_PROXY and AWS_PROXY requests itself; any other request hands its connection
to aiohttp's low-level server (no router, no middlewares) running ``handler.RequestHandler``.
Routes lead to integrations (``integrations``) looked up by type; the table in force is
``live_table``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiohttp import web

from infra.local.gateway.access_log import AccessLog
from infra.local.gateway.capture import Capture
from infra.local.gateway.fastlane import FastLane
from infra.local.gateway.fastpath import FrontProtocol
from infra.local.gateway.handler import RequestHandler
from infra.local.gateway.integrations import Integration
from infra.local.gateway.integrations.aws_proxy import AwsProxy
from infra.local.gateway.integrations.http_proxy import HttpProxy
from infra.local.gateway.invoke_signer import InvokeSigner
from infra.local.gateway.lambda_client import LambdaIntegration
from infra.local.gateway.live_table import LiveTable
from infra.local.gateway.passthrough import Passthrough
from infra.local.gateway.serving import Serving
from infra.local.gateway.settings import GatewaySettings, check_bind_address
from infra.local.gateway.strict import AIOHTTP_LINE_LIMIT
from infra.local.gateway.throttle import Clock
from infra.local.gateway.timeouts import ReadTimeouts
from infra.local.gateway.tracing import GatewayTracer
from infra.local.gateway.upstream import UpstreamPool
from infra.local.net import port_is_free
from strangler_core.errors import PortInUseError


class Gateway:
    """One gateway on one event loop: ``await start()``, serve, ``await stop()``."""

    def __init__(self, settings: GatewaySettings, *, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self._table = LiveTable(settings.routes_path, clock)
        self._server: web.Server | None = None
        self._listener: asyncio.Server | None = None
        self._front: set[FrontProtocol] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._access_log: AccessLog | None = None
        self._capture: Capture | None = None
        self._tracer: GatewayTracer | None = None
        self._port = settings.port

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self._port}"

    @property
    def table_version(self) -> int:
        return self._table.version

    def reload(self) -> bool:
        """Load the route table file again; on error log it and keep the current table."""
        return self._table.reload()

    async def start(self) -> None:
        cfg = self.settings
        check_bind_address(cfg.host, cfg.allow_non_loopback)
        if cfg.port and not port_is_free(cfg.host, cfg.port):
            raise PortInUseError(f"gateway port {cfg.host}:{cfg.port} is already in use")
        self._pool = UpstreamPool(cfg.upstream_idle_timeout_s)
        if cfg.access_log is not None:
            self._access_log = AccessLog(cfg.access_log)
        if cfg.capture_dir is not None:
            self._capture = Capture(
                cfg.capture_dir,
                max_bytes=max(1, cfg.capture_max_bytes // cfg.capture_files),
                max_files=cfg.capture_files,
            )
        if cfg.xray_daemon_address is not None:
            self._tracer = GatewayTracer(cfg.xray_daemon_address, cfg.trace_sample_rate, cfg.api)
        http_proxy = HttpProxy(Passthrough(self._pool), cfg.monolith_url)
        signer = None
        if cfg.lambda_credentials is not None:
            signer = InvokeSigner(cfg.lambda_credentials, cfg.lambda_region)
        aws_proxy = AwsProxy(LambdaIntegration(self._pool, cfg.lambda_url, signer), cfg.api)
        integrations: dict[str, Integration] = {i.type: i for i in (http_proxy, aws_proxy)}
        serving = Serving(
            self._table,
            max_body_bytes=cfg.max_body_bytes,
            target_header=cfg.target_header,
            access_log=self._access_log,
            capture=self._capture,
        )
        handler = RequestHandler(serving, integrations, tracer=self._tracer)
        lane = FastLane(
            serving,
            {http_proxy.type: http_proxy, aws_proxy.type: aws_proxy},
            enabled=self._tracer is None,  # traced requests take aiohttp's path
        )
        server = self._server = web.Server(
            handler,
            access_log=None,
            max_line_size=AIOHTTP_LINE_LIMIT,
            max_field_size=AIOHTTP_LINE_LIMIT,
        )
        timeouts = ReadTimeouts(cfg.header_timeout_s, cfg.body_timeout_s)
        loop = asyncio.get_running_loop()
        try:
            self._listener = await loop.create_server(
                lambda: FrontProtocol(lane, self._front, server, timeouts),
                cfg.host,
                cfg.port,
                backlog=1024,
                reuse_address=True,
            )
        except OSError as exc:
            await self.stop()
            raise PortInUseError(f"cannot bind gateway to {cfg.host}:{cfg.port}: {exc}") from exc
        self._port = handler.server_port = lane.server_port = self._listener.sockets[
            0
        ].getsockname()[1]
        handler.url = self.url
        self._watcher = asyncio.create_task(self._table.watch(cfg.reload_interval_s))

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self._listener is not None:
            self._listener.close()
            await asyncio.sleep(0)
        if self._server is not None:
            # in-flight requests finish; idle connections close
            self._server.pre_shutdown()
            tasks = [front.task for front in self._front if front.task is not None]
            if tasks:
                await asyncio.wait(tasks, timeout=5.0)
            for front in list(self._front):
                front.close()
            await self._server.shutdown(5.0)
            self._server = None
        self._pool.close()
        if self._access_log is not None:
            self._access_log.close()
        if self._capture is not None:
            self._capture.close()
        if self._tracer is not None:
            self._tracer.close()
