"""Run inside the strangled project's environment: does a path exist in its URLconf?

``python -m strangler.moves.django_probe /rides`` prints ``{"resolves": true, "view": "..."}``.
It runs as a subprocess so that the harness never configures Django (a user's project, with
its own settings) inside its own process. Resolving touches no database.
"""

from __future__ import annotations

import json
import re
import sys


def _literal_prefix(path: str) -> str:
    """``/rides/{id}`` -> ``/rides``: the part of a route path without variables."""
    return re.split(r"/\{", path, maxsplit=1)[0] or "/"


def probe(path: str) -> dict[str, object]:
    import django
    from django.urls import Resolver404, get_resolver, resolve

    django.setup()
    literal = _literal_prefix(path)
    try:
        match = resolve(literal)
        return {"resolves": True, "view": match._func_path, "route": match.route}
    except Resolver404:
        pass
    # a route with variables (/rides/{id}) exists when some pattern starts with its literal part
    stem = literal.strip("/")
    patterns = [str(p.pattern) for p in get_resolver().url_patterns]
    prefixed = [p for p in patterns if stem and p.lstrip("^/").startswith(stem)]
    return {"resolves": bool(prefixed), "view": None, "route": prefixed[0] if prefixed else None}


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1])))
