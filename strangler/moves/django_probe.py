"""Run inside the strangled project's environment: does a path exist in its URLconf?

``python -m strangler.moves.django_probe /rides`` prints ``{"resolves": true, "view": "..."}``.
It runs as a subprocess so that the harness never configures Django (a user's project, with
its own settings) inside its own process. Resolving touches no database.

Django's own conventions count: a route given without its trailing slash exists when Django
serves it with one (``/api/books`` for ``/api/books/``, what APPEND_SLASH redirects to), and a
route below an ``include()`` prefix or written with ``re_path`` is found by walking the URLconf.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any


def _literal_prefix(path: str) -> str:
    """``/rides/{id}`` -> ``/rides``: the part of a route path without variables."""
    return re.split(r"/\{", path, maxsplit=1)[0] or "/"


def _pattern_text(pattern: Any) -> str:
    """A pattern as written, without regex anchors: ``^books/(?P<pk>...)/$`` -> ``books/...``."""
    return str(pattern).removeprefix("^")


def _below(stem: str, text: str) -> bool:
    """Does pattern ``text`` start with the whole segments ``stem`` (``books``, not ``booksx``)?"""
    if not text.startswith(stem):
        return False
    rest = text[len(stem) :]
    return rest == "" or rest[0] in "/$\\.(?"


def prefixed_route(patterns: list[Any], stem: str, prefix: str = "") -> str | None:
    """The first URL pattern whose literal part starts with ``stem``, as ``prefix + pattern``.

    Descends into ``include()`` resolvers whose own pattern matches the start of ``stem``, so
    ``/api/books/{id}`` is found in a router included under ``api/``.
    """
    from django.urls import URLResolver

    for entry in patterns:
        text = _pattern_text(entry.pattern)
        if _below(stem, text):
            return prefix + text
        if isinstance(entry, URLResolver):
            matched = entry.pattern.match(stem + "/") or entry.pattern.match(stem)
            if matched:
                rest = matched[0].strip("/")
                found = prefixed_route(entry.url_patterns, rest, prefix + text) if rest else None
                if found is not None:
                    return found
    return None


def probe(path: str) -> dict[str, object]:
    import django
    from django.urls import Resolver404, get_resolver, resolve

    django.setup()
    literal = _literal_prefix(path)
    # as given, then as APPEND_SLASH would redirect it (Django's CommonMiddleware)
    for candidate in dict.fromkeys([literal, literal.rstrip("/") + "/"]):
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        return {"resolves": True, "view": match._func_path, "route": match.route, "path": candidate}
    # a route with variables (/rides/{id}), or a prefix (/lending), exists when some pattern
    # starts with its literal part
    stem = literal.strip("/")
    route = prefixed_route(get_resolver().url_patterns, stem) if stem else None
    return {"resolves": route is not None, "view": None, "route": route, "path": None}


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1])))
