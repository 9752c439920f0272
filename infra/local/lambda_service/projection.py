"""Init Duration as a sandbox on AWS would show it: this host's contention out, the quota in.

A cold start here shares the host's cores with every other sandbox, the gateway, Locust and
the monolith; on AWS each sandbox has its own CPU share. The kernel says how long the sandbox's
threads waited on a run queue while runnable (`schedstat`); that wait is the host's part. It
also contains the time this host's cgroup quota throttled the sandbox, but the throttled time
cgroups report (cpu.stat) shrinks under contention: a sandbox that shares a core with nineteen
others rarely gets enough CPU to reach its quota. So the whole wait comes out and the quota
goes back in from the CPU time itself: work of ``cpu_ms`` at a share of ``vcpus`` below one
takes ``cpu_ms / vcpus`` of wall time (CFS bandwidth control hands out ``vcpus`` of each
period), whatever the host did meanwhile.

    projected = max(measured - run-queue wait, cpu_ms) + cpu_ms * (1 / vcpus - 1)   (vcpus < 1)

The time the init spent blocked (disk, network, the database) is what remains of ``measured``
and stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InitSample:
    """One cold start's measured Init Duration and what the kernel said about it."""

    measured_ms: float
    run_queue_wait_ms: float  # host contention and local quota throttling, summed over threads
    cpu_ms: float  # on a CPU, summed over threads
    vcpus: float  # the CPU share Lambda gives this INIT (limits.init_cpu_share)
    throttled_ms: float | None = None  # the local cgroup's own count, recorded beside it

    @property
    def quota_ms(self) -> float:
        """The wall time AWS's quota adds to this much CPU work (0 at a full vCPU or more)."""
        if self.vcpus >= 1:
            return 0.0
        return self.cpu_ms * (1 / self.vcpus - 1)

    @property
    def projected_ms(self) -> float:
        """Measured minus the run-queue wait, plus the quota; never less than the CPU work.

        Waits summed over threads can overlap, so the difference alone could fall below the
        CPU time the init needed; one Python interpreter does that work one thread at a time.
        """
        return max(self.measured_ms - self.run_queue_wait_ms, self.cpu_ms) + self.quota_ms
