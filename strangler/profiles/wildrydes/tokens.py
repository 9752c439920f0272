"""The seed contract shared with the Wild Rydes monolith: where riders' tokens come from.

``seed_wildrydes`` stores only a hash of each rider's token; the token itself is
HMAC-SHA256(secret, username) in hex. The harness keeps the secret in its run directory, so it
can print the demo rider's token and load tests can act as any seeded rider, on every ``up``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path


def rider_token(secret: str, username: str) -> str:
    return hmac.new(secret.encode(), username.encode(), hashlib.sha256).hexdigest()


def load_or_create_token_secret(run_dir: Path) -> str:
    path = run_dir / "secrets.json"
    try:
        return str(json.loads(path.read_text())["token_secret"])
    except FileNotFoundError:
        pass
    run_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"token_secret": secret}, handle)
    return secret
