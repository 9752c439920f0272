"""The few AWS calls moto does not implement, answered on the wire (shared by the AWS tests).

The deployer's clients stay plain boto3 clients on moto: botocore validates every call against
the service model and serializes it as it would for AWS. For the operations moto lacks, a
``before-call`` handler answers the serialized request with an HTTP response that botocore's
own parser reads (errors included); every other operation goes on to moto. Tests read the
results back through the same boto3 calls a real account answers, so a wrong call from the
deployer (another function, qualifier, stage or setting) shows up in what is read back.

- Lambda provisioned concurrency, per the Lambda API reference ("PutProvisionedConcurrencyConfig",
  "GetProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig"):
  ``/2019-09-30/functions/{FunctionName}/provisioned-concurrency?Qualifier=``; only a published
  version or an alias that exists takes it (``$LATEST`` is refused); PUT answers 202
  ``IN_PROGRESS``, GET 200 (``READY``: allocation is immediate here) or 404
  ``ProvisionedConcurrencyConfigNotFoundException``, DELETE 204.
- API Gateway v2 ``UpdateStage`` (``PATCH /v2/apis/{apiId}/stages/{stageName}``) and
  ``DeleteRouteSettings`` (``DELETE .../routesettings/{routeKey}``), per the API Gateway v2 API
  reference pages "apis-apiid-stages-stagename" and
  "apis-apiid-stages-stagename-routesettings-routekey": they change moto's own stage, which
  moto's ``GetStage`` then returns. UpdateStage merges the settings it is given (route keys it
  does not name keep theirs); DeleteRouteSettings removes one route key's settings (404 when
  the stage has none for it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.parsers import create_parser
from moto.apigatewayv2.models import apigatewayv2_backends
from moto.core.botocore_stubber import MockRawResponse
from moto.core.exceptions import HTTPException

from infra.aws.session import Clients

_PROVISIONED = re.compile(r"^/2019-09-30/functions/(?P<function>[^/]+)/provisioned-concurrency$")
_STAGE = re.compile(r"^/v2/apis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)$")
_ROUTE_SETTINGS = re.compile(
    r"^/v2/apis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)/routesettings/(?P<route_key>[^/]+)$"
)


@dataclass(frozen=True)
class _Request:
    """An operation's request as botocore serialized it for the wire."""

    method: str
    url: str
    body: bytes


@dataclass(frozen=True)
class _Answer:
    """What AWS would answer: status, JSON body, and for an error its code (x-amzn-ErrorType)."""

    status: int
    body: Any = None
    error_code: str | None = None

    def http(self) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.error_code:
            headers["x-amzn-ErrorType"] = self.error_code
        text = "" if self.body is None else json.dumps(self.body)
        return {
            "status_code": self.status,
            "headers": HTTPHeaders.from_dict(headers),
            "body": text.encode(),
        }


def _error(status: int, code: str, message: str) -> _Answer:
    return _Answer(status, {"message": message}, error_code=code)


Handler = Callable[[_Request], _Answer]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class ProvisionedConcurrency:
    """Lambda's provisioned-concurrency configurations of one moto account and region."""

    def __init__(self, lambda_client: Any) -> None:
        self._lambda = lambda_client
        self._configs: dict[tuple[str, str], dict[str, Any]] = {}

    def register(self, events: Any) -> None:
        for operation, handler in (
            ("PutProvisionedConcurrencyConfig", self._put),
            ("GetProvisionedConcurrencyConfig", self._get),
            ("DeleteProvisionedConcurrencyConfig", self._delete),
        ):
            events.register(f"before-call.lambda.{operation}", _answering(handler))

    def _target(self, request: _Request) -> tuple[str, str]:
        url = urlsplit(request.url)
        match = _PROVISIONED.match(url.path)
        assert match, f"unexpected provisioned-concurrency URL {request.url}"
        qualifier = parse_qs(url.query).get("Qualifier", [""])[0]
        return unquote(match["function"]), qualifier

    def _exists(self, function: str, qualifier: str) -> bool:
        try:
            if qualifier.isdigit():
                self._lambda.get_function_configuration(FunctionName=function, Qualifier=qualifier)
            else:
                self._lambda.get_alias(FunctionName=function, Name=qualifier)
        except self._lambda.exceptions.ResourceNotFoundException:
            return False
        return True

    def _put(self, request: _Request) -> _Answer:
        function, qualifier = self._target(request)
        if qualifier in ("", "$LATEST"):
            return _error(
                400,
                "InvalidParameterValueException",
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions.",
            )
        if not self._exists(function, qualifier):
            return _error(404, "ResourceNotFoundException", f"{function}:{qualifier} not found")
        executions = int(json.loads(request.body or b"{}")["ProvisionedConcurrentExecutions"])
        self._configs[(function, qualifier)] = {
            "RequestedProvisionedConcurrentExecutions": executions,
            "AvailableProvisionedConcurrentExecutions": executions,
            "AllocatedProvisionedConcurrentExecutions": executions,
            "Status": "READY",
            "LastModified": _now(),
        }
        return _Answer(
            202,
            {
                "RequestedProvisionedConcurrentExecutions": executions,
                "AvailableProvisionedConcurrentExecutions": 0,
                "AllocatedProvisionedConcurrentExecutions": 0,
                "Status": "IN_PROGRESS",
                "LastModified": _now(),
            },
        )

    def _get(self, request: _Request) -> _Answer:
        config = self._configs.get(self._target(request))
        if config is None:
            return _error(
                404,
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function",
            )
        return _Answer(200, config)

    def _delete(self, request: _Request) -> _Answer:
        if self._configs.pop(self._target(request), None) is None:
            return _error(404, "ResourceNotFoundException", "no such configuration")
        return _Answer(204)


