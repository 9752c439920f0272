"""What the Invoke API checks before it runs anything, as AWS's Invoke API does.

Pure functions of the request: which function a FunctionName names (a name, ``name:qualifier``,
a partial or full ARN), whether an ARN points at another region or account, the ``Event``
payload quota, and that the payload is JSON. Each raises the error AWS answers with.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from strangler_core.lambda_model import ACCOUNT_ID, function_arn

from .errors import (
    AccessDeniedError,
    EventTooLargeError,
    FunctionNotFoundError,
    InvalidRequestError,
)

MAX_EVENT_PAYLOAD = 1024 * 1024  # 1 MB: Event invocation payload quota (raised from 256 KB)
LOCAL_CALLER = f"arn:aws:iam::{ACCOUNT_ID}:user/local"

_ARN_RE = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):)?(?:(?P<account>\d{12}):)?"
    r"function:(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$"
)


@dataclass(frozen=True)
class Target:
    """A FunctionName taken apart; region and account only when it was an ARN naming them."""

    name: str
    qualifier: str | None
    region: str | None = None
    account: str | None = None


def parse_function_name(raw: str, qualifier: str | None) -> Target:
    """A ``Qualifier`` query parameter wins over one in the name."""
    match = _ARN_RE.match(raw)
    if match is None:
        name, _, in_name = raw.partition(":")
        return Target(name, qualifier or in_name or None)
    return Target(match["name"], qualifier or match["qualifier"], match["region"], match["account"])


def check_reachable(target: Target, region: str, action: str) -> None:
    """An ARN of another region is not found here; one of another account is not ours to use
    (AWS answers AccessDeniedException whether or not that function exists)."""
    if target.region is not None and target.region != region:
        raise FunctionNotFoundError(
            f"Functions from '{target.region}' are not reachable in this region ('{region}')"
        )
    if target.account is not None and target.account != ACCOUNT_ID:
        resource = function_arn(target.name, target.region or region).replace(
            f":{ACCOUNT_ID}:", f":{target.account}:"
        )
        raise AccessDeniedError(
            f"User: {LOCAL_CALLER} is not authorized to perform: lambda:{action} on resource: "
            f"{resource} because no resource-based policy allows the lambda:{action} action"
        )


def check_event_size(payload: bytes) -> None:
    if len(payload) > MAX_EVENT_PAYLOAD:
        raise EventTooLargeError(
            f"{len(payload)} byte payload is too large for the Event invocation type "
            f"(limit {MAX_EVENT_PAYLOAD} bytes)"
        )


def check_json(payload: bytes) -> None:
    """An empty payload is allowed (the SDKs send none when Payload is omitted)."""
    if not payload:
        return
    try:
        json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequestError(
            f"Could not parse request body into json: Could not parse payload into json: {exc}"
        ) from None
