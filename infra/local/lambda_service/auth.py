"""SigV4 verification of Invoke API requests, with botocore's own signer.

The request is rebuilt from what the client signed (its SignedHeaders, the path and query as
sent, the body) and signed again with the one key this service knows; the signatures must be
equal. The canonical request, string to sign and key derivation are botocore's
(``SigV4Auth``), the same code boto3 signs with, so nothing of SigV4 is re-implemented here.
Errors are AWS's: MissingAuthenticationTokenException, UnrecognizedClientException,
IncompleteSignatureException, InvalidSignatureException (all 403).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from strangler_core.lambda_model import InvokeCredentials

from .errors import AuthenticationError

SERVICE = "lambda"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=5)  # AWS refuses a signature more than 5 minutes off its clock

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


def _incomplete(message: str) -> AuthenticationError:
    return AuthenticationError("IncompleteSignatureException", message)


def _invalid(message: str) -> AuthenticationError:
    return AuthenticationError("InvalidSignatureException", message)


def parse_authorization(value: str) -> dict[str, str]:
    """``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`` as a dict."""
    algorithm, _, rest = value.partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}'")
    fields = {}
    for part in rest.split(","):
        name, sep, field = part.strip().partition("=")
        if sep:
            fields[name] = field
    missing = [f for f in ("Credential", "SignedHeaders", "Signature") if not fields.get(f)]
    if missing:
        raise _incomplete(
            f"Authorization header requires {', '.join(missing)} parameter(s). "
            f"Authorization={value}"
        )
    return fields


class SigV4Verifier:
    def __init__(self, credentials: InvokeCredentials, region: str) -> None:
        self._key = credentials.access_key_id
        self._region = region
        self._signer = SigV4Auth(
            Credentials(credentials.access_key_id, credentials.secret_access_key),
            SERVICE,
            region,
        )

    def verify(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        now: datetime | None = None,
    ) -> None:
        """``headers`` by lower-case name; ``target`` the request target as sent."""
        authorization = headers.get("authorization")
        if not authorization:
            raise AuthenticationError(
                "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        fields = parse_authorization(authorization)
        key, _, scope = fields["Credential"].partition("/")
        if key != self._key:
            raise AuthenticationError(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        timestamp = headers.get("x-amz-date") or ""
        try:
            signed_at = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
        except ValueError:
            raise _incomplete(
                "Authorization header requires existence of either a "
                "'X-Amz-Date' or a 'Date' header."
            ) from None
        expected_scope = f"{timestamp[:8]}/{self._region}/{SERVICE}/aws4_request"
        if scope != expected_scope:
            raise _invalid(f"Credential should be scoped to {expected_scope}, not {scope}.")
        now = now or datetime.now(UTC)
        if abs(now - signed_at) > MAX_SKEW:
            raise _invalid(
                f"Signature expired: {timestamp} is now earlier than "
                f"{(now - MAX_SKEW).strftime(SIGV4_TIMESTAMP)}"
            )
        if not hmac.compare_digest(
            self._signature(method, target, headers, body, fields, timestamp), fields["Signature"]
        ):
            raise _invalid(MISMATCH)

    def _signature(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        fields: Mapping[str, str],
        timestamp: str,
    ) -> str:
        signed = fields["SignedHeaders"].split(";")
        if "host" not in signed or any(name not in headers for name in signed):
            raise _invalid(MISMATCH)
        content_hash = headers.get("x-amz-content-sha256")
        if content_hash is not None and content_hash != hashlib.sha256(body).hexdigest():
            raise _invalid(MISMATCH)
        request = AWSRequest(
            method=method,
            url=f"http://{headers['host']}{target}",
            headers={name: headers[name] for name in signed},
            data=body,
        )
        request.context["timestamp"] = timestamp
        canonical = self._signer.canonical_request(request)
        if (
            self._signer.signed_headers(self._signer.headers_to_sign(request))
            != fields["SignedHeaders"]
        ):
            raise _invalid(MISMATCH)  # a signed header botocore never signs
        return str(self._signer.signature(self._signer.string_to_sign(request, canonical), request))
