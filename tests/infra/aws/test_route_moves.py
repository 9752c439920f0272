"""Migrate and roll back one route on the deployed API (moto)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from infra.aws.apply import (
    DeploySpec,
    apply,
    migrate_route_aws,
    plan,
    plan_route_change,
    rollback_route_aws,
)
from infra.aws.errors import NotDeployedError
from infra.aws.plan import has_changes
from infra.aws.session import Clients
from strangler.moves.steps import apply_move, plan_move, restore, snapshot
from tests.infra.aws.conftest import MONOLITH_URL

ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:dev-strangler-wildrydes:live"
SINCE = "2026-11-23T14:00:00Z"


def _routes(clients: Clients) -> dict[str, tuple[str, str]]:
    """Route key -> (integration type, uri) on the deployed API."""
    (api,) = clients.apigw.get_apis()["Items"]
    integrations = {
        i["IntegrationId"]: (i["IntegrationType"], i["IntegrationUri"])
        for i in clients.apigw.get_integrations(ApiId=api["ApiId"])["Items"]
    }
    return {
        r["RouteKey"]: integrations[r["Target"].removeprefix("integrations/")]
        for r in clients.apigw.get_routes(ApiId=api["ApiId"])["Items"]
    }


def _integration_count(clients: Clients) -> int:
    (api,) = clients.apigw.get_apis()["Items"]
    return len(clients.apigw.get_integrations(ApiId=api["ApiId"])["Items"])


def test_migrate_then_rollback_a_route(clients: Clients, spec: DeploySpec) -> None:
    apply(clients, spec, sleep=lambda _s: None)
    move = plan_move(spec.table, "/rides", "wildrydes")
    before = snapshot(spec.table, move.route_keys)
    moved = replace(spec, table=apply_move(spec.table, move, SINCE))

    planned = plan_route_change(clients, moved, move.route_keys)
    assert [(c.action, c.resource, c.name) for c in planned] == [
        ("create", "apigw_integration", f"AWS_PROXY {ALIAS_ARN}"),
        ("create", "apigw_route", "ANY /rides"),
        ("create", "apigw_route", "ANY /rides/{proxy+}"),
    ]
    assert _routes(clients) == {"$default": ("HTTP_PROXY", MONOLITH_URL)}  # plan changed nothing

    made = migrate_route_aws(clients, moved, move.route_keys)
    assert made == planned
    assert _routes(clients) == {
        "$default": ("HTTP_PROXY", MONOLITH_URL),
        "ANY /rides": ("AWS_PROXY", ALIAS_ARN),
        "ANY /rides/{proxy+}": ("AWS_PROXY", ALIAS_ARN),
    }
    (api,) = clients.apigw.get_apis()["Items"]
    aws_proxy = [
        i
        for i in clients.apigw.get_integrations(ApiId=api["ApiId"])["Items"]
        if i["IntegrationType"] == "AWS_PROXY"
    ]
    assert len(aws_proxy) == 1  # both keys share one integration
    assert aws_proxy[0]["PayloadFormatVersion"] == "2.0"
    assert aws_proxy[0]["TimeoutInMillis"] == 30_000
    # the whole deployment agrees: a full plan sees the moved table as deployed
    assert not has_changes(plan(clients, moved))
    assert not has_changes(plan_route_change(clients, moved, move.route_keys))

    restored = replace(spec, table=restore(moved.table, before, SINCE))
    undone = rollback_route_aws(clients, restored, move.route_keys)
    assert [(c.action, c.resource) for c in undone] == [
        ("delete", "apigw_route"),
        ("delete", "apigw_route"),
        ("delete", "apigw_integration"),
    ]
    assert _routes(clients) == {"$default": ("HTTP_PROXY", MONOLITH_URL)}
    assert _integration_count(clients) == 1
    assert not has_changes(plan(clients, restored))


def test_a_single_route_key_moves_alone_and_leaves_the_others(
    clients: Clients, spec: DeploySpec
) -> None:
    apply(clients, spec, sleep=lambda _s: None)
    rides = plan_move(spec.table, "/rides", "wildrydes")
    table = apply_move(spec.table, rides, SINCE)
    migrate_route_aws(clients, replace(spec, table=table), rides.route_keys)

    one = plan_move(table, "GET /unicorns/{name}", "wildrydes")
    before = snapshot(table, one.route_keys)
    table2 = apply_move(table, one, SINCE)
    changes = migrate_route_aws(clients, replace(spec, table=table2), one.route_keys)
    # the integration exists already: only the route is created
    assert [(c.action, c.resource) for c in changes] == [
        ("noop", "apigw_integration"),
        ("create", "apigw_route"),
    ]
    back = restore(table2, before, SINCE)
    changes = rollback_route_aws(clients, replace(spec, table=back), one.route_keys)
    # /rides still uses the integration, so it stays
    assert [(c.action, c.resource) for c in changes] == [("delete", "apigw_route")]
    assert set(_routes(clients)) == {"$default", "ANY /rides", "ANY /rides/{proxy+}"}


def test_rollback_to_an_explicit_passthrough_route(clients: Clients, spec: DeploySpec) -> None:
    apply(clients, spec, sleep=lambda _s: None)
    move = plan_move(spec.table, "GET /rides/{id}", "wildrydes")
    moved = apply_move(spec.table, move, SINCE)
    migrate_route_aws(clients, replace(spec, table=moved), move.route_keys)
    explicit = restore(moved, {"GET /rides/{id}": {"type": "HTTP_PROXY"}}, SINCE)

    changes = rollback_route_aws(clients, replace(spec, table=explicit), move.route_keys)
    assert [(c.action, c.resource) for c in changes] == [
        ("create", "apigw_integration"),
        ("update", "apigw_route"),
        ("delete", "apigw_integration"),
    ]
    assert _routes(clients)["GET /rides/{id}"] == ("HTTP_PROXY", f"{MONOLITH_URL}/rides/{{id}}")


def test_moves_need_a_deployment_first(clients: Clients, spec: DeploySpec) -> None:
    move = plan_move(spec.table, "/rides", "wildrydes")
    moved = replace(spec, table=apply_move(spec.table, move, SINCE))
    with pytest.raises(NotDeployedError, match="strangler deploy --apply"):
        migrate_route_aws(clients, moved, move.route_keys)
