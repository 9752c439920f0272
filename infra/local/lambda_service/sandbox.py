"""One execution environment: an OS process running awslambdaric, one invocation at a time.

The sandbox is the Runtime API backend for its own port: the runtime's first ``/next`` marks
the end of init, each ``/next`` then hands over one event and the runtime's ``/response`` or
``/error`` wakes the invocation waiting on the event loop (``ready`` and ``run`` are
coroutines of the service's loop). A waiter thread notices the process exiting, so a crash
mid-invocation fails that invocation at once instead of waiting for the timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from strangler_core.errors import ProcessError

from .faults import error_type_of
from .limits import Limits, SandboxCgroup, cpu_share, init_cpu_share
from .logformat import log_group_name, log_stream_name
from .logs import LogStream
from .projection import InitSample
from .runtime_api import Invocation, RuntimeApiServer
from .schedstat import process_schedstat
from .spec import FunctionSpec

STOP_GRACE_S = 0.5
PID_WAIT_S = 5.0
# Placeholder credentials: a handler must never act with the host's real AWS identity.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIDLOCALSANDBOX",
    "AWS_SECRET_ACCESS_KEY": "local-sandbox-secret",
    "AWS_SESSION_TOKEN": "local-sandbox-token",
}


class InitStatus(Enum):
    READY = "ready"
    INIT_ERROR = "init_error"  # the runtime posted /init/error
    EXITED = "exited"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class InitOutcome:
    status: InitStatus
    init_ms: float
    body: bytes = b""
    error_type: str | None = None
    returncode: int | None = None
    # What the kernel said about the init, for its projected Init Duration (READY only).
    sample: InitSample | None = None


class InvokeStatus(Enum):
    OK = "ok"
    ERROR = "error"  # the handler raised; the runtime posted /error
    TIMEOUT = "timeout"
    EXITED = "exited"


@dataclass(frozen=True)
class InvokeOutcome:
    status: InvokeStatus
    duration_ms: float
    body: bytes = b""
    error_type: str | None = None
    returncode: int | None = None


def _runtime_dir() -> str:
    spec = importlib.util.find_spec("awslambdaric")
    if spec is None or spec.origin is None:
        raise ProcessError("awslambdaric is not installed in this interpreter")
    return str(Path(spec.origin).parent.parent)


def sandbox_environment(
    spec: FunctionSpec,
    *,
    region: str,
    runtime_api: str,
    sandbox_id: str,
    stream: str,
    provisioned: bool,
    host_env: Mapping[str, str],
    xray_daemon_address: str | None = None,
) -> dict[str, str]:
    """The process environment Lambda gives a Python 3.11 runtime, plus the function's own."""
    task_root = str(Path(spec.code_paths[0]).resolve())
    env = {
        "PATH": host_env.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",  # Lambda's "Defined runtime environment variables"
        "TZ": ":UTC",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group_name(spec.name),
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency" if provisioned else "on-demand",
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": _runtime_dir(),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "PYTHONPATH": os.pathsep.join(str(Path(p).resolve()) for p in spec.code_paths),
        "PGAPPNAME": f"lambda:{spec.name}:{sandbox_id}",
        **DUMMY_CREDENTIALS,
    }
    if xray_daemon_address is not None:
        # Lambda sets these with active tracing; the runtime sets _X_AMZN_TRACE_ID per event
        env["AWS_XRAY_DAEMON_ADDRESS"] = xray_daemon_address
        env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR"
    env.update(spec.environment)
    return env


