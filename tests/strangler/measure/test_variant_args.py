"""``compare --variant`` and ``--objective``: bad input is a clear error, a non-zero exit, and
no run (nothing under the reports directory); no stack is needed to be refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.cli import main


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "strangler.toml"
    path.write_text(
        f'[project]\nrun_dir = "{tmp_path / "run"}"\n[[functions]]\nname = "shop"\n'
        "[compare]\n[[compare.variants]]\nmemory_mb = 1024\n"
    )
    return path


def _compare(config: Path, *args: str) -> int:
    reports = config.parent / "reports"
    return main(["--config", str(config), "compare", "/api/", "--reports-dir", str(reports), *args])


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--variant", "memory=64"], "--variant memory=64: memory_mb: must be >= 128, got 64"),
        (["--variant", "cpu=2"], "unknown key 'cpu'"),
        (["--objective", "fast"], "'fast' is not an objective such as p99<=300ms"),
    ],
)
def test_bad_variant_or_objective_exits_2(
    config: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        _compare(config, *args)
    assert exited.value.code == 2
    assert said in " ".join(capsys.readouterr().err.split())
    assert not (config.parent / "reports").exists()


def test_too_many_repeated_or_remote_variants_are_refused(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seven = [a for m in range(1024, 1031) for a in ("--variant", f"memory={m}")]
    assert _compare(config, *seven) != 0
    assert "at most 6 variants" in capsys.readouterr().err
    assert _compare(config, "--variant", "memory=512", "--variant", "memory=512") != 0
    assert "m512 given more than once" in capsys.readouterr().err
    # [[compare.variants]] alone (no --variant) is refused with --aws too
    assert (
        _compare(
            config, "--aws", "--api-url", "https://x.example", "--monolith-url", "https://y.example"
        )
        != 0
    )
    assert "variants run on the local stack only" in capsys.readouterr().err
    assert not (config.parent / "reports").exists()
