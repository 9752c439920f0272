"""The local Lambda service: functions, their sandboxes, logs, and the Invoke API server.

``LambdaService(settings, functions).start()`` returns once the Invoke API listens and every
provisioned sandbox is initialised; ``stop()`` stops every sandbox it started. Invocations
run on the service's event loop (``invoke_async``), the Invoke and Runtime APIs with them;
``invoke`` is the same path for a caller in another thread (the Event queue's workers).
"""

from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import CancelledError
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from infra.local.xray.emitter import UdpSegmentEmitter
from strangler_core.lambda_model import function_arn

from . import faults
from .async_invoker import AsyncInvocations
from .async_policy import RetryPolicy
from .destinations import FailureSink, LocalDeadLetters
from .errors import FunctionNotFoundError, RequestTooLargeError, ServiceStoppedError
from .event_queue import EventQueue
from .invoke_api import InvokeApiServer
from .limits import Limits
from .logformat import (
    Report,
    aws_timestamp,
    end_line,
    init_report_line,
    report_line,
    report_record,
    start_line,
    timeout_message,
)
from .logs import ReportSink
from .loop import ServiceLoop
from .pool import SandboxPool
from .projection import InitSample
from .result import InvokeResult
from .runtime_api import Invocation, RuntimeApiServer
from .sandbox import InitOutcome, InitStatus, InvokeOutcome, InvokeStatus, Sandbox
from .spec import FunctionSpec, ServiceSettings, validate_functions
from .xray import InvocationTimes, InvocationTrace, begin_invocation_trace, invocation_segments

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024  # 6 MB: RequestResponse invocation payload quota
QUEUE = "queue"  # under async_dir: the Event queue's spool
DEAD_LETTERS = "dead-letters"  # under async_dir: the local on-failure destination


def new_trace_id(now: float) -> str:
    # unique, not secret: random's generator, where secrets' reads the kernel's twice per invoke
    root, parent = random.getrandbits(96), random.getrandbits(64)
    return f"Root=1-{int(now):08x}-{root:024x};Parent={parent:016x};Sampled=0"


@dataclass
class _TraceClock:
    """One traced invocation's trace context and the phases timed so far (epoch seconds)."""

    trace: InvocationTrace
    received: float
    init_start: float | None = None
    init_ms: float | None = None


