"""The gateway server: the one place that does socket I/O.

Each connection starts on a raw asyncio protocol (``fastpath``) that answers simple HTTP_PROXY
requests itself; any other request hands its connection to aiohttp's low-level server (no
router, no middlewares). The asyncio loop is uvloop when installed; a lean keep-alive pool to
the monolith and aiohttp's client for the Invoke API.
Routing, events, throttling and error bodies come from the pure modules; this file only wires
them to sockets.

The compiled route table lives in one attribute, ``_state``. A reload builds a new state and
assigns it; each request reads the attribute once at its start, so in-flight requests finish
on the table they started with and no request sees half a table.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import ipaddress
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE
from multidict import CIMultiDict

from infra.local.gateway.access_log import AccessLog, AccessRecord
from infra.local.gateway.errors import IntegrationError, error_body
from infra.local.gateway.events import ApiContext, GatewayRequest, build_event, format_request_time
from infra.local.gateway.fastpath import FrontProtocol, RawRequest, http_date, response_head
from infra.local.gateway.lambda_integration import (
    COLD_START_HEADER,
    LambdaIntegration,
    new_session,
)
from infra.local.gateway.passthrough import (
    STREAM_THRESHOLD,
    Passthrough,
    downstream_response_headers,
)
from infra.local.gateway.throttle import Clock, Throttler
from infra.local.gateway.tracing import TRACE_HEADER, GatewayTrace, GatewayTracer
from infra.local.gateway.upstream import UpstreamPool
from infra.local.net import port_is_free
from strangler.core.errors import ConfigError, PortInUseError
from strangler.core.matching import Match, RouteMatcher
from strangler.core.routes import MONOLITH_TARGET, RouteTableError, load_route_table

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024
"""HTTP API payload limit: 10 MB."""
REQUEST_ID_HEADER = "apigw-requestid"
DEFAULT_TARGET_HEADER = "x-strangler-target"


@dataclass(frozen=True)
class GatewayConfig:
    routes_path: Path
    monolith_url: str
    lambda_url: str
    host: str = "127.0.0.1"
    port: int = 8080
    """0 picks a free port (see ``Gateway.url`` once started)."""
    access_log: Path | None = None
    target_header: str = DEFAULT_TARGET_HEADER
    allow_non_loopback: bool = False
    reload_interval_s: float = 0.2
    max_body_bytes: int = MAX_BODY_BYTES
    api: ApiContext = field(default_factory=ApiContext)
    xray_daemon_address: str | None = None
    """host:port of the X-Ray daemon (collector); None: tracing off, headers untouched."""
    trace_sample_rate: float = 1.0
    """Share of requests without a sampling decision that are traced (0..1)."""


def check_bind_address(host: str, allow_non_loopback: bool) -> None:
    """Refuse to expose the emulator beyond this machine unless asked to."""
    if allow_non_loopback or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError as exc:
        raise ConfigError(f"--host {host!r} is not an IP address") from exc
    if not loopback:
        raise ConfigError(
            f"refusing to bind {host}: not a loopback address (pass --allow-non-loopback)"
        )


@dataclass(frozen=True)
class _State:
    matcher: RouteMatcher
    throttler: Throttler


def _file_id(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def new_request_id() -> str:
    """16 characters like API Gateway's ``$context.requestId`` (e.g. ``JKJaXmPLvHcESHA=``)."""
    return base64.b64encode(os.urandom(10)).decode("ascii")