class StageUpdates:
    """API Gateway v2 UpdateStage and DeleteRouteSettings on moto's own stages."""

    def __init__(self, account: str, region: str) -> None:
        self._backend = apigatewayv2_backends[account][region]

    def register(self, events: Any) -> None:
        events.register("before-call.apigatewayv2.UpdateStage", _answering(self._update))
        events.register(
            "before-call.apigatewayv2.DeleteRouteSettings", _answering(self._delete_route)
        )

    def _update(self, request: _Request) -> _Answer:
        match = _STAGE.match(urlsplit(request.url).path)
        assert match, f"unexpected UpdateStage URL {request.url}"
        stage = self._backend.get_stage(match["api"], unquote(match["stage"]))
        body = json.loads(request.body or b"{}")
        if "autoDeploy" in body:
            stage.auto_deploy = body["autoDeploy"]
        if "defaultRouteSettings" in body:
            stage.default_route_settings = {
                **stage.default_route_settings,
                **body["defaultRouteSettings"],
            }
        for route_key, settings in body.get("routeSettings", {}).items():
            stage.route_settings[route_key] = {
                **stage.route_settings.get(route_key, {}),
                **settings,
            }
        if "accessLogSettings" in body:
            stage.access_log_settings = body["accessLogSettings"]
        if "description" in body:
            stage.description = body["description"]
        stage.stage_variables.update(body.get("stageVariables", {}))
        stage.updated = datetime.now()
        return _Answer(200, stage.to_json())

    def _delete_route(self, request: _Request) -> _Answer:
        match = _ROUTE_SETTINGS.match(urlsplit(request.url).path)
        assert match, f"unexpected DeleteRouteSettings URL {request.url}"
        stage = self._backend.get_stage(match["api"], unquote(match["stage"]))
        route_key = unquote(match["route_key"])
        if stage.route_settings.pop(route_key, None) is None:
            return _error(404, "NotFoundException", f"no route settings for {route_key!r}")
        return _Answer(204)


def _answering(handler: Handler) -> Callable[..., tuple[AWSResponse, dict[str, Any]]]:
    """A before-call handler: the answer as botocore parses it, as if it came from AWS. moto's
    own errors (no such API or stage) become their HTTP answers."""

    def on_call(model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = params.get("body") or b""
        request = _Request(
            params["method"], params["url"], body if isinstance(body, bytes) else body.encode()
        )
        try:
            http = handler(request).http()
        except HTTPException as exc:
            http = {
                "status_code": exc.code,
                "headers": HTTPHeaders.from_dict(dict(exc.get_headers())),
                "body": exc.get_body().encode(),
            }
        parsed = create_parser(model.metadata["protocol"]).parse(http, model.output_shape)
        raw = MockRawResponse(http["body"])
        response = AWSResponse(request.url, http["status_code"], http["headers"], raw)
        return response, parsed

    return on_call


def with_missing_calls(clients: Clients) -> Clients:
    """``clients`` (on moto), answering the calls moto does not implement; returns them."""
    ProvisionedConcurrency(clients.lambda_).register(clients.lambda_.meta.events)
    StageUpdates(clients.account, clients.region).register(clients.apigw.meta.events)
    return clients
