"""The deployment zip of a project whose apps are sibling packages (shelf): it ships whole."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from serverless import environment as function_env
from strangler.aws.commands import build_function_zip
from strangler_core.config import load_config
from tests.strangler.stack_config import REPO_ROOT

SHELF = REPO_ROOT / "tests" / "fixtures" / "shelf"


@pytest.mark.skipif(platform.machine() != "x86_64", reason="imports x86_64 wheels to check them")
def test_shelf_zip_holds_every_sibling_app_and_serves_its_urlconf_from_the_zip_alone(
    tmp_path: Path,
) -> None:
    config = load_config(SHELF / "strangler.toml", environ={})
    (function,) = config.functions  # x86_64 by default
    built = build_function_zip(config, function, tmp_path / "shelf.zip")
    names = zipfile.ZipFile(built.path).namelist()
    top_level = {name.split("/", 1)[0] for name in names if "/" in name}
    # the settings package, the three apps beside it, the handler, DRF that the URLconf imports
    assert {"shelf_project", "accounts", "catalog", "lending", "serverless", "rest_framework"} <= (
        top_level
    )
    for expected in (
        "shelf_project/settings.py",
        "accounts/authentication.py",
        "catalog/serializers.py",
        "lending/services.py",
        "lending/migrations/__init__.py",
    ):
        assert expected in names, expected
    assert not any(n.startswith(("tests/", "strangler/", "infra/", "monolith/")) for n in names)

    extracted = tmp_path / "task"
    zipfile.ZipFile(built.path).extractall(extracted)
    probe = (
        "import sys, serverless.handler, django, rest_framework\n"
        "from django.urls import resolve\n"
        "assert django.__file__.startswith(sys.argv[1]), django.__file__\n"
        "assert rest_framework.__file__.startswith(sys.argv[1]), rest_framework.__file__\n"
        "for path in ('/api/books/', '/api/books/7/', '/accounts/login/', '/lending/loans/3/'):\n"
        "    print(path, resolve(path)._func_path)\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe, str(extracted)],
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": str(extracted),
            function_env.DJANGO_SETTINGS_MODULE: "shelf_project.settings",
            function_env.DJANGO_ASGI: config.django.asgi,  # the handler imports it at INIT
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none",  # import touches no database
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "/api/books/ catalog.views.BookViewSet",
        "/api/books/7/ catalog.views.BookViewSet",
        "/accounts/login/ accounts.views.login_view",
        "/lending/loans/3/ lending.views.loan_detail",
    ]
