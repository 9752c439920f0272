"""Stand-ins for the few AWS calls moto does not implement (shared by the AWS tests)."""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from infra.aws.session import Clients


class LambdaShim:
    """moto's Lambda client plus the provisioned-concurrency calls moto does not implement
    (it answers 404 "Not yet implemented"), kept in a dict so apply's calls can be checked."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.provisioned: dict[tuple[str, str], int] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return attr(**kwargs)

        call.__name__ = name
        return call

    def get_provisioned_concurrency_config(self, FunctionName: str, Qualifier: str) -> Any:
        value = self.provisioned.get((FunctionName, Qualifier))
        if value is None:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ProvisionedConcurrencyConfigNotFoundException"}},
                "GetProvisionedConcurrencyConfig",
            )
        return {"RequestedProvisionedConcurrentExecutions": value, "Status": "READY"}

    def put_provisioned_concurrency_config(self, **kwargs: Any) -> Any:
        self.calls.append(("put_provisioned_concurrency_config", kwargs))
        key = (kwargs["FunctionName"], kwargs["Qualifier"])
        self.provisioned[key] = kwargs["ProvisionedConcurrentExecutions"]
        return {"RequestedProvisionedConcurrentExecutions": self.provisioned[key]}

    def delete_provisioned_concurrency_config(self, FunctionName: str, Qualifier: str) -> Any:
        self.provisioned.pop((FunctionName, Qualifier), None)
        return {}


class ApiGatewayShim:
    """moto's apigatewayv2 client plus ``update_stage``, which moto does not implement: it is
    emulated by deleting and re-creating the stage with the merged settings."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.updated_stages: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_stage(self, ApiId: str, StageName: str, **params: Any) -> Any:
        self.updated_stages.append({"StageName": StageName, **params})
        old = self._client.get_stage(ApiId=ApiId, StageName=StageName)
        merged = {
            key: old[key]
            for key in ("AutoDeploy", "DefaultRouteSettings", "RouteSettings", "AccessLogSettings")
            if key in old
        }
        merged.update(params)
        self._client.delete_stage(ApiId=ApiId, StageName=StageName)
        return self._client.create_stage(ApiId=ApiId, StageName=StageName, **merged)

    def delete_route_settings(self, ApiId: str, StageName: str, RouteKey: str) -> Any:
        return {}


def with_shims(base: Clients) -> Clients:
    return Clients(
        region=base.region,
        account=base.account,
        lambda_=LambdaShim(base.lambda_),
        iam=base.iam,
        apigw=ApiGatewayShim(base.apigw),
        logs=base.logs,
    )
