"""Two stacks of one user side by side: neither's gunicorn shares a control socket with the other.

gunicorn >= 25.1 opens a control socket at ``$XDG_RUNTIME_DIR/gunicorn.ctl`` or
``~/.gunicorn/gunicorn.ctl`` by default: one path for every stack of the user, so one stack's
``down`` removed the socket another stack's gunicorn was serving. The stack turns it off.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from strangler.stack.local import LocalStack
from tests.strangler.stack_config import demo_token, stack_config

pytestmark = pytest.mark.stack


def test_two_stacks_leave_no_shared_control_socket_and_one_down_spares_the_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    first = LocalStack(stack_config(tmp_path / "a"))
    second = LocalStack(config := stack_config(tmp_path / "b"))
    try:
        first.up()
        status = second.up()
        assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []
        first.down()
        request = urllib.request.Request(f"{status['monolith']}/unicorns")
        request.add_header("Authorization", f"Bearer {demo_token(config)}")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert len(json.loads(response.read())) == 5
    finally:
        first.down()
        second.down()
