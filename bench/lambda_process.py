"""The local Lambda service as its own process, for the benchmarks (as a stack runs it)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def start_service(config: Path) -> tuple[subprocess.Popen[str], str, str]:
    """``python -m infra.local.lambda_service --config config``, once it is ready; the process,
    its URL and its limits mode."""
    service = subprocess.Popen(
        [sys.executable, "-m", "infra.local.lambda_service", "--config", str(config)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert service.stdout is not None
    ready = service.stdout.readline()
    if " at " not in ready:
        service.wait(timeout=10)
        raise SystemExit(f"the Lambda service did not start (exit {service.returncode})")
    # "lambda service ready at <url> (limits: <mode>)"
    url, mode = ready.strip().split(" at ", 1)[1].split(" ", 1)
    return service, url, mode.removeprefix("(limits: ").removesuffix(")")


def stop_service(service: subprocess.Popen[str]) -> None:
    """SIGTERM (the service stops its sandboxes), then SIGKILL if it has not gone in 60 s."""
    if service.poll() is None:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=60)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
