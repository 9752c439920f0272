"""How long a process waited for a host CPU while runnable, from the kernel's scheduler stats.

``/proc/<pid>/task/<tid>/schedstat`` holds three numbers per thread (Linux
Documentation/scheduler/sched-stats.rst): time spent on the CPU (ns), time spent waiting on a
run queue (ns), and timeslices run. The second, summed over the threads, is the time a sandbox
was ready to run but the host had no core for it: contention of this machine, which a sandbox
on AWS (its own vCPU share) would not see.
"""

from __future__ import annotations

import os


def run_delay_ns(schedstat: str) -> int:
    """The run-queue wait (field 2) of one ``schedstat`` line."""
    fields = schedstat.split()
    if len(fields) < 2:
        raise ValueError(f"not a schedstat line: {schedstat!r}")
    return int(fields[1])


def run_queue_wait_ms(pid: int) -> float | None:
    """Run-queue wait of every thread of ``pid`` so far; None when the kernel does not say."""
    tasks = f"/proc/{pid}/task"
    total_ns = 0
    try:
        for tid in os.listdir(tasks):
            try:
                with open(f"{tasks}/{tid}/schedstat") as file:
                    total_ns += run_delay_ns(file.read())
            except FileNotFoundError:
                continue  # the thread ended between listdir and open
    except (OSError, ValueError):
        return None
    return total_ns / 1e6
