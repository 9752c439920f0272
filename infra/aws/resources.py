"""The one shape both sides of a plan take: resources keyed by (kind, name) with attributes.

``desired.py`` builds them from the route table and configuration, ``reader.py`` from what AWS
answers; ``plan.py`` compares the two. Attributes are plain JSON-like values, normalized the same
way on both sides (``canonical_policy``) so that equal means "nothing to change".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The order in which creates and updates are applied (deletes go in reverse): each kind only
# depends on kinds before it.
KINDS = (
    "log_group",
    "iam_role",
    "iam_policy",
    "lambda_function",
    "lambda_alias",
    "lambda_provisioned_concurrency",
    "lambda_event_invoke_config",
    "apigw_api",
    "lambda_permission",
    "apigw_integration",
    "apigw_route",
    "apigw_stage",
)

API_ID_PLACEHOLDER = "<api-id>"
"""Stands for the API's id in a plan made before the API exists."""


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str
    attrs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)


def canonical_policy(doc: Mapping[str, Any]) -> dict[str, Any]:
    """An IAM policy document in one canonical form: single values as sorted lists."""

    def listed(value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return sorted(value)
        if isinstance(value, Mapping):
            return {k: listed(v) for k, v in sorted(value.items())}
        return value

    statements = doc.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    out = []
    for statement in statements:
        canon: dict[str, Any] = {}
        for key, value in sorted(statement.items()):
            if key in ("Action", "NotAction", "Resource", "NotResource", "Principal"):
                canon[key] = listed(value)
            else:
                canon[key] = value
        out.append(canon)
    return {"Version": doc.get("Version", "2012-10-17"), "Statement": out}
