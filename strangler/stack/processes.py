"""Background processes the stack starts: spawn detached, record by pid file, stop by pid.

A pid file records the pid AND the process's start time, so ``down`` after a crash or a reboot
never signals an unrelated process that happens to reuse the pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class ProcessRecord:
    name: str
    pid: int
    create_time: float
    argv: tuple[str, ...]
    log: str
    log_offset: int = 0
    """Size of the log when the process started: what it wrote itself comes after."""

    def is_alive(self) -> bool:
        try:
            proc = psutil.Process(self.pid)
            # psutil's create_time is rounded differently across calls; compare loosely
            same = abs(proc.create_time() - self.create_time) < 1.0
            return same and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False


class ProcessTable:
    """Pid files of one run directory: ``<run_dir>/pids/<name>.json``."""

    def __init__(self, run_dir: Path) -> None:
        self.pid_dir = run_dir / "pids"
        self.log_dir = run_dir / "logs"

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
    ) -> ProcessRecord:
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as log:
            # its own session: the process outlives the CLI and gets no Ctrl-C from its terminal
            proc = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        record = ProcessRecord(
            name=name,
            pid=proc.pid,
            create_time=psutil.Process(proc.pid).create_time(),
            argv=tuple(argv),
            log=str(log_path),
            log_offset=offset,
        )
        (self.pid_dir / f"{name}.json").write_text(json.dumps(asdict(record)))
        return record

    def get(self, name: str) -> ProcessRecord | None:
        try:
            data = json.loads((self.pid_dir / f"{name}.json").read_text())
        except FileNotFoundError:
            return None
        except json.JSONDecodeError:
            return None
        data["argv"] = tuple(data["argv"])
        return ProcessRecord(**data)

    def records(self) -> list[ProcessRecord]:
        if not self.pid_dir.exists():
            return []
        names = sorted(p.stem for p in self.pid_dir.glob("*.json"))
        return [rec for rec in map(self.get, names) if rec is not None]

    def stop(self, name: str, grace_s: float = 10.0) -> bool:
        """Stop the named process and its whole process group; True when any of it was running.

        The group is found even when its leader already died (a crashed gunicorn master leaves
        its workers behind), and only among processes started after the recorded one.
        """
        record = self.get(name)
        if record is None:
            return False
        members = group_members(record)
        terminate(members, grace_s)
        (self.pid_dir / f"{name}.json").unlink(missing_ok=True)
        return bool(members)


def group_members(record: ProcessRecord) -> list[psutil.Process]:
    members = []
    for proc in psutil.process_iter(["pid", "create_time", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            in_group = os.getpgid(proc.pid) == record.pid
        except ProcessLookupError:
            continue
        if in_group and proc.info["create_time"] >= record.create_time - 1.0:
            members.append(proc)
    return members


def terminate(members: list[psutil.Process], grace_s: float) -> None:
    """SIGTERM every member, then SIGKILL whatever is left after the grace period."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        for member in members:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.send_signal(sig)
        _, members = psutil.wait_procs(members, timeout=wait_s)
        members = [m for m in members if m.status() != psutil.STATUS_ZOMBIE]
        if not members:
            return
