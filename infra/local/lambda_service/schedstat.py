"""How long a process ran and waited for a host CPU, from the kernel's scheduler stats.

``/proc/<pid>/task/<tid>/schedstat`` holds three numbers per thread (Linux
Documentation/scheduler/sched-stats.rst): time spent on the CPU (ns), time spent waiting on a
run queue (ns), and timeslices run. The second, summed over the threads, is the time a sandbox
was ready to run but could not: the host had no core for it, or (measured here) its cgroup's
CPU quota held it back, since a throttled task stays queued.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class SchedStat:
    cpu_ms: float  # on a CPU
    wait_ms: float  # runnable, waiting on a run queue (host contention and quota throttling)


def parse_schedstat(schedstat: str) -> SchedStat:
    """Fields 1 and 2 of one ``schedstat`` line, in milliseconds."""
    fields = schedstat.split()
    if len(fields) < 2:
        raise ValueError(f"not a schedstat line: {schedstat!r}")
    return SchedStat(int(fields[0]) / 1e6, int(fields[1]) / 1e6)


def process_schedstat(pid: int) -> SchedStat | None:
    """The sums over every thread of ``pid`` so far; None when the kernel does not say."""
    tasks = f"/proc/{pid}/task"
    cpu_ms = wait_ms = 0.0
    try:
        for tid in os.listdir(tasks):
            try:
                with open(f"{tasks}/{tid}/schedstat") as file:
                    stat = parse_schedstat(file.read())
            except FileNotFoundError:
                continue  # the thread ended between listdir and open
            cpu_ms += stat.cpu_ms
            wait_ms += stat.wait_ms
    except (OSError, ValueError):
        return None
    return SchedStat(cpu_ms, wait_ms)
