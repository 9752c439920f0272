"""Plan and apply against moto: creates on an empty account, idempotence, the settings."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from infra.aws.apply import DeploySpec, apply, plan
from infra.aws.desired import ACCESS_LOG_FORMAT, code_sha256
from infra.aws.naming import POLICY_NAME
from infra.aws.plan import has_changes, render, summary
from infra.aws.session import Clients
from strangler_core.routes import Throttle, Throttling
from tests.infra.aws.conftest import MONOLITH_URL, REGION, tiny_zip

ACCOUNT = "123456789012"
FN = "dev-strangler-wildrydes"


def _api_id(clients: Clients) -> str:
    (api,) = [a for a in clients.apigw.get_apis()["Items"] if a["Name"] == "dev-strangler-api"]
    return str(api["ApiId"])


def test_plan_on_an_empty_account_lists_creates_and_changes_nothing(
    clients: Clients, spec: DeploySpec
) -> None:
    changes = plan(clients, spec)

    assert {c.action for c in changes} == {"create"}
    assert [(c.resource, c.name) for c in changes] == [
        ("log_group", f"/aws/lambda/{FN}"),
        ("log_group", "/aws/apigateway/dev-strangler-api"),
        ("iam_role", f"{FN}-role"),
        ("iam_policy", f"{FN}-role/logs-and-xray"),
        ("lambda_function", FN),
        ("lambda_alias", f"{FN}:live"),
        ("apigw_api", "dev-strangler-api"),
        ("lambda_permission", f"{FN}:live/dev-strangler-api-invoke"),
        ("apigw_integration", f"HTTP_PROXY {MONOLITH_URL}"),
        ("apigw_route", "$default"),
        ("apigw_stage", "$default"),
    ]
    permission = next(c for c in changes if c.resource == "lambda_permission")
    assert any("<api-id>/*/*" in d for d in permission.details)
    assert clients.lambda_.list_functions()["Functions"] == []
    assert clients.apigw.get_apis()["Items"] == []


def test_plan_never_shows_environment_values(clients: Clients, spec: DeploySpec) -> None:
    text = render(plan(clients, spec))
    assert "s3cr3t-value" not in text
    assert "environment: keys DJANGO_SETTINGS_MODULE, SECRET (values not shown)" in text


def test_apply_then_plan_and_apply_again_change_nothing(clients: Clients, spec: DeploySpec) -> None:
    made = apply(clients, spec, sleep=lambda _s: None)
    assert summary(made)["create"] == 11

    again = plan(clients, spec)
    assert not has_changes(again), render(again)
    assert summary(again) == {"create": 0, "update": 0, "delete": 0, "noop": 11}
    second = apply(clients, spec, sleep=lambda _s: None)
    assert not has_changes(second)
    assert len(clients.lambda_.list_versions_by_function(FunctionName=FN)["Versions"]) == 2


def test_function_settings_and_the_zip(clients: Clients, spec: DeploySpec, zip_path: Path) -> None:
    apply(clients, spec, sleep=lambda _s: None)

    config = clients.lambda_.get_function_configuration(FunctionName=FN)
    assert config["Runtime"] == "python3.11"
    assert config["Handler"] == "serverless.handler.handler"
    assert config["MemorySize"] == 512
    assert config["Timeout"] == 30  # 29.5 s rounded up to whole seconds
    assert config["Architectures"] == ["arm64"]
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert config["Environment"]["Variables"]["DJANGO_SETTINGS_MODULE"] == "monolith.settings"
    assert config["Role"] == f"arn:aws:iam::{ACCOUNT}:role/{FN}-role"
    assert config["CodeSha256"] == code_sha256(zip_path.read_bytes())
    assert config["CodeSize"] == len(zip_path.read_bytes())
    assert config["PackageType"] == "Zip"

    concurrency = clients.lambda_.get_function_concurrency(FunctionName=FN)
    assert concurrency["ReservedConcurrentExecutions"] == 50
    alias = clients.lambda_.get_alias(FunctionName=FN, Name="live")
    assert alias["FunctionVersion"] == "1"


def test_iam_policy_is_least_privilege(clients: Clients, spec: DeploySpec) -> None:
    apply(clients, spec, sleep=lambda _s: None)

    role = clients.iam.get_role(RoleName=f"{FN}-role")["Role"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Action": ["sts:AssumeRole"],
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
        }
    ]
    policies = clients.iam.list_role_policies(RoleName=f"{FN}-role")["PolicyNames"]
    assert policies == ["logs-and-xray"]
    assert clients.iam.list_attached_role_policies(RoleName=f"{FN}-role")["AttachedPolicies"] == []
    doc = clients.iam.get_role_policy(RoleName=f"{FN}-role", PolicyName="logs-and-xray")[
        "PolicyDocument"
    ]
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert set(by_sid) == {"OwnLogGroup", "XRay"}
    assert by_sid["OwnLogGroup"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert by_sid["OwnLogGroup"]["Resource"] == [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{FN}:*"
    ]
    assert by_sid["XRay"]["Action"] == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert by_sid["XRay"]["Resource"] == ["*"]
    assert all(s["Effect"] == "Allow" for s in doc["Statement"])


def test_permission_is_scoped_to_this_api_and_the_alias(clients: Clients, spec: DeploySpec) -> None:
    apply(clients, spec, sleep=lambda _s: None)
    api_id = _api_id(clients)

    policy = json.loads(clients.lambda_.get_policy(FunctionName=FN, Qualifier="live")["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FN}:live"
    assert statement["Condition"] == {
        "ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/*"}
    }


def test_api_passthrough_stage_throttles_and_access_logs(
    clients: Clients, spec: DeploySpec
) -> None:
    apply(clients, spec, sleep=lambda _s: None)
    api_id = _api_id(clients)

    (integration,) = clients.apigw.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "HTTP_PROXY"
    assert integration["IntegrationUri"] == MONOLITH_URL
    (route,) = clients.apigw.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "$default"
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"

    stage = clients.apigw.get_stage(ApiId=api_id, StageName="$default")
    assert stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 10_000.0
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 5_000
    access = stage["AccessLogSettings"]
    assert access["DestinationArn"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigateway/dev-strangler-api"
    )
    assert access["Format"] == ACCESS_LOG_FORMAT
    for variable in (
        "$context.integrationErrorMessage",
        "$context.requestId",
        "$context.routeKey",
        "$context.status",
        "$context.integrationLatency",
    ):
        assert variable in access["Format"]
    groups = clients.logs.describe_log_groups(logGroupNamePrefix="/aws/")["logGroups"]
    assert {g["logGroupName"]: g.get("retentionInDays") for g in groups} == {
        "/aws/apigateway/dev-strangler-api": 14,
        f"/aws/lambda/{FN}": 14,
    }


def test_table_throttles_reach_the_stage_and_updates_apply(
    clients: Clients, spec: DeploySpec
) -> None:
    """Stage throttles read back with GetStage after the deployer's UpdateStage and
    DeleteRouteSettings (API Gateway v2 API reference, "apis-apiid-stages-stagename" and
    "apis-apiid-stages-stagename-routesettings-routekey"): the default route settings and each
    route key's, then a route key the table no longer names loses its settings."""
    apply(clients, spec, sleep=lambda _s: None)
    throttling = Throttling(
        stage=Throttle(rate=200.0, burst=100),
        routes={"$default": Throttle(rate=50.0, burst=10)},
    )
    throttled = replace(spec, table=spec.table.model_copy(update={"throttling": throttling}))
    changes = plan(clients, throttled)
    assert [(c.action, c.resource) for c in changes if c.action != "noop"] == [
        ("update", "apigw_stage")
    ]
    apply(clients, throttled, sleep=lambda _s: None)

    api_id = _api_id(clients)
    stage = clients.apigw.get_stage(ApiId=api_id, StageName="$default")
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 200.0
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 100
    assert stage["RouteSettings"] == {
        "$default": {"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 50.0}
    }
    assert stage["AccessLogSettings"]["Format"] == ACCESS_LOG_FORMAT  # untouched by the update
    assert not has_changes(plan(clients, throttled))

    stage_throttle = Throttling(stage=Throttle(rate=300.0, burst=150))
    stage_only = replace(
        throttled, table=throttled.table.model_copy(update={"throttling": stage_throttle})
    )
    apply(clients, stage_only, sleep=lambda _s: None)
    stage = clients.apigw.get_stage(ApiId=api_id, StageName="$default")
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 300.0
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 150
    assert stage.get("RouteSettings", {}) == {}
    assert not has_changes(plan(clients, stage_only))


def test_a_changed_zip_and_memory_update_the_function_and_move_the_alias(
    clients: Clients, spec: DeploySpec, tmp_path: Path
) -> None:
    apply(clients, spec, sleep=lambda _s: None)
    new_zip = tmp_path / "new.zip"
    new_zip.write_bytes(tiny_zip("def handler(event, context):\n    return {'v': 2}\n"))
    changed = replace(
        spec,
        zips={"wildrydes": new_zip},
        functions=(
            spec.functions[0].model_copy(update={"memory_mb": 1024, "reserved_concurrency": None}),
        ),
    )

    changes = [c for c in plan(clients, changed) if c.action != "noop"]
    assert [(c.action, c.resource) for c in changes] == [
        ("update", "lambda_function"),
        ("update", "lambda_alias"),
    ]
    assert any(d.startswith("memory_mb: 512 -> 1024") for d in changes[0].details)
    apply(clients, changed, sleep=lambda _s: None)

    alias = clients.lambda_.get_alias(FunctionName=FN, Name="live")
    at_alias = clients.lambda_.get_function_configuration(
        FunctionName=FN, Qualifier=alias["FunctionVersion"]
    )
    assert at_alias["CodeSha256"] == code_sha256(new_zip.read_bytes())
    assert at_alias["MemorySize"] == 1024
    assert "ReservedConcurrentExecutions" not in clients.lambda_.get_function_concurrency(
        FunctionName=FN
    )
    assert not has_changes(plan(clients, changed))


def test_async_settings_become_the_alias_event_invoke_config(
    clients: Clients, spec: DeploySpec
) -> None:
    """max_retry_attempts, max_event_age_s and on_failure are PutFunctionEventInvokeConfig on
    the alias (Lambda API reference, "PutFunctionEventInvokeConfig"; Lambda guide,
    "Configuring error handling settings for Lambda asynchronous invocations"), the role may
    send to the queue, and AWS's defaults need no config at all."""
    queue = "arn:aws:sqs:us-east-1:123456789012:failed-events"
    function = spec.functions[0].model_copy(
        update={"max_retry_attempts": 0, "max_event_age_s": 3600, "on_failure": queue}
    )
    configured = replace(spec, functions=(function,))
    assert "lambda_event_invoke_config" not in {c.resource for c in plan(clients, spec)}
    planned = {(c.action, c.resource, c.name) for c in plan(clients, configured)}
    assert ("create", "lambda_event_invoke_config", f"{FN}:live") in planned
    apply(clients, configured, sleep=lambda _s: None)
    config = clients.lambda_.get_function_event_invoke_config(FunctionName=FN, Qualifier="live")
    assert config["MaximumRetryAttempts"] == 0
    assert config["MaximumEventAgeInSeconds"] == 3600
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue
    role = clients.lambda_.get_function_configuration(FunctionName=FN)["Role"].split("/")[-1]
    document = clients.iam.get_role_policy(RoleName=role, PolicyName=POLICY_NAME)
    statements = {s["Sid"]: s for s in document["PolicyDocument"]["Statement"]}
    assert statements["OnFailureQueue"]["Action"] == ["sqs:SendMessage"]
    assert statements["OnFailureQueue"]["Resource"] == [queue]
    assert not has_changes(plan(clients, configured))

    apply(clients, spec, sleep=lambda _s: None)  # back to AWS's defaults: deleted
    with pytest.raises(clients.lambda_.exceptions.ResourceNotFoundException):
        clients.lambda_.get_function_event_invoke_config(FunctionName=FN, Qualifier="live")
    assert not has_changes(plan(clients, spec))


def test_provisioned_concurrency_on_the_alias(clients: Clients, spec: DeploySpec) -> None:
    """Provisioned concurrency read back with GetProvisionedConcurrencyConfig on the alias
    ``live`` (Lambda API reference, "PutProvisionedConcurrencyConfig",
    "GetProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig"): set on the alias,
    not on ``$LATEST`` or a version, and gone again when the config asks for none."""
    not_found = clients.lambda_.exceptions.ProvisionedConcurrencyConfigNotFoundException
    warm = replace(
        spec, functions=(spec.functions[0].model_copy(update={"provisioned_concurrency": 5}),)
    )
    changes = plan(clients, warm)
    assert ("create", "lambda_provisioned_concurrency", f"{FN}:live") in [
        (c.action, c.resource, c.name) for c in changes
    ]
    apply(clients, warm, sleep=lambda _s: None)

    config = clients.lambda_.get_provisioned_concurrency_config(FunctionName=FN, Qualifier="live")
    assert config["RequestedProvisionedConcurrentExecutions"] == 5
    version = clients.lambda_.get_alias(FunctionName=FN, Name="live")["FunctionVersion"]
    for other in ("$LATEST", version):
        with pytest.raises(not_found):
            clients.lambda_.get_provisioned_concurrency_config(FunctionName=FN, Qualifier=other)
    assert not has_changes(plan(clients, warm))

    apply(clients, spec, sleep=lambda _s: None)  # back to none: deleted
    with pytest.raises(not_found):
        clients.lambda_.get_provisioned_concurrency_config(FunctionName=FN, Qualifier="live")
    assert not has_changes(plan(clients, spec))


def test_other_stage_names_and_a_named_stage(clients: Clients, spec: DeploySpec) -> None:
    prod = replace(spec, names=replace(spec.names, stage="prod"), stage_name="prod")
    apply(clients, prod, sleep=lambda _s: None)
    names = [f["FunctionName"] for f in clients.lambda_.list_functions()["Functions"]]
    assert names == ["prod-strangler-wildrydes"]
    (api,) = clients.apigw.get_apis()["Items"]
    assert api["Name"] == "prod-strangler-api"
    assert clients.apigw.get_stage(ApiId=api["ApiId"], StageName="prod")["StageName"] == "prod"
    assert not has_changes(plan(clients, prod))


@pytest.mark.parametrize("missing", ["zip", "function"])
def test_errors_name_what_is_missing(clients: Clients, spec: DeploySpec, missing: str) -> None:
    from infra.aws.errors import AwsError
    from strangler_core.routes import Integration, Route

    if missing == "zip":
        broken = replace(spec, zips={})
        match = "no deployment zip"
    else:
        table = spec.table.with_route(Route("ANY /rides", Integration.aws_proxy("other")))
        broken = replace(spec, table=table)
        match = "not declared"
    with pytest.raises(AwsError, match=match):
        plan(clients, broken)


def test_spec_from_config_reads_the_route_table(clients: Clients, tmp_path: Path) -> None:
    from infra.aws.spec import spec_from_config
    from strangler_core.config import load_config
    from strangler_core.routes import default_route_table, save_route_table

    toml = tmp_path / "strangler.toml"
    toml.write_text('[[functions]]\nname = "wildrydes"\nmemory_mb = 256\n')
    save_route_table(default_route_table(), tmp_path / "routes.json")
    zip_file = tmp_path / "w.zip"
    zip_file.write_bytes(tiny_zip())
    spec = spec_from_config(
        load_config(toml, environ={}),
        stage="dev",
        project="strangler",
        monolith_url=MONOLITH_URL,
        zips={"wildrydes": zip_file},
    )
    assert spec.table.version == 1
    assert summary(plan(clients, spec))["create"] == 11