class LambdaService:
    def __init__(self, settings: ServiceSettings, functions: Iterable[FunctionSpec]) -> None:
        self.settings = settings
        self.functions = {f.name: f for f in validate_functions(settings, functions).functions}
        self.limits = Limits(settings.enforce_limits)
        self._loop = ServiceLoop()
        self._runtime = RuntimeApiServer(settings.host, self._loop)
        self._pool = SandboxPool(
            settings, self.functions.values(), runtime=self._runtime, limits=self.limits
        )
        self._reports: ReportSink | None = None
        self._events: AsyncInvocations | None = None
        self._scratch: str | None = None  # the async directory of a service without one
        self._stopping = threading.Event()
        self._api: InvokeApiServer | None = None
        self._xray: UdpSegmentEmitter | None = None
        if self.settings.xray_daemon_address is not None:
            self._xray = UdpSegmentEmitter(self.settings.xray_daemon_address)

    @property
    def url(self) -> str:
        if self._api is None:
            raise RuntimeError("the Lambda service is not started")
        return self._api.url

    def start(self) -> LambdaService:
        self._reports = ReportSink(Path(self.settings.log_dir))
        self._loop.start()
        try:
            self._pool.start()
            self._events = self._async_invocations()
            self._events.start()
            self._api = InvokeApiServer(self, self._loop, self.settings.host, self.settings.port)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._api is not None:
            self._api.stop()
        if self._events is not None:
            self._events.stop()
        self._pool.stop()
        self._runtime.stop()
        self._loop.stop()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
        if self._reports is not None:
            self._reports.close()
        if self._xray is not None:
            self._xray.close()

    def _async_invocations(self) -> AsyncInvocations:
        """The Event queue and its workers, in ``async_dir`` (picking up what a previous run
        left unfinished) or, for a service embedded in a test, a directory of its own."""
        if self.settings.async_dir is None:
            self._scratch = tempfile.mkdtemp(prefix="lambda-async-")
        root = Path(self._scratch or str(self.settings.async_dir))
        scale = self.settings.async_time_scale
        sink = FailureSink(
            LocalDeadLetters(root / DEAD_LETTERS),
            {name: spec.on_failure for name, spec in self.functions.items()},
            self.settings.sqs_endpoint_url,
        )
        return AsyncInvocations(
            EventQueue(root / QUEUE),
            lambda name, payload, request_id: self.invoke(name, payload, request_id=request_id),
            policies={
                name: RetryPolicy(spec.max_retry_attempts, spec.max_event_age_s, scale)
                for name, spec in self.functions.items()
            },
            arns={name: spec.arn(self.settings.region) for name, spec in self.functions.items()},
            sink=sink,
        )

    def __enter__(self) -> LambdaService:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- Invoke --

    def resolve(self, name: str) -> FunctionSpec:
        spec = self.functions.get(name)
        if spec is None:
            arn = function_arn(name, self.settings.region)
            raise FunctionNotFoundError(f"Function not found: {arn}")
        return spec

    def check_payload(self, payload: bytes) -> None:
        if len(payload) > MAX_SYNC_PAYLOAD:
            raise RequestTooLargeError(
                f"Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the Invoke operation"
            )

    def invoke(self, name: str, payload: bytes, *, request_id: str | None = None) -> InvokeResult:
        """``invoke_async`` from a thread other than the loop's (the Event queue's workers);
        waits for its result."""
        try:
            return self._loop.run(self.invoke_async(name, payload, request_id=request_id))
        except CancelledError:  # the loop stopped under it
            raise ServiceStoppedError("the Lambda service is stopping") from None

    async def invoke_async(
        self,
        name: str,
        payload: bytes,
        *,
        log_tail: bool = False,
        trace_id: str | None = None,
        client_context: str | None = None,
        request_id: str | None = None,
    ) -> InvokeResult:
        """A RequestResponse invocation; raises ThrottledError, FunctionNotFoundError, ..."""
        spec = self.resolve(name)
        self.check_payload(payload)
        lease = self._pool.acquire(spec.name)
        sandbox = lease.sandbox
        now = time.time()
        clock = None
        if self._xray is not None:
            trace = begin_invocation_trace(
                trace_id, now=now, sample_rate=self.settings.trace_sample_rate
            )
            clock = _TraceClock(trace, now) if trace.sampled else None
            trace_id = trace.runtime_header
        request_id = request_id or str(uuid.uuid4())
        trace_id = trace_id or new_trace_id(now)
        init_ms = suppressed_init_ms = init_sample = None
        if lease.cold:
            if clock is not None:
                clock.init_start = time.time()
            try:
                await self._loop.offload(sandbox.start)
            except BaseException:
                await self._loop.offload(self._pool.discard, sandbox)
                raise
            init = await sandbox.ready(self.settings.init_timeout_s)
            self._pool.mark_started(sandbox)
            if clock is not None:
                clock.init_ms = init.init_ms
            if init.status is InitStatus.TIMEOUT:
                # Lambda suppresses an init past its limit and runs it again at the first
                # invoke, inside the function's timeout (the invoke phase starts here).
                suppressed_init_ms = init.init_ms
                sandbox = await self._rerun_init(sandbox, init)
            elif init.status is not InitStatus.READY:
                result = await self._init_failed(sandbox, request_id, init, log_tail)
                self._trace(clock, sandbox, result, None, None)
                return result
            else:
                init_ms, init_sample = init.init_ms, init.sample
                sandbox.max_memory_mb()  # a baseline, in case the process dies mid-invoke
        invoke_start = time.time()
        # The timeout covers the invoke phase only: the deadline runs from its start.
        invocation = Invocation(
            request_id=request_id,
            payload=payload,
            deadline_ms=int((invoke_start + spec.timeout_s) * 1000),
            function_arn=spec.arn(self.settings.region),
            trace_id=trace_id,
            client_context=client_context,
        )
        result = await self._run(
            sandbox,
            invocation,
            init_ms,
            cold=lease.cold,
            log_tail=log_tail,
            suppressed_init_ms=suppressed_init_ms,
            init_sample=init_sample,
        )
        self._trace(clock, sandbox, result, invoke_start, result.duration_ms)
        return result

    async def _rerun_init(self, sandbox: Sandbox, init: InitOutcome) -> Sandbox:
        """A fresh sandbox in the place of one whose init passed the limit, started again."""
        fresh = await self._loop.offload(self._pool.replace, sandbox)
        fresh.log.write_lines([init_report_line(init.init_ms, "timeout")])
        try:
            await self._loop.offload(fresh.start)
        except BaseException:
            await self._loop.offload(self._pool.discard, fresh)
            raise
        return fresh

    def _trace(
        self,
        clock: _TraceClock | None,
        sandbox: Sandbox,
        result: InvokeResult,
        invoke_start: float | None,
        invoke_ms: float | None,
    ) -> None:
        """Send Lambda's own segments of a sampled invocation to the X-Ray daemon."""
        if clock is None or self._xray is None:
            return
        init_end = None
        if clock.init_start is not None and clock.init_ms is not None:
            init_end = clock.init_start + clock.init_ms / 1000
        times = InvocationTimes(
            received=clock.received,
            init_start=clock.init_start,
            init_end=init_end,
            invoke_start=invoke_start,
            invoke_end=None if invoke_start is None else invoke_start + (invoke_ms or 0) / 1000,
            done=time.time(),
        )
        for segment in invocation_segments(
            clock.trace,
            times,
            function=sandbox.spec.name,
            arn=sandbox.spec.arn(self.settings.region),
            request_id=result.request_id,
            region=self.settings.region,
            failed=result.function_error is not None,
        ):
            self._xray.send(segment)

    def invoke_event(self, name: str, payload: bytes) -> str:
        """An Event invocation: checked now, run in the background; returns its request id."""
        spec = self.resolve(name)
        self.check_payload(payload)
        if self._events is None:
            raise RuntimeError("the Lambda service is not started")
        return self._events.submit(spec.name, payload)

    def metrics(self) -> dict[str, object]:
        return {
            "limits": self.limits.mode,
            "runtime_api_guard": self._runtime.guard,
            **self._pool.snapshot(),
            "async": {} if self._events is None else self._events.metrics(),
        }

    async def _run(
        self,
        sandbox: Sandbox,
        invocation: Invocation,
        init_ms: float | None,
        *,
        cold: bool,
        log_tail: bool,
        suppressed_init_ms: float | None = None,
        init_sample: InitSample | None = None,
    ) -> InvokeResult:
        spec = sandbox.spec
        request_id = invocation.request_id
        log_offset = 0 if cold or not log_tail else sandbox.log.size()
        sandbox.log.write_lines([start_line(request_id)])
        lines: list[str] = []
        if suppressed_init_ms is None:
            outcome, keep = await sandbox.run(invocation, spec.timeout_s), True
        else:
            outcome, keep = await self._invoke_after_reinit(sandbox, invocation, lines)
        if outcome.error_type == faults.RESPONSE_TOO_LARGE:
            keep = False  # the runtime exits once Lambda refused its response
        max_memory = sandbox.max_memory_mb()
        status = error_type = None
        body = outcome.body
        if outcome.status is InvokeStatus.TIMEOUT:
            # AWS reports a timed-out invoke at the timeout itself: 3000.00 ms, billed 3000.
            outcome = replace(outcome, duration_ms=spec.timeout_s * 1000)
            await self._loop.offload(sandbox.kill)
            when = datetime.now(UTC)
            lines.append(timeout_message(when, request_id, spec.timeout_s))
            body = faults.timeout_body(when, request_id, spec.timeout_s)
            status = "timeout"
        elif outcome.status is InvokeStatus.EXITED:
            assert outcome.returncode is not None
            body = faults.exit_body(request_id, outcome.returncode)
            status = "error"
            error_type = faults.OUT_OF_MEMORY if sandbox.oom_killed() else faults.EXIT_ERROR
        report = Report(
            request_id=request_id,
            duration_ms=outcome.duration_ms,
            memory_mb=spec.memory_mb,
            max_memory_mb=max_memory,
            init_ms=init_ms,
            status=status,
            error_type=error_type,
            handler_error=outcome.error_type if outcome.status is InvokeStatus.ERROR else None,
            suppressed_init_ms=suppressed_init_ms,
            # a suppressed init's re-run, inside this invocation: its projection too
            init_sample=init_sample if suppressed_init_ms is None else sandbox.init_sample,
        )
        tail = self._finish_log(sandbox, report, lines, log_offset, log_tail)
        failed = outcome.status is not InvokeStatus.OK
        self._pool.metrics_of(spec.name).count_invocation(
            cold=cold, error=failed, timeout=outcome.status is InvokeStatus.TIMEOUT
        )
        kept = keep and outcome.status in (InvokeStatus.OK, InvokeStatus.ERROR)
        if not (kept and self._pool.release(sandbox)):
            await self._loop.offload(self._pool.discard, sandbox)
        return InvokeResult(
            request_id=request_id,
            payload=body,
            function_error="Unhandled" if failed else None,
            sandbox_id=sandbox.id,
            init_ms=init_ms,
            duration_ms=outcome.duration_ms,
            log_tail=tail,
        )

    @staticmethod
    async def _invoke_after_reinit(
        sandbox: Sandbox, invocation: Invocation, lines: list[str]
    ) -> tuple[InvokeOutcome, bool]:
        """The re-run init, then the handler, both within the function's timeout; the outcome
        (Duration covers both, as AWS reports a suppressed init) and whether the sandbox stays."""
        timeout_s = sandbox.spec.timeout_s
        init = await sandbox.ready(timeout_s)
        if init.status is InitStatus.READY:
            outcome = await sandbox.run(invocation, max(0.0, timeout_s - init.init_ms / 1000))
            return replace(outcome, duration_ms=init.init_ms + outcome.duration_ms), True
        if init.status is InitStatus.TIMEOUT:
            lines.append(init_report_line(init.init_ms, "timeout", phase="invoke"))
            return InvokeOutcome(InvokeStatus.TIMEOUT, init.init_ms), False
        if init.status is InitStatus.INIT_ERROR:
            lines.append(init_report_line(init.init_ms, "error", init.error_type, phase="invoke"))
            failed = InvokeOutcome(InvokeStatus.ERROR, init.init_ms, init.body, init.error_type)
            return failed, False
        return InvokeOutcome(InvokeStatus.EXITED, init.init_ms, returncode=init.returncode), False

    async def _init_failed(
        self, sandbox: Sandbox, request_id: str, init: InitOutcome, log_tail: bool
    ) -> InvokeResult:
        """Lambda's answer when the runtime failed its init: a function error, no retry here."""
        if init.status is InitStatus.INIT_ERROR:
            body, error_type, status = init.body, init.error_type, "error"
        elif init.status is InitStatus.EXITED:
            assert init.returncode is not None
            body, error_type, status = (
                faults.exit_body(request_id, init.returncode),
                faults.EXIT_ERROR,
                "error",
            )
        else:
            await self._loop.offload(sandbox.kill)
            body = faults.init_timeout_body(request_id, self.settings.init_timeout_s)
            error_type, status = faults.SANDBOX_TIMEOUT, "timeout"
        sandbox.log.write_lines(
            [init_report_line(init.init_ms, status, error_type), start_line(request_id)]
        )
        report = Report(
            request_id=request_id,
            duration_ms=0.0,
            memory_mb=sandbox.spec.memory_mb,
            max_memory_mb=sandbox.max_memory_mb(),
            init_ms=init.init_ms,
            status=status,
            error_type=error_type,
        )
        tail = self._finish_log(sandbox, report, [], 0, log_tail)
        self._pool.metrics_of(sandbox.spec.name).count_invocation(
            cold=True, error=True, timeout=False
        )
        await self._loop.offload(self._pool.discard, sandbox)
        return InvokeResult(
            request_id=request_id,
            payload=body,
            function_error="Unhandled",
            sandbox_id=sandbox.id,
            init_ms=init.init_ms,
            duration_ms=0.0,
            log_tail=tail,
        )

    def _finish_log(
        self, sandbox: Sandbox, report: Report, lines: list[str], offset: int, log_tail: bool
    ) -> bytes:
        sandbox.log.write_lines([*lines, end_line(report.request_id), report_line(report)])
        if self._reports is not None:
            self._reports.append(
                report_record(
                    report,
                    function=sandbox.spec.name,
                    sandbox_id=sandbox.id,
                    timestamp=aws_timestamp(datetime.now(UTC)),
                )
            )
        return sandbox.log.tail_since(offset) if log_tail else b""
