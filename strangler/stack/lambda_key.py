"""The stack's local Lambda key: the one access key its Lambda service accepts SigV4 signatures
of, used by the gateway and the CLI (boto3). One per run directory, generated on first use and
kept 0600 in ``lambda-credentials.json``; it is no AWS account's key and leaves the machine in
nothing the stack writes."""

from __future__ import annotations

import secrets
import string
from pathlib import Path

from strangler_core.atomic import write_atomic
from strangler_core.config import Config
from strangler_core.lambda_model import InvokeCredentials
from strangler_core.model import load_json_file

KEY_ALPHABET = string.ascii_uppercase + string.digits


def credentials_path(config: Config) -> Path:
    return config.run_dir / "lambda-credentials.json"


def read_credentials(config: Config) -> InvokeCredentials | None:
    """This run directory's key; None before the stack first made one."""
    path = credentials_path(config)
    return load_json_file(InvokeCredentials, path) if path.exists() else None


def invoke_credentials(config: Config) -> InvokeCredentials:
    """This run directory's key, created (and the run directory with it) the first time."""
    existing = read_credentials(config)
    if existing is not None:
        return existing
    path = credentials_path(config)
    key = InvokeCredentials(
        access_key_id="AKIA" + "".join(secrets.choice(KEY_ALPHABET) for _ in range(16)),
        secret_access_key=secrets.token_urlsafe(30),
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, key.model_dump_json(indent=2))  # its file is its owner's alone (0600)
    return key