class Sandbox:
    def __init__(
        self,
        spec: FunctionSpec,
        *,
        region: str,
        log_dir: Path,
        runtime: RuntimeApiServer,
        limits: Limits,
        provisioned: bool = False,
        on_exit: Callable[[Sandbox], None] = lambda _: None,
        xray_daemon_address: str | None = None,
    ) -> None:
        stream_hex = uuid.uuid4().hex
        self.id = stream_hex[:12]
        self.spec = spec
        self.region = region
        self.provisioned = provisioned
        self.xray_daemon_address = xray_daemon_address
        self.stream = log_stream_name(datetime.now(UTC), stream_hex)
        self.log = LogStream(log_dir, spec.name, self.stream)
        self.last_used = time.monotonic()
        self.invocations = 0
        self._runtime = runtime
        self._limits = limits
        self._on_exit = on_exit
        self._cgroup: SandboxCgroup | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._cond = threading.Condition()
        self._loop = runtime.loop
        self._waiter: asyncio.Future[None] | None = None  # the loop's coroutine waiting
        self._started_at = 0.0
        self._init_ms: float | None = None
        self._init_sample: InitSample | None = None
        self._init_error: tuple[bytes, str] | None = None
        self._pending: Invocation | None = None
        self._deliver: Callable[[Invocation | None], None] | None = None
        self._current_id: str | None = None
        self._result: tuple[InvokeStatus, bytes, str | None] | None = None
        self._returncode: int | None = None
        self._closed = False
        self._peak_mb = 0
        self._cleaned = False
        self._oom_killed = False
        self._status_fd: int | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def alive(self) -> bool:
        with self._cond:
            return self._process is not None and self._returncode is None

    def exited(self) -> bool:
        """The process has ended, even if its waiter has not yet said so: ``waitid`` with
        WNOWAIT sees the exit without reaping it (the waiter still does)."""
        with self._cond:
            if self._process is None or self._returncode is not None:
                return self._returncode is not None
            pid = self._process.pid
        try:
            return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:  # reaped already
            return True

    def start(self) -> None:
        self._port = self._runtime.listen(self)
        env = sandbox_environment(
            self.spec,
            region=self.region,
            runtime_api=f"{self._runtime.host}:{self._port}",
            sandbox_id=self.id,
            stream=self.stream,
            provisioned=self.provisioned,
            host_env=os.environ,
            xray_daemon_address=self.xray_daemon_address,
        )
        try:
            init_vcpus = init_cpu_share(self.spec.memory_mb, provisioned=self.provisioned)
            self._cgroup = self._limits.create(self.id, self.spec.memory_mb, init_vcpus)
            self._started_at = time.monotonic()
            process = subprocess.Popen(
                [sys.executable, "-m", "awslambdaric", self.spec.handler],
                cwd=self.spec.code_paths[0],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self.log.fileno(),
                stderr=subprocess.STDOUT,
                start_new_session=True,  # so a kill reaches processes the handler spawned
            )
            with self._cond:
                self._process = process
                self._notify()  # a runtime_pid() waiting for it
        except OSError as exc:
            self._cleanup()
            raise ProcessError(
                f"cannot start a sandbox for {self.spec.name!r} in {self.spec.code_paths[0]}: {exc}"
            ) from exc
        with contextlib.suppress(OSError):
            self._status_fd = os.open(f"/proc/{self._process.pid}/status", os.O_RDONLY)
        if self._cgroup is not None:
            # The runtime imports for ~40 ms before it allocates much; moving it now is enough.
            with contextlib.suppress(ProcessLookupError, OSError):
                self._cgroup.add(self._process.pid)
        threading.Thread(target=self._wait_exit, name=f"sandbox-{self.id}", daemon=True).start()

    async def _until(self, done: Callable[[], bool], timeout_s: float) -> None:
        """Wait on the loop until ``done()`` (checked under the lock) or ``timeout_s``."""
        loop = self._loop.loop
        deadline = loop.time() + timeout_s
        while True:
            with self._cond:
                if done():
                    return
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                waiter = self._waiter = loop.create_future()
            timer = loop.call_later(remaining, self._loop.wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()

    def _notify(self) -> None:
        """The state changed: wake whoever waits for it (caller holds the lock)."""
        self._cond.notify_all()
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            self._loop.wake(waiter)

    async def ready(self, timeout_s: float) -> InitOutcome:
        await self._until(
            lambda: (
                self._init_ms is not None
                or self._init_error is not None
                or self._returncode is not None
            ),
            timeout_s,
        )
        with self._cond:
            elapsed = (time.monotonic() - self._started_at) * 1000
            if self._init_ms is not None:
                return InitOutcome(InitStatus.READY, self._init_ms, sample=self._init_sample)
            if self._init_error is not None:
                body, error_type = self._init_error
                return InitOutcome(InitStatus.INIT_ERROR, elapsed, body, error_type)
            if self._returncode is not None:
                return InitOutcome(InitStatus.EXITED, elapsed, returncode=self._returncode)
        return InitOutcome(InitStatus.TIMEOUT, elapsed)

    async def run(self, invocation: Invocation, timeout_s: float) -> InvokeOutcome:
        with self._cond:
            started = time.monotonic()
            running = self._returncode is None
            if running:
                self._result = None
                self._current_id = invocation.request_id
                self._pending = invocation
                if self._deliver is not None:
                    self._send_pending()
        if running:
            await self._until(
                lambda: self._result is not None or self._returncode is not None, timeout_s
            )
        with self._cond:
            duration_ms = (time.monotonic() - started) * 1000
            self._current_id = None
            self._pending = None
            self.invocations += 1
            if self._result is not None:
                status, body, error_type = self._result
                return InvokeOutcome(status, duration_ms, body, error_type)
            if self._returncode is not None:
                return InvokeOutcome(InvokeStatus.EXITED, duration_ms, returncode=self._returncode)
        return InvokeOutcome(InvokeStatus.TIMEOUT, duration_ms)

    @property
    def init_sample(self) -> InitSample | None:
        """What the kernel said about this sandbox's init, once it has reached ``/next``."""
        with self._cond:
            return self._init_sample

    def max_memory_mb(self) -> int:
        """Peak RSS (VmHWM) in MB; the last value read once the process is gone."""
        with self._cond:
            fd = self._status_fd
        if fd is None:
            return self._peak_mb
        try:
            # pread on a descriptor kept open: ~12 us, against ~40 us to open and read it.
            status = os.pread(fd, 4096, 0)
        except OSError:
            return self._peak_mb
        start = status.find(b"VmHWM:")
        if start >= 0:
            kilobytes = int(status[start + 6 : status.index(b"kB", start)])
            self._peak_mb = max(self._peak_mb, round(kilobytes / 1024))
        return self._peak_mb

    def oom_killed(self) -> bool:
        with self._cond:
            return self._oom_killed

    def kill(self) -> None:
        """SIGKILL the sandbox's process group and wait for it (Lambda's timeout)."""
        self._signal(signal.SIGKILL)
        if self._process is not None:
            self._process.wait()

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop the process (SIGTERM, then SIGKILL after ``grace_s``) and release everything."""
        with self._cond:
            self._closed = True
            self._refuse_parked()
            self._notify()
        if self._process is not None:
            self._signal(signal.SIGTERM)
            try:
                self._process.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.kill()
        self._cleanup()
        self.log.close()

    # -- RuntimeBackend, called on the loop (runtime_pid: in a thread, it may wait) --

    def runtime_pid(self) -> int | None:
        with self._cond:
            # The runtime may connect before Popen has returned in start().
            self._cond.wait_for(lambda: self._process is not None or self._closed, PID_WAIT_S)
            if self._process is None or self._returncode is not None:
                return None
            return self._process.pid

    def next_invocation(self, deliver: Callable[[Invocation | None], None]) -> None:
        with self._cond:
            if self._init_ms is None:
                self._init_ms = (time.monotonic() - self._started_at) * 1000
                self._end_init(self._init_ms)
            self._deliver = deliver
            if self._closed:
                self._refuse_parked()
            elif self._pending is not None:
                self._send_pending()
            self._notify()

    def _end_init(self, init_ms: float) -> None:
        """Record what the kernel says about the init; the handler gets the memory's share."""
        memory = self.spec.memory_mb
        stat = process_schedstat(self._process.pid) if self._process is not None else None
        throttled = self._cgroup.throttled_ms() if self._cgroup is not None else None
        if stat is not None:
            self._init_sample = InitSample(
                measured_ms=init_ms,
                run_queue_wait_ms=stat.wait_ms,
                cpu_ms=stat.cpu_ms,
                vcpus=init_cpu_share(memory, provisioned=self.provisioned),
                throttled_ms=throttled,
            )
        if self._cgroup is not None:
            with contextlib.suppress(OSError):
                self._cgroup.set_vcpus(cpu_share(memory))

    def _refuse_parked(self) -> None:
        """Answer a parked ``/next`` with 410 (the sandbox stops); caller holds the lock."""
        deliver, self._deliver = self._deliver, None
        if deliver is not None:
            with contextlib.suppress(OSError):
                deliver(None)

    def _send_pending(self) -> None:
        """Write the pending event to the runtime's parked ``/next``; caller holds the lock."""
        assert self._deliver is not None and self._pending is not None
        deliver, self._deliver = self._deliver, None
        invocation, self._pending = self._pending, None
        # A failed write means the runtime's connection is gone and its process is exiting:
        # the waiter thread reports the exit and the invocation fails with Runtime.ExitError.
        with contextlib.suppress(OSError):
            deliver(invocation)

    def post_response(self, request_id: str, body: bytes) -> bool:
        return self._post(request_id, (InvokeStatus.OK, body, None))

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        return self._post(request_id, (InvokeStatus.ERROR, body, error_type_of(body, error_type)))

    def post_init_error(self, body: bytes, error_type: str | None) -> None:
        with self._cond:
            self._init_error = (body, error_type_of(body, error_type))
            self._notify()

    def _post(self, request_id: str, result: tuple[InvokeStatus, bytes, str | None]) -> bool:
        with self._cond:
            if request_id != self._current_id or self._result is not None:
                return False
            self._result = result
            self._notify()
            return True

    # -- process lifetime --

    def _signal(self, signum: int) -> None:
        if self._process is None or self._process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signum)

    def _wait_exit(self) -> None:
        assert self._process is not None
        returncode = self._process.wait()
        # Read before waking the invoker, which reports it, and before the cgroup goes away.
        oom_killed = self._cgroup is not None and self._cgroup.oom_killed()
        with self._cond:
            self._oom_killed = oom_killed
            self._returncode = returncode
            self._closed = True
            self._deliver = None  # the runtime's connection went with its process
            self._notify()
        self._cleanup()
        self._on_exit(self)

    def _cleanup(self) -> None:
        with self._cond:
            if self._cleaned:
                return
            self._cleaned = True
            status_fd, self._status_fd = self._status_fd, None
        if status_fd is not None:
            os.close(status_fd)
        if self._port is not None:
            self._runtime.unlisten(self._port)
        if self._cgroup is not None and self._process is not None:
            # rmdir succeeds only once every task of the cgroup has exited.
            self._process.wait()
            self._cgroup.remove()
