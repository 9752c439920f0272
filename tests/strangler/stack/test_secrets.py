"""What a stack keeps on disk is its owner's alone, and its PostgreSQL wants the password.

A real stack with a function: the run directory lets no other user in, the files holding a
secret (state.json: the database URL; secrets.json: the token secret; postgres-password;
lambda-service.json: the functions' DATABASE_URL; the gateway's settings) are 0600, a
connection without the password is refused, and the monolith and the function both work with
the password they were given in DATABASE_URL.
"""

from __future__ import annotations

import json
import stat
import urllib.request
from pathlib import Path

import psycopg
import pytest

from strangler.stack.invoke import http_event, invoke
from strangler.stack.local import LocalStack
from tests.strangler.stack_config import WILDRYDES_FUNCTION, demo_token, stack_config

pytestmark = pytest.mark.stack

SECRET_FILES = [
    "state.json",
    "secrets.json",
    "postgres-password",
    "lambda-service.json",
    "gateway.json",
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_run_directory_and_secret_files_are_private_and_the_database_wants_the_password(
    tmp_path: Path,
) -> None:
    config = stack_config(tmp_path, extra=WILDRYDES_FUNCTION)
    stack = LocalStack(config)
    try:
        status = stack.up()
        run_dir = config.run_dir
        # nothing for others; a root stack's PostgreSQL user traverses it through the group
        assert mode(run_dir) & 0o067 == 0, oct(mode(run_dir))
        assert {name: oct(mode(run_dir / name)) for name in SECRET_FILES} == {
            name: "0o600" for name in SECRET_FILES
        }
        port = json.loads((run_dir / "state.json").read_text())["ports"]["database"]
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/wildrydes").close()

        request = urllib.request.Request(f"{status['monolith']}/unicorns")
        request.add_header("Authorization", f"Bearer {demo_token(config)}")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert len(json.loads(response.read())) == 5
        event = http_event(
            "GET", "/unicorns", [("Authorization", f"Bearer {demo_token(config)}")], None
        )
        answer = invoke(status["lambda"], "wildrydes", event, "us-east-1")
        assert answer.function_error is None
        assert answer.payload["statusCode"] == 200
        assert len(json.loads(answer.payload["body"])) == 5
    finally:
        stack.down()
