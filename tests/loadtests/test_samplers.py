"""The host sampler: /proc/stat and /proc/loadavg read as proc(5) defines them."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from loadtests.samplers import HostProbe, host_sample, parse_proc_stat

PROC_STAT = """cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0
intr 1462898 0 0
ctxt 1990473
btime 1062191376
processes 2915
procs_running 5
procs_blocked 0
"""


def test_proc_stat_fields() -> None:
    """proc(5), /proc/stat: the "cpu" line is user nice system idle iowait irq softirq steal
    guest guest_nice (guest is counted in user too); idle and iowait are the idle time."""
    counters = parse_proc_stat(PROC_STAT)
    assert counters.total_jiffies == 10132153 + 290696 + 3084719 + 46828483 + 16683 + 25195
    assert counters.busy_jiffies == 10132153 + 290696 + 3084719 + 25195
    assert counters.procs_running == 5
    with pytest.raises(ValueError):
        parse_proc_stat("intr 1\n")


def test_host_sample_is_busy_share_and_runnable_but_the_sampler() -> None:
    before = parse_proc_stat(PROC_STAT)
    after = type(before)(before.busy_jiffies + 150, before.total_jiffies + 200, 7)
    row = host_sample(before, after, cores=2, loadavg="3.10 1.20 0.90 7/400 999\n")
    assert row == {"kind": "host", "runnable": 6, "cores": 2, "busy_pct": 75.0, "load1": 3.1}


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="no /proc on this host")
def test_probe_sees_busy_processes_on_this_host() -> None:
    """Real /proc: with more CPU-bound processes than cores, they show as runnable."""
    cores = os.cpu_count() or 1
    loop = "import time\nend = time.time() + 3\nwhile time.time() < end: pass\n"
    spinners = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(cores + 2)]
    try:
        probe = HostProbe()
        time.sleep(0.5)
        row = probe.sample()
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    assert row is not None and row["kind"] == "host" and row["cores"] == cores
    assert row["runnable"] >= cores
    assert row["busy_pct"] > 0