class Gateway:
    """One gateway on one event loop: ``await start()``, serve, ``await stop()``."""

    def __init__(self, config: GatewayConfig, *, clock: Clock = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._server: web.Server | None = None
        self._listener: asyncio.Server | None = None
        self._front: set[FrontProtocol] = set()
        self._watcher: asyncio.Task[None] | None = None
        self._access_log: AccessLog | None = None
        self._tracer: GatewayTracer | None = None
        self._port = config.port
        self._file: tuple[int, int, int] | None = None
        table = load_route_table(config.routes_path)
        self._state = _State(RouteMatcher(table), Throttler(table.throttling, clock))

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self._port}"

    @property
    def table_version(self) -> int:
        return self._state.matcher.table.version

    async def start(self) -> None:
        cfg = self.config
        check_bind_address(cfg.host, cfg.allow_non_loopback)
        if cfg.port and not port_is_free(cfg.host, cfg.port):
            raise PortInUseError(f"gateway port {cfg.host}:{cfg.port} is already in use")
        self._file = _file_id(cfg.routes_path)
        self._session = new_session()
        self._pool = UpstreamPool()
        self._passthrough = Passthrough(self._pool)
        self._lambda = LambdaIntegration(self._session, cfg.lambda_url)
        if cfg.access_log is not None:
            self._access_log = AccessLog(cfg.access_log)
        if cfg.xray_daemon_address is not None:
            self._tracer = GatewayTracer(cfg.xray_daemon_address, cfg.trace_sample_rate, cfg.api)
        server = self._server = web.Server(self._handle, access_log=None)
        loop = asyncio.get_running_loop()
        try:
            self._listener = await loop.create_server(
                lambda: FrontProtocol(self, server),
                cfg.host,
                cfg.port,
                backlog=1024,
                reuse_address=True,
            )
        except OSError as exc:
            await self.stop()
            raise PortInUseError(f"cannot bind gateway to {cfg.host}:{cfg.port}: {exc}") from exc
        self._port = self._listener.sockets[0].getsockname()[1]
        self._watcher = asyncio.create_task(self._watch())

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
        await self._session.close()
        self._pool.close()
        if self._access_log is not None:
            self._access_log.close()
        if self._tracer is not None:
            self._tracer.close()

    def reload(self) -> bool:
        """Load the route table file again; on error log it and keep the current table."""
        self._file = _file_id(self.config.routes_path)
        try:
            table = load_route_table(self.config.routes_path)
        except RouteTableError as exc:
            logger.error(
                "route table not reloaded, still serving version %d: %s", self.table_version, exc
            )
            return False
        state = self._state
        self._state = _State(RouteMatcher(table), state.throttler.reconfigured(table.throttling))
        logger.info(
            "route table reloaded: version %d -> %d", state.matcher.table.version, table.version
        )
        return True

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.config.reload_interval_s)
            if _file_id(self.config.routes_path) != self._file:
                self.reload()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        state = self._state  # read once: this request keeps this table even if one is swapped in
        epoch_ms = time.time_ns() // 1_000_000
        ctx = _Exchange(
            request_id=new_request_id(), epoch_ms=epoch_ms, client_ip=request.remote or ""
        )
        if self._tracer is not None:
            ctx.trace = self._tracer.begin(request.headers.get(TRACE_HEADER), epoch_ms / 1000)
        match = state.matcher.match(request.method, request.path)
        response: web.StreamResponse
        if match is None:
            response = self._error(404, ctx)
        else:
            ctx.route_key = match.route.route_key
            integration = match.route.integration
            ctx.target = "monolith" if integration.type == "HTTP_PROXY" else "lambda"
            length = request.content_length
            if not state.throttler.allow(ctx.route_key):
                response = self._error(429, ctx)
            elif length is not None and length > self.config.max_body_bytes:
                response = self._error(413, ctx)
            else:
                response = await self._integrate(request, match, ctx)
        if self._tracer is not None and ctx.trace is not None:
            self._tracer.finish(
                ctx.trace,
                time.time(),
                method=request.method,
                url=f"{self.url}{request.raw_path}",
                status=response.status,
                client_ip=ctx.client_ip,
                request_id=ctx.request_id,
                route_key=ctx.route_key,
                target=ctx.target,
            )
        self._log(
            request.method,
            request.path,
            f"HTTP/{request.version.major}.{request.version.minor}",
            response.status,
            ctx,
        )
        return response

    def _accept_fast(self, request: RawRequest) -> tuple[_State, Match] | None:
        """The table and route for a request the fast path can serve, or None."""
        if self._tracer is not None or request.length > self.config.max_body_bytes:
            return None  # traced requests and 413s take aiohttp's path
        state = self._state  # read once: this request keeps this table
        match = state.matcher.match(request.method, request.path)
        if match is None or match.route.integration.type != "HTTP_PROXY":
            return None
        return state, match

    async def _serve_fast(
        self, front: FrontProtocol, request: RawRequest, body: bytes, accepted: tuple[_State, Match]
    ) -> None:
        """A simple HTTP_PROXY request, answered on the raw connection."""
        state, match = accepted
        epoch_ms = time.time_ns() // 1_000_000
        ctx = _Exchange(request_id=new_request_id(), epoch_ms=epoch_ms, client_ip=front.client_ip)
        ctx.route_key = match.route.route_key
        ctx.target = "monolith"
        integration = match.route.integration
        status = 0
        if not state.throttler.allow(ctx.route_key):
            status = self._write_error(front, 429, ctx)
        else:
            target = integration.target or MONOLITH_TARGET
            try:
                upstream, started = await self._passthrough.send(
                    request.method,
                    request.target,
                    request.headers,
                    self.config.monolith_url if target == MONOLITH_TARGET else target,
                    body,
                    client_ip=ctx.client_ip,
                    server_port=self._port,
                    timeout_s=integration.timeout_ms / 1000,
                )
            except IntegrationError as exc:
                ctx.integration_error = str(exc)
                status = self._write_error(front, exc.status, ctx)
            else:
                try:
                    status = upstream.status
                    ctx.integration_status = status
                    headers = downstream_response_headers(upstream.headers)
                    headers.update(self._gateway_headers(ctx))
                    _default_headers(headers)
                    length = upstream.content_length
                    no_body = status in (204, 304) or status < 200
                    if no_body:
                        headers.popall("Content-Length", None)
                    if no_body or (length is not None and length <= STREAM_THRESHOLD):
                        payload = await upstream.read()
                        ctx.integration_latency_ms = (time.perf_counter() - started) * 1000
                        if not no_body:
                            headers["Content-Length"] = str(len(payload))
                        front.write(response_head(status, upstream.reason, headers) + payload)
                        ctx.response_length = len(payload)
                    else:
                        ctx.integration_latency_ms = (time.perf_counter() - started) * 1000
                        chunked = length is None
                        if chunked:
                            headers["Transfer-Encoding"] = "chunked"
                        front.write(response_head(status, upstream.reason, headers))
                        sent = 0
                        async for chunk in upstream.iter_body():
                            sent += len(chunk)
                            if chunked:
                                chunk = b"%x\r\n%b\r\n" % (len(chunk), chunk)
                            if not front.write(chunk):
                                break
                            await front.drain()
                        if chunked:
                            front.write(b"0\r\n\r\n")
                        ctx.response_length = sent
                finally:
                    upstream.release()
        self._log(request.method, request.path, "HTTP/1.1", status, ctx)

    def _write_error(self, front: FrontProtocol, status: int, ctx: _Exchange) -> int:
        body = error_body(status)
        ctx.response_length = len(body)
        headers: CIMultiDict[str] = CIMultiDict(self._gateway_headers(ctx))
        headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(body))
        _default_headers(headers)
        front.write(response_head(status, None, headers) + body)
        return status

    async def _integrate(
        self, request: web.BaseRequest, match: Match, ctx: _Exchange
    ) -> web.StreamResponse:
        integration = match.route.integration
        timeout_s = integration.timeout_ms / 1000
        length = request.content_length
        stream = (
            integration.type == "HTTP_PROXY" and length is not None and (length > STREAM_THRESHOLD)
        )
        body = None
        if not stream:
            body = await _read_body(request, self.config.max_body_bytes)
            if body is None:
                return self._error(413, ctx)
        if integration.type == "HTTP_PROXY":
            target = integration.target or MONOLITH_TARGET
            try:
                result = await self._passthrough.forward(
                    request,
                    self.config.monolith_url if target == MONOLITH_TARGET else target,
                    body=body,
                    client_ip=ctx.client_ip,
                    server_port=self._port,
                    timeout_s=timeout_s,
                    extra_headers=self._gateway_headers(ctx),
                    trace_header=None if ctx.trace is None else ctx.trace.downstream,
                )
            except IntegrationError as exc:
                ctx.integration_error = str(exc)
                return self._error(exc.status, ctx)
            ctx.integration_status = result.integration_status
            ctx.integration_latency_ms = result.integration_latency_ms
            ctx.response_length = result.response_length
            return result.response

        assert integration.function is not None
        event = build_event(
            GatewayRequest(
                method=request.method,
                raw_path=request.raw_path.split("?", 1)[0],
                raw_query=request.query_string,
                headers=list(request.headers.items()),
                body=body or b"",
                source_ip=ctx.client_ip,
                request_id=ctx.request_id,
                time_epoch_ms=ctx.epoch_ms,
                route_key=match.route.route_key,
                path_parameters=match.path_parameters,
                server_port=self._port,
            ),
            self.config.api,
        )
        outcome = await self._lambda.invoke(
            integration.function,
            event,
            timeout_s=timeout_s,
            trace_id=(
                request.headers.get(TRACE_HEADER) if ctx.trace is None else ctx.trace.downstream
            ),
        )
        ctx.function = outcome.function
        ctx.lambda_request_id = outcome.lambda_request_id
        ctx.init_duration_ms = outcome.init_duration_ms
        ctx.sandbox_id = outcome.sandbox_id
        ctx.integration_status = outcome.integration_status
        ctx.integration_latency_ms = outcome.integration_latency_ms
        annotations = outcome.annotation_headers()
        if outcome.error is not None:
            ctx.integration_error = str(outcome.error)
            return self._error(outcome.error.status, ctx, annotations)
        mapped = outcome.response
        assert mapped is not None
        headers: CIMultiDict[str] = CIMultiDict(mapped.headers)
        cold = headers.get(COLD_START_HEADER)
        ctx.cold_start = None if cold is None else cold.lower() in ("1", "true")
        headers.extend(annotations)
        headers.update(self._gateway_headers(ctx))
        ctx.response_length = len(mapped.body)
        return web.Response(status=mapped.status, headers=headers, body=mapped.body)

    def _gateway_headers(self, ctx: _Exchange) -> dict[str, str]:
        headers = {REQUEST_ID_HEADER: ctx.request_id}
        if ctx.target is not None:
            headers[self.config.target_header] = ctx.target
        if ctx.trace is not None:
            headers[TRACE_HEADER] = ctx.trace.response_header
        return headers

    def _error(
        self, status: int, ctx: _Exchange, extra: list[tuple[str, str]] | None = None
    ) -> web.Response:
        body = error_body(status)
        ctx.response_length = len(body)
        headers: CIMultiDict[str] = CIMultiDict(extra or ())
        headers.update(self._gateway_headers(ctx))
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, headers=headers, body=body)

    def _log(self, method: str, path: str, protocol: str, status: int, ctx: _Exchange) -> None:
        if self._access_log is None:
            return
        self._access_log.write(
            AccessRecord(
                requestId=ctx.request_id,
                ip=ctx.client_ip,
                requestTime=format_request_time(ctx.epoch_ms),
                requestTimeEpoch=ctx.epoch_ms,
                httpMethod=method,
                routeKey=ctx.route_key,
                path=path,
                status=status,
                protocol=protocol,
                responseLength=ctx.response_length,
                integrationLatency=(
                    None
                    if ctx.integration_latency_ms is None
                    else round(ctx.integration_latency_ms, 3)
                ),
                integrationStatus=ctx.integration_status,
                integrationErrorMessage=ctx.integration_error,
                target=ctx.target,
                functionName=ctx.function,
                lambdaRequestId=ctx.lambda_request_id,
                coldStart=ctx.cold_start,
                initDurationMs=ctx.init_duration_ms,
                sandboxId=ctx.sandbox_id,
            )
        )


