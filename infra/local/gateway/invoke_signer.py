"""SigV4 signatures for the gateway's Invoke API requests, made by botocore's own signer.

API Gateway calls Lambda with the integration's IAM identity; here that is the stack's local
key (``GatewaySettings.lambda_credentials``), which the local Lambda service verifies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from strangler_core.lambda_model import InvokeCredentials

Header = tuple[str, str]


class InvokeSigner:
    def __init__(self, credentials: InvokeCredentials, region: str) -> None:
        self._signer = SigV4Auth(
            Credentials(credentials.access_key_id, credentials.secret_access_key),
            "lambda",
            region,
        )

    def sign(self, url: str, headers: list[Header], pieces: Iterable[bytes]) -> list[Header]:
        """``headers`` (Host among them, as sent) plus the payload's SHA-256
        (X-Amz-Content-SHA256), X-Amz-Date and Authorization. The payload comes in pieces, so a
        large event is hashed as it is encoded, never held whole."""
        digest = hashlib.sha256()
        for piece in pieces:
            digest.update(piece)
        signed = {**dict(headers), "X-Amz-Content-SHA256": digest.hexdigest()}
        # botocore signs the X-Amz-Content-SHA256 header's value as the payload hash
        request = AWSRequest(method="POST", url=url, headers=signed)
        self._signer.add_auth(request)
        return [(name, str(value)) for name, value in request.headers.items()]
