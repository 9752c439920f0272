"""The harness knows no project: Wild Rydes names appear only in its profile.

Every file of the harness (``strangler/``, ``infra/``, ``loadtests/``, ``serverless/``) is read
as text, docstrings and comments included, since a name in a comment is usually a dependency
someone forgot to move.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ("strangler", "infra", "loadtests", "serverless")
PROFILE = ROOT / "strangler" / "profiles" / "wildrydes"
NAMES = re.compile(r"wild ?rydes|\bunicorns?\b|\briders?\b|\bbearer\b|demo_user", re.IGNORECASE)

ALLOWED = {
    # The registry: the one place that lists the profiles there are, so it names each of them.
    ("strangler/profiles/__init__.py", "from strangler.profiles.wildrydes.profile import"),
    ("strangler/profiles/__init__.py", "(GenericProfile(), WildRydesProfile())"),
}


def _hits() -> list[tuple[str, int, str]]:
    hits = []
    for package in HARNESS:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix not in (".py", ".json", ".toml", ".md", ".html", ".j2") or (
                PROFILE in path.parents
            ):
                continue
            relative = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if NAMES.search(line) and not any(
                    relative == file and snippet in line for file, snippet in ALLOWED
                ):
                    hits.append((relative, number, line.strip()))
    return hits


def test_no_wild_rydes_name_outside_its_profile() -> None:
    assert _hits() == []


def test_the_check_sees_names_where_they_are() -> None:
    """The pattern finds the profile's own names (so an empty result above means something)."""
    text = (PROFILE / "profile.py").read_text()
    assert NAMES.search(text)
    assert not NAMES.search("gunicorn serving the project's WSGI application")
