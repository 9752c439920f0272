"""Run inside the strangled project's environment: what does the project import?

``python -m strangler.stack.import_probe PROJECT_DIR ASGI_MODULE`` configures Django with the
project's settings (``DJANGO_SETTINGS_MODULE``), which imports every INSTALLED_APPS entry,
loads the ROOT_URLCONF with every ``include()`` below it, imports the ASGI module the function
serves, and prints what was loaded as JSON::

    {"packages": ["accounts", "catalog", ...],   # top-level packages from PROJECT_DIR
     "modules": ["helpers.py"],                  # top-level single-file modules from PROJECT_DIR
     "distributions": ["Django", "djangorestframework", ...]}  # installed ones it imported

A subprocess, so that the harness never configures a user's Django in its own process. Only
the standard library is imported here before Django, so nothing of the harness is counted.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any


def _top_level(name: str) -> str:
    return name.partition(".")[0]


def loaded_code(project: Path, asgi_module: str) -> dict[str, list[str]]:
    before = set(sys.modules)
    import django
    from django.urls import get_resolver

    django.setup()
    _touch_all(get_resolver().url_patterns)
    importlib.import_module(asgi_module)

    project = project.resolve()
    installed = Path(sys.prefix).resolve()  # a virtualenv inside the project is no project code
    own = _top_level(__spec__.name) if __spec__ is not None else ""
    packages: set[str] = set()
    modules: set[str] = set()
    imported: set[str] = set()
    for name in set(sys.modules) - before:
        top = _top_level(name)
        if top == own or top in sys.stdlib_module_names:
            continue
        module = sys.modules.get(top)
        location = getattr(module, "__file__", None)
        if location is None:
            continue  # namespace packages and built-ins: nothing to ship
        path = Path(location).resolve()
        if not path.is_relative_to(project) or path.is_relative_to(installed):
            imported.add(top)
        elif hasattr(module, "__path__"):
            packages.add(top)
        else:
            modules.add(path.name)
    by_module = importlib.metadata.packages_distributions()
    distributions = {dist for top in imported for dist in by_module.get(top, ())}
    return {
        "packages": sorted(packages),
        "modules": sorted(modules),
        "distributions": sorted(distributions),
    }


def _touch_all(patterns: list[Any]) -> None:
    """Load every ``include()``: a resolver imports its URLconf module when asked for patterns."""
    for entry in patterns:
        nested = getattr(entry, "url_patterns", None)
        if nested is not None:
            _touch_all(nested)


if __name__ == "__main__":
    print(json.dumps(loaded_code(Path(sys.argv[1]), sys.argv[2])))
