"""The preflight table: one block per check (result, name, numbers, advice), then the counts."""

from __future__ import annotations

from strangler.aws.preflight.model import Check
from strangler.aws.preflight.render import render


def test_each_check_is_a_block_and_the_counts_close_the_table() -> None:
    checks = [
        Check("lambda account concurrency", "pass", "needed 10; account limit 1,000 (1%)"),
        Check("database connections", "warn", "needed 90; usable 97 (93%)", "add RDS Proxy"),
        Check("api gateway stage throttle", "fail", "peak 600 rps; stage 500 rps", "raise it"),
    ]
    assert render(checks).splitlines() == [
        "[PASS] lambda account concurrency",
        "       needed 10; account limit 1,000 (1%)",
        "[WARN] database connections",
        "       needed 90; usable 97 (93%)",
        "       -> add RDS Proxy",
        "[FAIL] api gateway stage throttle",
        "       peak 600 rps; stage 500 rps",
        "       -> raise it",
        "1 pass, 1 warn, 1 fail",
    ]


def test_no_checks_is_only_the_counts() -> None:
    assert render([]) == "0 pass, 0 warn, 0 fail"
