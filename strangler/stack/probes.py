"""Probes: small programs run inside the strangled project's environment, in its directory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

from strangler_core import envvars
from strangler_core.config import Config


def project_env(config: Config, database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment, set up for a Django process of the strangled project."""
    env = dict(os.environ)
    pythonpath = [str(config.django_path), env.get("PYTHONPATH", "")]
    env.update(
        {
            envvars.DJANGO_SETTINGS_MODULE: config.django.settings,
            "PYTHONPATH": os.pathsep.join(p for p in pythonpath if p),
            envvars.DATABASE_URL: database_url,
            **extra,
        }
    )
    return env


def run_in_project(
    config: Config, module: str, args: Sequence[str], env: dict[str, str], timeout_s: float
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` in the project's directory: a probe that configures its Django
    (the harness never does that in its own process)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=config.django_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout_s,
    )
