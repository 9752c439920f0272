"""``strangler invoke``: call a function of the local Lambda service the way boto3 users do."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from strangler_core.errors import StranglerError
from strangler_core.lambda_model import InvokeCredentials
from strangler_core.profile import Headers
from strangler_core.traffic import wire_field


@dataclass(frozen=True)
class Invocation:
    status_code: int
    function_error: str | None
    payload: Any
    log_tail: str
    request_id: str = ""

    @property
    def report_line(self) -> str | None:
        lines = [line for line in self.log_tail.splitlines() if line.startswith("REPORT ")]
        return lines[-1] if lines else None


def http_event(method: str, path: str, headers: Headers, body: str | None) -> dict[str, Any]:
    """A payload 2.0 event as the gateway would build it for ``method path``."""
    from infra.local.gateway.events import ApiContext, GatewayRequest, build_event

    raw_path, _, raw_query = path.partition("?")
    sent = [("host", "127.0.0.1"), ("user-agent", "strangler-invoke")]
    sent += [(wire_field(name.lower()), wire_field(value)) for name, value in headers]
    if body is not None:
        sent.append(("content-type", "application/json"))
    request = GatewayRequest(
        method=method.upper(),
        raw_path=raw_path,
        raw_query=raw_query,
        headers=sent,
        body=(body or "").encode(),
        source_ip="127.0.0.1",
        request_id=str(uuid.uuid4()),
        time_epoch_ms=int(time.time() * 1000),
        route_key="$default",
    )
    return build_event(request, ApiContext())


def invoke(
    lambda_url: str,
    function: str,
    event: Any,
    region: str,
    credentials: InvokeCredentials,
    invocation_type: str = "RequestResponse",
) -> Invocation:
    """``RequestResponse``: run it and return its answer and log tail; ``Event``: queue it
    (the service runs and retries it), answered 202 with its request id. Signed with the
    stack's local key, never the user's AWS one."""
    import boto3
    import botocore.exceptions

    client = boto3.client(
        "lambda",
        endpoint_url=lambda_url,
        region_name=region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
    )
    try:
        # AWS returns a log tail for synchronous invocations only
        tail = {"LogType": "Tail"} if invocation_type == "RequestResponse" else {}
        response = client.invoke(
            FunctionName=function,
            Payload=json.dumps(event).encode(),
            InvocationType=invocation_type,
            **tail,
        )
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise StranglerError(
            f"invoke {function}: {error.get('Code', 'error')}: {error.get('Message', exc)}"
        ) from None
    raw = response["Payload"].read()
    try:
        payload: Any = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        payload = raw.decode(errors="replace")
    return Invocation(
        status_code=response["StatusCode"],
        function_error=response.get("FunctionError"),
        payload=payload,
        log_tail=base64.b64decode(response.get("LogResult", "")).decode(errors="replace"),
        request_id=response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid", ""),
    )
