"""The user's own Locust file, run as Locust would, on each path of a comparison.

An ordinary Locust file knows nothing of the two paths: its users request relative paths of
their ``host``. To compare, every user class gets one subclass per path whose ``host`` is that
path's private gateway and whose request ``context`` names the path (a request's own context
still wins, so users that choose a path themselves keep their tags). Both subclasses keep the
class's weight, so Locust spreads the users over them evenly: the same mix on both paths, at
the same moment. The file itself is not edited.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from locust import User
from locust.util.load_locustfile import is_user_class


def load_user_classes(path: Path) -> list[type[User]]:
    """The runnable user classes of the Locust file at ``path``, in the order it defines them.

    Imported as Locust imports a locustfile: its directory on ``sys.path`` (so it may import
    its neighbours), under its own module name.
    """
    path = path.resolve()
    if not path.is_file():
        raise FileNotFoundError(f"Locust file {path} does not exist")
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python file Locust can load")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return [item for item in vars(module).values() if is_user_class(item)]


def with_tasks(classes: list[type[User]]) -> dict[str, int]:
    """Class name -> number of tasks, for the classes that would run (weight and tasks > 0).

    A task of weight 0 is not in ``tasks`` (a journey a route does not touch), so a class with
    none is one Locust would refuse ("No tasks defined").
    """
    return {
        cls.__name__: len(cls.tasks)
        for cls in classes
        if cls.tasks and getattr(cls, "weight", 1) > 0
    }


def per_path(classes: list[type[User]], path_urls: Mapping[str, str]) -> dict[str, type[User]]:
    """Module globals for Locust: each class once per path (``<Class>_<path>``), or the classes
    as they are when there are no paths (a load test against one host)."""
    if not path_urls:
        return {cls.__name__: cls for cls in classes}
    users: dict[str, type[User]] = {}
    for cls in classes:
        for path, url in sorted(path_urls.items()):
            name = f"{cls.__name__}_{path}"
            users[name] = type(
                name,
                (cls,),
                {"host": url, "context": _context_naming(cls, path), "__module__": cls.__module__},
            )
    return users


def _context_naming(cls: type[User], path: str) -> Any:
    own = cls.context

    def context(self: User) -> dict[str, Any]:
        return {**own(self), "path": path}

    return context


def main(argv: list[str]) -> int:
    """``python -m loadtests.users FILE``: its classes with tasks as JSON (the harness asks in
    a process of its own before a run, since importing Locust patches the interpreter)."""
    print(json.dumps(with_tasks(load_user_classes(Path(argv[0])))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
