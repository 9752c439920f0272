"""The AWS commands end to end through the CLI, against moto (AWS cannot be reached here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from strangler.cli import main
from tests.infra.aws.shims import with_missing_calls

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from infra.aws.session import clients_for, make_session
    from strangler.aws import commands as aws_commands

    # moto lacks provisioned concurrency and update_stage: answered on the wire (shims.py)
    monkeypatch.setattr(
        aws_commands,
        "_clients",
        lambda args: with_missing_calls(clients_for(make_session(args.profile, args.region))),
    )
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_deploy_plan_apply_idempotent_then_migrate_and_rollback_on_aws(
    aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "strangler.toml"
    config.write_text(
        f'[project]\nrun_dir = "{tmp_path / "run"}"\n[django]\npath = "{REPO_ROOT}"\n'
        '[[functions]]\nname = "wildrydes"\nmemory_mb = 1024\n'
    )
    base = ["--config", str(config)]
    aws_args = ["--monolith-url", "http://monolith.example", "--project", "wr"]

    assert main([*base, "deploy", "--plan", *aws_args]) == 0
    assert "plan (nothing changed" in capsys.readouterr().out
    assert main([*base, "deploy", "--apply", *aws_args]) == 0
    capsys.readouterr()
    assert main([*base, "deploy", "--plan", "--json", *aws_args]) == 0
    changes = json.loads(capsys.readouterr().out)
    assert changes and {c["action"] for c in changes} == {"noop"}
    # three builds, one pip install: the pinned dependencies are kept for the next build
    assert len(list((tmp_path / "run" / "build" / "dependencies").iterdir())) == 1

    before = (
        (tmp_path / "routes.json").read_bytes() if (tmp_path / "routes.json").exists() else None
    )
    assert main([*base, "migrate", "/nowhere", "--aws", *aws_args]) == 1
    assert "does not exist in the Django project's URLconf" in capsys.readouterr().err.replace(
        "\n", " "
    )
    after = (tmp_path / "routes.json").read_bytes() if (tmp_path / "routes.json").exists() else None
    assert before == after
    assert main([*base, "migrate", "/rides", "--aws", *aws_args]) == 0
    routes = json.loads((tmp_path / "routes.json").read_text())["routes"]
    assert {r["route_key"] for r in routes} == {"$default", "ANY /rides", "ANY /rides/{proxy+}"}
    assert main([*base, "rollback", "/rides", "--aws", *aws_args]) == 0
    ledger = [
        json.loads(line) for line in (tmp_path / "routes.ledger.jsonl").read_text().splitlines()
    ]
    assert [e["action"] for e in ledger] == ["migrate", "rollback"]
    assert all(e["aws"] for e in ledger)
    output = capsys.readouterr().out
    assert "testing" not in output  # no credential ever printed
