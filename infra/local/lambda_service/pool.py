"""The sandboxes of every function: reuse, admission, idle reaping and provisioned concurrency.

One lock guards the books (which sandbox is idle, busy or starting); processes are started,
waited for and stopped outside it, so a slow init never blocks other invocations. Provisioned
sandboxes are started and waited for on the service's event loop, like any other.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from strangler_core.errors import ProcessError

from .errors import ServiceStoppedError, ThrottledError
from .limits import Limits
from .metrics import FunctionMetrics
from .runtime_api import RuntimeApiServer
from .sandbox import InitStatus, Sandbox
from .scheduler import Action, Load, ScaleWindow, decide
from .spec import FunctionSpec, ServiceSettings

PROVISION_RETRY_S = 5.0
# Provisioned concurrency's init is not held to the on-demand 10 s: AWS allows 130 s or the
# function's timeout, whichever is higher (Lambda guide, execution environment lifecycle).
PROVISIONED_INIT_LIMIT_S = 130.0


def provisioned_init_limit_s(timeout_s: float) -> float:
    return max(PROVISIONED_INIT_LIMIT_S, timeout_s)


@dataclass(frozen=True)
class Lease:
    sandbox: Sandbox
    cold: bool  # True: the caller must start the sandbox and wait for its init


class _Function:
    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.idle: list[Sandbox] = []  # a stack: the most recently used is reused first
        self.busy: set[Sandbox] = set()
        self.exited: set[Sandbox] = set()  # idle ones found dead, until their waiter stops them
        self.starting: set[Sandbox] = set()  # on-demand, for an invocation
        self.provisioned: set[Sandbox] = set()  # alive provisioned sandboxes in any state
        self.window = ScaleWindow()
        self.metrics = FunctionMetrics()
        self.provision_retry_at = 0.0

    @property
    def in_flight(self) -> int:
        return len(self.busy) + len(self.starting)


class SandboxPool:
    def __init__(
        self,
        settings: ServiceSettings,
        functions: Iterable[FunctionSpec],
        *,
        runtime: RuntimeApiServer,
        limits: Limits,
    ) -> None:
        self.settings = settings
        self._functions = {spec.name: _Function(spec) for spec in functions}
        self._runtime = runtime
        self._loop = runtime.loop
        self._limits = limits
        self._lock = threading.Lock()
        self._all: set[Sandbox] = set()
        self._stopped = False
        self._stop_event = threading.Event()
        self._reaper: threading.Thread | None = None
        reserved = sum(f.spec.reserved_concurrency or 0 for f in self._functions.values())
        self._unreserved_capacity = settings.account_concurrency - reserved

    def metrics_of(self, name: str) -> FunctionMetrics:
        return self._functions[name].metrics

    # -- invocation path --

    def acquire(self, name: str) -> Lease:
        """A sandbox for one invocation, or ThrottledError; never waits for capacity."""
        with self._lock:
            if self._stopped:
                raise ServiceStoppedError("the Lambda service is stopping")
            fn = self._functions[name]
            self._drop_exited_idle(fn)
            now = time.monotonic()
            decision = decide(
                Load(
                    in_flight=fn.in_flight,
                    idle=len(fn.idle),
                    reserved=fn.spec.reserved_concurrency,
                    unreserved_in_flight=self._unreserved_in_flight(),
                    unreserved_capacity=self._unreserved_capacity,
                    recent_starts=fn.window.count(now),
                    scale_limit=self.settings.scale_limit_per_10s,
                )
            )
            if decision.action is Action.THROTTLE:
                assert decision.reason is not None
                fn.metrics.count_throttle(decision.reason)
                raise ThrottledError(decision.reason)
            if decision.action is Action.REUSE:
                sandbox = self._pop_idle(fn)
                fn.busy.add(sandbox)
                cold = False
            else:
                sandbox = self._new_sandbox(fn.spec, provisioned=False)
                fn.window.record(now)
                fn.starting.add(sandbox)
                cold = True
            fn.metrics.observe_concurrency(fn.in_flight)
        return Lease(sandbox, cold)

    def mark_started(self, sandbox: Sandbox) -> None:
        with self._lock:
            fn = self._functions[sandbox.spec.name]
            fn.starting.discard(sandbox)
            fn.busy.add(sandbox)

    def replace(self, sandbox: Sandbox) -> Sandbox:
        """A new sandbox in the place (and concurrency slot) of one whose init passed the limit;
        the old process is stopped. The caller starts the new one."""
        with self._lock:
            if self._stopped:
                raise ServiceStoppedError("the Lambda service is stopping")
            fn = self._functions[sandbox.spec.name]
            fn.busy.discard(sandbox)
            fn.starting.discard(sandbox)
            self._all.discard(sandbox)
            fresh = self._new_sandbox(fn.spec, provisioned=False)
            fn.busy.add(fresh)
        sandbox.stop(grace_s=0)
        return fresh

    def release(self, sandbox: Sandbox) -> bool:
        """Return a sandbox after an invocation that left it healthy; False when it cannot
        be reused (gone, or the service stopping): the caller discards it."""
        with self._lock:
            fn = self._functions[sandbox.spec.name]
            fn.busy.discard(sandbox)
            keep = sandbox.alive and not self._stopped
            if keep:
                sandbox.last_used = time.monotonic()
                fn.idle.append(sandbox)
        return keep

    def discard(self, sandbox: Sandbox) -> None:
        """Forget a sandbox (timed out, crashed, failed init) and stop its process."""
        self._forget(sandbox)
        sandbox.stop()

    # -- background work --

    def start(self) -> None:
        """Start provisioned sandboxes (waiting for their init) and the reaper thread."""
        failures = [e for e in self._loop.run(self._provision_all()) if e is not None]
        if failures:
            raise ProcessError("provisioned concurrency failed to start: " + "; ".join(failures))
        interval = max(0.02, min(1.0, self.settings.idle_timeout_s / 4))
        self._reaper = threading.Thread(
            target=self._reap_loop, args=(interval,), name="lambda-reaper", daemon=True
        )
        self._reaper.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            sandboxes = list(self._all)
            self._all.clear()
        self._stop_event.set()
        threads = [threading.Thread(target=s.stop, daemon=True) for s in sandboxes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self._reaper is not None:
            self._reaper.join(timeout=5)

    def _reap_loop(self, interval: float) -> None:
        while not self._stop_event.wait(interval):
            self.reap_idle()
            for sandbox in self._to_provision():
                asyncio.run_coroutine_threadsafe(self._provision(sandbox), self._loop.loop)

    def reap_idle(self) -> int:
        """Stop on-demand sandboxes idle for longer than idle_timeout_s; returns how many."""
        deadline = time.monotonic() - self.settings.idle_timeout_s
        with self._lock:
            expired = [
                s
                for fn in self._functions.values()
                for s in fn.idle
                if not s.provisioned and s.last_used <= deadline
            ]
            for sandbox in expired:
                self._functions[sandbox.spec.name].idle.remove(sandbox)
                self._all.discard(sandbox)
        for sandbox in expired:
            sandbox.stop()
        return len(expired)

    def _to_provision(self) -> list[Sandbox]:
        """New provisioned sandboxes wherever a function has fewer than it is configured for."""
        now = time.monotonic()
        with self._lock:
            if self._stopped:
                return []
            todo: list[Sandbox] = []
            for fn in self._functions.values():
                if now < fn.provision_retry_at:
                    continue
                for _ in range(fn.spec.provisioned_concurrency - len(fn.provisioned)):
                    sandbox = self._new_sandbox(fn.spec, provisioned=True)
                    fn.provisioned.add(sandbox)
                    todo.append(sandbox)
        return todo

    async def _provision_all(self) -> list[str | None]:
        return list(await asyncio.gather(*(self._provision(s) for s in self._to_provision())))

    async def _provision(self, sandbox: Sandbox) -> str | None:
        """Start one provisioned sandbox; None on success, else what went wrong."""
        try:
            await self._loop.offload(sandbox.start)
        except ProcessError as exc:
            await self._loop.offload(self._provision_failed, sandbox)
            return str(exc)
        outcome = await sandbox.ready(provisioned_init_limit_s(sandbox.spec.timeout_s))
        if outcome.status is not InitStatus.READY:
            await self._loop.offload(self._provision_failed, sandbox)
            return f"{sandbox.spec.name}: init {outcome.status.value} (see {sandbox.log.path})"
        with self._lock:
            fn = self._functions[sandbox.spec.name]
            keep = not self._stopped and sandbox in fn.provisioned and sandbox.alive
            if keep:
                sandbox.last_used = time.monotonic()
                fn.idle.append(sandbox)
        if not keep:
            await self._loop.offload(self.discard, sandbox)
        return None

    def _provision_failed(self, sandbox: Sandbox) -> None:
        with self._lock:
            fn = self._functions[sandbox.spec.name]
            fn.provision_retry_at = time.monotonic() + PROVISION_RETRY_S
        self.discard(sandbox)

    # -- books --

    def _new_sandbox(self, spec: FunctionSpec, *, provisioned: bool) -> Sandbox:
        sandbox = Sandbox(
            spec,
            region=self.settings.region,
            log_dir=Path(self.settings.log_dir),
            runtime=self._runtime,
            limits=self._limits,
            provisioned=provisioned,
            on_exit=self._on_exit,
            xray_daemon_address=self.settings.xray_daemon_address,
        )
        self._all.add(sandbox)
        return sandbox

    def _on_exit(self, sandbox: Sandbox) -> None:
        """A process ended by itself: an idle one is dropped here, a busy one by its invoker."""
        with self._lock:
            fn = self._functions[sandbox.spec.name]
            was_idle = sandbox in fn.idle or sandbox in fn.exited
            if was_idle:
                if sandbox in fn.idle:
                    fn.idle.remove(sandbox)
                fn.exited.discard(sandbox)
                fn.provisioned.discard(sandbox)
                self._all.discard(sandbox)
        if was_idle:
            sandbox.stop()

    def _forget(self, sandbox: Sandbox) -> None:
        with self._lock:
            fn = self._functions[sandbox.spec.name]
            fn.busy.discard(sandbox)
            fn.starting.discard(sandbox)
            fn.provisioned.discard(sandbox)
            if sandbox in fn.idle:
                fn.idle.remove(sandbox)
            self._all.discard(sandbox)

    @staticmethod
    def _next_idle(fn: _Function) -> int:
        """Where the idle sandbox that serves next is: provisioned ones first, as on AWS;
        on-demand ones spill over; the most recently used first."""
        for index in range(len(fn.idle) - 1, -1, -1):
            if fn.idle[index].provisioned:
                return index
        return len(fn.idle) - 1

    def _pop_idle(self, fn: _Function) -> Sandbox:
        return fn.idle.pop(self._next_idle(fn))

    def _drop_exited_idle(self, fn: _Function) -> None:
        """Idle sandboxes whose process has ended (killed from outside, say) before the exit
        was reported serve no invocation: on AWS an idle environment that failed is simply
        not chosen, and the next invoke is a cold start. Only the next one is checked: one
        syscall per invoke. Its waiter thread stops it, as it does an idle one (``_on_exit``)."""
        while fn.idle and fn.idle[self._next_idle(fn)].exited():
            fn.exited.add(fn.idle.pop(self._next_idle(fn)))

    def _unreserved_in_flight(self) -> int:
        return sum(
            fn.in_flight for fn in self._functions.values() if fn.spec.reserved_concurrency is None
        )

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            functions = {
                name: {
                    "concurrent_executions": fn.in_flight,
                    "sandboxes": {
                        "warm": len(fn.idle),
                        "busy": len(fn.busy),
                        "starting": len(fn.starting),
                        "provisioned": len(fn.provisioned),
                    },
                    "reserved_concurrency": fn.spec.reserved_concurrency,
                    **fn.metrics.snapshot(),
                }
                for name, fn in self._functions.items()
            }
            in_use = sum(fn.in_flight for fn in self._functions.values())
        return {
            "account": {
                "concurrency_limit": self.settings.account_concurrency,
                "concurrency_in_use": in_use,
                "unreserved_capacity": self._unreserved_capacity,
            },
            "functions": functions,
        }
