"""Riders' bearer tokens: how they are derived from a secret, and how they are stored.

The derivation is a contract with whoever seeds the database and must act as its riders (the
harness prints the demo rider's token; load tests log in as ``rider-00042``):

    token = HMAC-SHA256(key=secret, msg=username), as lowercase hex
          = hmac.new(secret.encode(), username.encode(), hashlib.sha256).hexdigest()

Only ``hash_token(token)`` (sha256 hex) is stored, in ``Rider.token_hash``.
"""

from __future__ import annotations

import hashlib
import hmac


def derive_token(secret: str, username: str) -> str:
    return hmac.new(secret.encode(), username.encode(), hashlib.sha256).hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