@dataclass
class _Exchange:
    """What the access log needs to know about one request, filled in as it proceeds."""

    request_id: str
    epoch_ms: int
    client_ip: str
    route_key: str = "-"
    target: str | None = None
    response_length: int = 0
    integration_status: int | None = None
    integration_latency_ms: float | None = None
    integration_error: str | None = None
    function: str | None = None
    lambda_request_id: str | None = None
    init_duration_ms: str | None = None
    sandbox_id: str | None = None
    cold_start: bool | None = None
    trace: GatewayTrace | None = None


def _default_headers(headers: CIMultiDict[str]) -> None:
    # what aiohttp adds to every answer, so both paths answer alike
    if "Date" not in headers:
        headers["Date"] = http_date()
    if "Server" not in headers:
        headers["Server"] = SERVER_SOFTWARE


async def _read_body(request: web.BaseRequest, limit: int) -> bytes | None:
    """The whole body, or None when it exceeds ``limit`` (chunked uploads have no length)."""
    if not request.body_exists:
        return b""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def install_fast_loop() -> None:
    """Use uvloop when it is installed: about 1.5x the requests per second of asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def serve(config: GatewayConfig, on_ready: Callable[[Gateway], None]) -> None:
    """Run until SIGTERM or SIGINT; SIGHUP reloads the route table."""
    gateway = Gateway(config)
    await gateway.start()
    # start-up objects never die: keep them out of collections, and collect young objects
    # less often, since each collection is a pause every in-flight request waits through
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    loop.add_signal_handler(signal.SIGINT, stopping.set)
    loop.add_signal_handler(signal.SIGHUP, gateway.reload)
    try:
        on_ready(gateway)
        await stopping.wait()
    finally:
        await gateway.stop()


async def _cancel_other_tasks() -> None:
    # connections the server gave up on (e.g. after a 413) still have handler tasks
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class GatewayThread:
    """A gateway on its own event loop in a background thread (tests, benchmarks, embedding).

    ``start()`` returns the URL once the gateway listens, or raises what start-up raised.
    """

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.gateway: Gateway | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="gateway", daemon=True)

    def start(self) -> str:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        try:
            return future.result(timeout=30)
        except BaseException:
            self._shutdown_loop()
            raise

    async def _start(self) -> str:
        gateway = Gateway(self.config)
        await gateway.start()
        self.gateway = gateway
        return gateway.url

    def stop(self) -> None:
        if self.gateway is not None:
            asyncio.run_coroutine_threadsafe(self.gateway.stop(), self._loop).result(timeout=30)
            self.gateway = None
        self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        if self._loop.is_running():
            asyncio.run_coroutine_threadsafe(_cancel_other_tasks(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._loop.close()

    def __enter__(self) -> GatewayThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
