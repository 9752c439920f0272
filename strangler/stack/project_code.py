"""What code the strangled project's function needs, found from the project itself.

The project's settings, INSTALLED_APPS, ROOT_URLCONF (with every ``include()``) and ASGI module
are imported in a subprocess (``strangler.stack.import_probe``) configured as the function will
be; whatever they load from the project directory ships, whatever they load from installed
distributions is pinned. A project whose apps are sibling packages of its settings package
(``shelf_project/`` beside ``accounts/``, ``catalog/``, ...) ships whole.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from strangler.stack.probes import project_env, run_in_project
from strangler_core.config import Config
from strangler_core.errors import StranglerError

NO_DATABASE = "postgresql://unused@127.0.0.1:1/none"
"""Importing settings and URLconfs touches no database."""


class ProjectImportError(StranglerError):
    """The project's settings, URLconf or ASGI module could not be imported."""


@dataclass(frozen=True)
class ProjectCode:
    paths: tuple[Path, ...]
    """Top-level packages (directories) and single-file modules of the project directory."""
    distributions: tuple[str, ...]
    """Installed distributions the project imported (Django, djangorestframework, ...)."""


def project_code(config: Config, environment: Mapping[str, str] | None = None) -> ProjectCode:
    """What the project imports, configured as a function with ``environment`` would be."""
    asgi_module = config.django.asgi.partition(":")[0]
    result = run_in_project(
        config,
        "strangler.stack.import_probe",
        [str(config.django_path), asgi_module],
        project_env(config, NO_DATABASE, environment or {}),
        timeout_s=120,
    )
    if result.returncode != 0:
        raise ProjectImportError(
            f"could not import the Django project ({config.django.settings}, "
            f"{asgi_module}) to find the code its function needs:\n{result.stderr.strip()}"
        )
    found = json.loads(result.stdout)
    names = [*found["packages"], *found["modules"]]
    return ProjectCode(
        paths=tuple(config.django_path / name for name in names),
        distributions=tuple(found["distributions"]),
    )


def staged_code(code: ProjectCode, under: Path) -> Path:
    """A directory holding only ``code.paths`` (as links to the project's own files), for the
    local function's sandboxes: they import what the deployment zip would hold, no more.

    Named by its contents and made whole before it appears (a rename), so sandboxes already
    running from an earlier one, or another ``up``, never see it change.
    """
    digest = hashlib.sha256("\0".join(map(str, code.paths)).encode()).hexdigest()[:16]
    target = under / f"function-code-{digest}"
    if target.exists():
        return target
    under.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".function-code-", dir=under))
    for path in code.paths:
        (staging / path.name).symlink_to(path.resolve())
    try:
        staging.rename(target)
    except OSError:
        if not target.exists():
            raise
        for link in staging.iterdir():  # another process staged the same code first
            link.unlink()
        staging.rmdir()
    return target
