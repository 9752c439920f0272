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
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import psycopg
import pytest
from botocore.config import Config as BotoConfig

from strangler.stack.invoke import http_event, invoke
from strangler.stack.lambda_key import invoke_credentials
from strangler.stack.local import LocalStack
from strangler_core.config import Config
from tests.strangler.stack_config import WILDRYDES_FUNCTION, demo_token, stack_config

pytestmark = pytest.mark.stack

SECRET_FILES = [
    "state.json",
    "secrets.json",
    "postgres-password",
    "lambda-service.json",
    "gateway.json",
    "lambda-credentials.json",
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
        key = invoke_credentials(config)
        answer = invoke(status["lambda"], "wildrydes", event, "us-east-1", key)
        assert answer.function_error is None
        assert answer.payload["statusCode"] == 200
        assert len(json.loads(answer.payload["body"])) == 5
        _the_invoke_api_wants_the_stacks_key(config, status["lambda"])
    finally:
        stack.down()


def _the_invoke_api_wants_the_stacks_key(config: Config, lambda_url: str) -> None:
    """The stack's Lambda service, as AWS's Invoke API: unsigned requests (GetFunction would
    show DATABASE_URL) get 403 MissingAuthenticationTokenException; boto3 with the key that
    `strangler status --json` shows is served; the key is the run directory's, 0600."""
    unsigned = urllib.request.Request(f"{lambda_url}/2015-03-31/functions/wildrydes")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    assert refused.value.code == 403
    assert refused.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert b"postgresql" not in refused.value.read()
    shown = LocalStack(config).status()["lambda_credentials"]
    key = invoke_credentials(config)
    assert shown == {
        "aws_access_key_id": key.access_key_id,
        "aws_secret_access_key": key.secret_access_key,
        "region_name": "us-east-1",
    }
    client = boto3.client(
        "lambda",
        endpoint_url=lambda_url,
        config=BotoConfig(retries={"total_max_attempts": 1}),
        **shown,
    )
    configuration = client.get_function(FunctionName="wildrydes")["Configuration"]
    assert "DATABASE_URL" in configuration["Environment"]["Variables"]
