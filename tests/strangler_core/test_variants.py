"""Variants and the latency objective: validated once, from strangler.toml or the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler_core.config import load_config
from strangler_core.errors import ConfigError
from strangler_core.variants import Objective, Variant, parse_objective, parse_variant


def test_objectives_in_ms_or_s() -> None:
    assert parse_objective("p99<=300ms") == Objective(percentile="p99", max_ms=300.0)
    assert parse_objective(" p50 <= 1.5s ") == Objective(percentile="p50", max_ms=1500.0)
    for bad in ("p98<=300ms", "p99<300ms", "p99<=300", "p99<=0ms", ""):
        with pytest.raises(ValueError):
            parse_objective(bad)


def test_variants_from_the_command_line() -> None:
    assert parse_variant("memory=1024") == Variant(memory_mb=1024)
    assert parse_variant("provisioned=2") == Variant(provisioned=2)
    warm = parse_variant("prewarm=4,every=5m")
    assert (warm.prewarm, warm.prewarm_every_min, warm.name) == (4, 5.0, "warm4x5m")
    assert parse_variant("memory=512,prewarm=2,every=1h").name == "m512-warm2x60m"
    assert parse_variant("memory=1769,provisioned=3").name == "m1769-pc3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("memory=64", "memory_mb: must be >= 128"),
        ("memory=big", "whole number"),
        ("cpu=2", "unknown key 'cpu'"),
        ("prewarm=4", "prewarm and prewarm_every_min go together"),
        ("prewarm=4,every=30s", "every must be minutes"),
        ("prewarm=1,every=0.5m", "prewarm_every_min: must be >= 1"),  # EventBridge: rate(1 minute)
        ("provisioned=2,prewarm=2,every=5m", "buys nothing"),
        ("provisioned=0", "provisioned: must be >= 1"),
        ("memory", "not key=value"),
    ],
)
def test_bad_variants_say_why(text: str, message: str) -> None:
    with pytest.raises((ValueError, ConfigError), match=message):
        parse_variant(text)


def test_compare_section_of_strangler_toml(tmp_path: Path) -> None:
    toml = tmp_path / "strangler.toml"
    toml.write_text(
        '[compare]\nobjective = "p99<=300ms"\n'
        "[[compare.variants]]\nmemory_mb = 1024\n"
        "[[compare.variants]]\nprewarm = 4\nprewarm_every_min = 5.0\n"
    )
    compare = load_config(toml, environ={}).compare
    assert compare.objective == Objective(percentile="p99", max_ms=300.0)
    assert [v.name for v in compare.variants] == ["m1024", "warm4x5m"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('objective = "fast"', r"\[compare\] objective: .*not an objective"),
        (
            "[[compare.variants]]\nmemory_mb = 1024\n[[compare.variants]]\nmemory_mb = 1024",
            "m1024 given more than once",
        ),
        ("[[compare.variants]]\ncpu = 2", "cpu"),
    ],
)
def test_bad_compare_section_names_the_key(tmp_path: Path, body: str, message: str) -> None:
    toml = tmp_path / "strangler.toml"
    toml.write_text(("[compare]\n" if body.startswith("objective") else "") + body + "\n")
    with pytest.raises(ConfigError, match=message):
        load_config(toml, environ={})
