"""Background sampling during a run: Lambda service metrics, database connections per path, and
this host's CPUs (runnable tasks, busy %, load), so a report can say when the host itself was
the bottleneck.

One thread, one sample a second; rows are appended to a list the runner writes at the end
(a run of an hour is 7,200 small rows).
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import psycopg

SAMPLE_INTERVAL_S = 1.0


def lambda_sample(metrics: dict[str, Any], function: str) -> dict[str, Any]:
    """The row for one function out of the service's /strangler/metrics document (pure)."""
    fn = metrics.get("functions", {}).get(function, {})
    sandboxes = fn.get("sandboxes", {})
    throttles = fn.get("throttles", 0)
    return {
        "kind": "lambda",
        "concurrent_executions": fn.get("concurrent_executions", 0),
        "sandboxes_warm": sandboxes.get("warm", 0),
        "sandboxes_busy": sandboxes.get("busy", 0),
        "throttles": sum(throttles.values()) if isinstance(throttles, dict) else throttles,
        "cold_starts": fn.get("cold_starts", 0),
    }


@dataclass(frozen=True)
class CpuCounters:
    """The all-CPU line and ``procs_running`` of ``/proc/stat`` (proc(5))."""

    busy_jiffies: int  # user + nice + system + irq + softirq + steal
    total_jiffies: int  # the above + idle + iowait
    procs_running: int  # runnable tasks right now, this sampler's own thread included


def parse_proc_stat(text: str) -> CpuCounters:
    """proc(5), /proc/stat: "cpu" then user nice system idle iowait irq softirq steal guest
    guest_nice (guest time is already in user); "procs_running" the runnable threads."""
    busy = total = running = None
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            values = [int(v) for v in fields[1:9]]
            idle = values[3] + values[4]
            total = sum(values)
            busy = total - idle
        elif fields and fields[0] == "procs_running":
            running = int(fields[1])
    if busy is None or total is None or running is None:
        raise ValueError("/proc/stat has no cpu or procs_running line")
    return CpuCounters(busy, total, running)


def host_sample(
    previous: CpuCounters, current: CpuCounters, *, cores: int, loadavg: str
) -> dict[str, Any]:
    """One host row: CPU busy % between two reads, runnable tasks but this sampler (pure)."""
    span = current.total_jiffies - previous.total_jiffies
    busy = current.busy_jiffies - previous.busy_jiffies
    return {
        "kind": "host",
        "runnable": max(0, current.procs_running - 1),
        "cores": cores,
        "busy_pct": round(100 * busy / span, 1) if span > 0 else 0.0,
        "load1": float(loadavg.split()[0]),
    }


class HostProbe:
    """Reads /proc/stat and /proc/loadavg; ``sample`` is None where there is no /proc."""

    def __init__(self, proc: str = "/proc") -> None:
        self.proc = proc
        self.cores = os.cpu_count() or 1
        self._previous = self._counters()

    def _counters(self) -> CpuCounters | None:
        try:
            with open(f"{self.proc}/stat") as file:
                return parse_proc_stat(file.read())
        except (OSError, ValueError):
            return None

    def sample(self) -> dict[str, Any] | None:
        current = self._counters()
        previous, self._previous = self._previous, current
        if previous is None or current is None:
            return None
        try:
            with open(f"{self.proc}/loadavg") as file:
                loadavg = file.read()
        except OSError:
            return None
        return host_sample(previous, current, cores=self.cores, loadavg=loadavg)


# A sandbox's connections are named lambda:<function>:<sandbox>: only the sampled function's
# count, not those of other functions (or variants) idle in the same database.
DB_QUERY = """
SELECT count(*) FILTER (WHERE application_name = 'monolith'),
       count(*) FILTER (WHERE application_name LIKE 'lambda:%%'
                        AND split_part(application_name, ':', 2) = %(function)s),
       count(*)
FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database()
"""


class Sampler:
    def __init__(
        self,
        *,
        lambda_url: str,
        function: str,
        database_url: str,
        quiet: threading.Lock | None = None,
    ) -> None:
        """``quiet``: held while the service's gauges are read, by whoever must not be in
        them (compare's overhead probes)."""
        self.lambda_url = lambda_url
        self._quiet = quiet or threading.Lock()
        self.function = function
        self.database_url = database_url
        self.rows: list[dict[str, Any]] = []
        self.started = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self) -> Sampler:
        self.started = time.time()
        self._thread.start()
        return self

    def stop(self) -> list[dict[str, Any]]:
        self._stop.set()
        self._thread.join(timeout=10)
        return self.rows

    def latest(self, kind: str) -> dict[str, Any]:
        return next((row for row in reversed(self.rows) if row["kind"] == kind), {})

    def first(self, kind: str) -> dict[str, Any]:
        return next((row for row in self.rows if row["kind"] == kind), {})

    def _run(self) -> None:
        host = HostProbe()
        with psycopg.connect(self.database_url, autocommit=True, application_name="sampler") as db:
            while not self._stop.is_set():
                t = round(time.time() - self.started, 3)
                if (host_row := host.sample()) is not None:
                    self.rows.append({"t": t, **host_row})
                try:
                    url = f"{self.lambda_url}/strangler/metrics"
                    with self._quiet, urllib.request.urlopen(url, timeout=5) as response:
                        metrics = json.loads(response.read())
                except (OSError, ValueError):
                    pass  # a missed sample is a gap in the plot, not a failed run
                else:
                    self.rows.append({"t": t, **lambda_sample(metrics, self.function)})
                row = db.execute(DB_QUERY, {"function": self.function}).fetchone()
                if row is not None:
                    monolith, lam, total = row
                    self.rows.append(
                        {"t": t, "kind": "db", "monolith": monolith, "lambda": lam, "total": total}
                    )
                self._stop.wait(SAMPLE_INTERVAL_S)
