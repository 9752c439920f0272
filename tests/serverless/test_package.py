"""The deployment zip: built with Lambda-platform wheels, and the handler imports from it alone."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from serverless.package import build_zip

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="imports x86_64 wheels to check them")
def test_zip_holds_code_dependencies_and_bytecode_and_the_handler_imports_from_it(
    tmp_path: Path,
) -> None:
    built = build_zip(tmp_path / "function.zip", [REPO_ROOT / "monolith", REPO_ROOT / "serverless"])
    assert built.size_bytes == built.path.stat().st_size > 1_000_000
    names = set(zipfile.ZipFile(built.path).namelist())
    for expected in (
        "serverless/handler.py",
        "monolith/settings.py",
        "monolith/wildrydes/migrations/0001_initial.py",
        "django/__init__.py",
        "mangum/__init__.py",
        "psycopg/__init__.py",
        "psycopg_pool/__init__.py",
        "dj_database_url/__init__.py",
    ):
        assert expected in names, expected
    assert any(n.startswith("serverless/__pycache__/handler.cpython-311") for n in names)
    assert not any("/tests/" in n for n in names)

    extracted = tmp_path / "task"
    zipfile.ZipFile(built.path).extractall(extracted)
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(extracted),
        "DJANGO_SETTINGS_MODULE": "monolith.settings",
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none",  # import touches no database
    }
    probe = (
        "import sys, serverless.handler, django, psycopg; "
        "assert django.__file__.startswith(sys.argv[1]), django.__file__; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe, str(extracted)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
