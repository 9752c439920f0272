"""The plan: what ``apply`` would change, as a pure diff of current against desired state."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from infra.aws.resources import KINDS, Resource

Action = Literal["create", "update", "delete", "noop"]

SECRET_ATTRS = frozenset({"environment"})
"""Attributes whose values may hold secrets: a plan names the keys that change, never values."""


@dataclass(frozen=True)
class Change:
    action: Action
    resource: str
    """The resource kind (``resources.KINDS``)."""
    name: str
    details: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "resource": self.resource,
            "name": self.name,
            "details": list(self.details),
        }


def diff(
    current: Mapping[tuple[str, str], Mapping[str, Any]], desired: Iterable[Resource]
) -> list[Change]:
    """One change per resource: create, update (naming the attributes) or noop for each desired
    resource; delete for each current one that is not desired. Creates and updates come in
    ``KINDS`` order, deletes after them in reverse order (routes before their integrations)."""
    changes: list[Change] = []
    wanted: set[tuple[str, str]] = set()
    for resource in sorted(desired, key=lambda r: KINDS.index(r.kind)):
        wanted.add(resource.key)
        have = current.get(resource.key)
        if have is None:
            details = tuple(_describe(k, None, v) for k, v in resource.attrs.items())
            changes.append(Change("create", resource.kind, resource.name, details))
            continue
        differing = tuple(
            _describe(k, have.get(k), v) for k, v in resource.attrs.items() if have.get(k) != v
        )
        action: Action = "update" if differing else "noop"
        changes.append(Change(action, resource.kind, resource.name, differing))
    stale = [key for key in current if key not in wanted]
    for kind, name in sorted(stale, key=lambda k: (-KINDS.index(k[0]), k[1])):
        changes.append(Change("delete", kind, name))
    return changes


def has_changes(changes: Iterable[Change]) -> bool:
    return any(c.action != "noop" for c in changes)


def summary(changes: Iterable[Change]) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "delete": 0, "noop": 0}
    for change in changes:
        counts[change.action] += 1
    return counts


def render(changes: Iterable[Change], *, show_noop: bool = False) -> str:
    """Terraform-like text: one line per change, its details indented below."""
    changes = list(changes)
    marks = {"create": "+", "update": "~", "delete": "-", "noop": "="}
    lines = []
    for change in changes:
        if change.action == "noop" and not show_noop:
            continue
        lines.append(
            f"{marks[change.action]} {change.action:<6} {change.resource:<31} {change.name}"
        )
        lines += [f"      {detail}" for detail in change.details]
    counts = summary(changes)
    lines.append(
        f"{counts['create']} to create, {counts['update']} to update, "
        f"{counts['delete']} to delete, {counts['noop']} unchanged"
    )
    return "\n".join(lines)


def _describe(key: str, old: Any, new: Any) -> str:
    if key in SECRET_ATTRS:
        old_map = old if isinstance(old, Mapping) else {}
        new_map = new if isinstance(new, Mapping) else {}
        changed = sorted(k for k in set(old_map) | set(new_map) if old_map.get(k) != new_map.get(k))
        return f"{key}: keys {', '.join(changed) or '(none)'} (values not shown)"
    if old is None:
        return f"{key}: {_short(new)}"
    return f"{key}: {_short(old)} -> {_short(new)}"


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def route_diff(
    current: Mapping[tuple[str, str], Mapping[str, Any]],
    desired: Iterable[Resource],
    route_keys: Iterable[str],
) -> list[Change]:
    """The diff of a route move: only ``route_keys`` and the integrations they need or free.

    ``desired`` holds the routes and integrations of the whole table after the move; routes of
    other keys are left as they are, and an integration is deleted only when no route, moved or
    not, uses it any more.
    """
    keys = set(route_keys)
    desired = list(desired)
    by_key = {r.key: r for r in desired}
    wanted_routes = [r for r in desired if r.kind == "apigw_route" and r.name in keys]
    wanted_integrations = {r.attrs["integration"] for r in wanted_routes}
    wanted = [
        *(by_key[("apigw_integration", name)] for name in sorted(wanted_integrations)),
        *wanted_routes,
    ]
    after_routes = {
        name: attrs["integration"]
        for (kind, name), attrs in current.items()
        if kind == "apigw_route" and name not in keys
    }
    after_routes.update({r.name: r.attrs["integration"] for r in wanted_routes})
    used = set(after_routes.values())
    scoped = {
        key: attrs
        for key, attrs in current.items()
        if (key[0] == "apigw_route" and key[1] in keys)
        or (key[0] == "apigw_integration" and (key[1] in wanted_integrations or key[1] not in used))
    }
    return diff(scoped, wanted)
