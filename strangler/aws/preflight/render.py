"""The preflight as text: one block per check (result, name, numbers, advice), then counts."""

from __future__ import annotations

from collections.abc import Iterable

from strangler.aws.preflight.model import Check


def render(checks: Iterable[Check]) -> str:
    """One block per check: result and name, the numbers, what to raise."""
    checks = list(checks)
    lines = []
    for check in checks:
        lines.append(f"[{check.result.upper():4}] {check.name}")
        lines.append(f"       {check.numbers}")
        if check.advice:
            lines.append(f"       -> {check.advice}")
    counts = {r: sum(c.result == r for c in checks) for r in ("pass", "warn", "fail")}
    lines.append(f"{counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail")
    return "\n".join(lines)
