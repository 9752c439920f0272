"""Per-sandbox memory and CPU limits through cgroup v1, where this machine allows it.

Lambda gives a function CPU in proportion to its memory (1 vCPU at 1,769 MB), and kills the
runtime when it exceeds its memory. An on-demand INIT runs with a full vCPU, not throttled to
that share ("burst CPU"); a provisioned-concurrency INIT gets the memory size's share
(``init_cpu_share``). Without root or writable v1 controllers (most laptops, or
``enforce_limits = "off"``), sandboxes run unconstrained and ``mode`` says why.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT = "strangler-lambda"
CFS_PERIOD_US = 100_000
MB_PER_VCPU = 1769
MIN_QUOTA_US = 1000  # the kernel refuses smaller quotas


def cpu_share(memory_mb: int) -> float:
    """The vCPUs Lambda gives a function of this memory size while it runs its handler."""
    return memory_mb / MB_PER_VCPU


def init_cpu_share(memory_mb: int, *, provisioned: bool) -> float:
    """The vCPUs of the INIT phase: on-demand inits burst to at least a full vCPU.

    AWS, "Effectively running Java on Serverless" (serverlessland.com, Utilize the
    initialization phase): "On-demand Lambda functions use a full vCPU (non-throttled) but is
    limited to 10 seconds during its initialization phase [...] For provisioned concurrency,
    there is no cpu burst and goes directly to using proportional vCPU based on the memory
    allocation." AWS Labs' Lambda Web Adapter: managed runtimes "offer up to 10 seconds for
    function initialization with burst CPU".
    """
    share = cpu_share(memory_mb)
    return share if provisioned else max(1.0, share)


def cpu_quota_us(vcpus: float, period_us: int = CFS_PERIOD_US) -> int:
    return max(MIN_QUOTA_US, round(period_us * vcpus))


def _probe(root: Path) -> str | None:
    """None when v1 memory and cpu controllers are usable, else the reason they are not."""
    if os.geteuid() != 0:
        return "not root"
    for controller, marker in (("memory", "memory.limit_in_bytes"), ("cpu", "cpu.cfs_quota_us")):
        base = root / controller
        if not (base / marker).exists():
            return f"no cgroup v1 {controller} controller at {base}"
        try:
            (base / PARENT).mkdir(exist_ok=True)
        except OSError as exc:
            return f"cannot create a cgroup under {base}: {exc.strerror}"
    return None


class SandboxCgroup:
    """The memory + cpu cgroups of one sandbox; ``remove`` once its process has exited."""

    def __init__(self, root: Path, name: str, memory_mb: int, init_vcpus: float) -> None:
        self.dirs = (root / "memory" / PARENT / name, root / "cpu" / PARENT / name)
        memory_dir, cpu_dir = self.dirs
        for directory in self.dirs:
            directory.mkdir(exist_ok=True)
        limit = str(memory_mb * 1024 * 1024)
        (memory_dir / "memory.limit_in_bytes").write_text(limit)
        # Without swap accounting a sandbox could page out instead of being OOM-killed.
        with contextlib.suppress(OSError):
            (memory_dir / "memory.memsw.limit_in_bytes").write_text(limit)
        (cpu_dir / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
        self.set_vcpus(init_vcpus)

    def set_vcpus(self, vcpus: float) -> None:
        """The CPU quota: the INIT phase's share at creation, the memory size's after it."""
        (self.dirs[1] / "cpu.cfs_quota_us").write_text(str(cpu_quota_us(vcpus)))

    def throttled_ms(self) -> float | None:
        """How long the quota held the sandbox back so far (cpu.stat), None if unreadable."""
        try:
            text = (self.dirs[1] / "cpu.stat").read_text()
        except OSError:
            return None
        fields = dict(line.split() for line in text.splitlines() if line.strip())
        if "throttled_time" in fields:  # cgroup v1: nanoseconds
            return int(fields["throttled_time"]) / 1e6
        if "throttled_usec" in fields:  # cgroup v2
            return int(fields["throttled_usec"]) / 1e3
        return None

    def add(self, pid: int) -> None:
        for directory in self.dirs:
            (directory / "cgroup.procs").write_text(str(pid))

    def oom_killed(self) -> bool:
        try:
            text = (self.dirs[0] / "memory.oom_control").read_text()
        except OSError:
            return False
        fields = dict(line.split() for line in text.splitlines() if line.strip())
        return int(fields.get("oom_kill", "0")) > 0

    def remove(self) -> None:
        for directory in self.dirs:
            # EBUSY when a process the handler spawned outlived the runtime; a leftover
            # empty-limit cgroup is harmless, and the next start reuses no names.
            with contextlib.suppress(OSError):
                directory.rmdir()


class Limits:
    def __init__(self, enforce: str, root: Path = CGROUP_ROOT) -> None:
        self.root = root
        reason = "enforce_limits = off" if enforce == "off" else _probe(root)
        self.enabled = reason is None
        self.mode = "cgroup-v1" if reason is None else f"unconstrained ({reason})"

    def create(self, name: str, memory_mb: int, init_vcpus: float) -> SandboxCgroup | None:
        return SandboxCgroup(self.root, name, memory_mb, init_vcpus) if self.enabled else None
