"""The code a project's function needs, found from the project's own imports (a subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from strangler.stack.project_code import ProjectImportError, project_code, staged_code
from strangler_core.config import load_config
from tests.strangler.stack_config import REPO_ROOT, stack_config

SHELF = REPO_ROOT / "tests" / "fixtures" / "shelf"


def test_shelf_ships_its_settings_package_and_every_sibling_app() -> None:
    code = project_code(load_config(SHELF / "strangler.toml", environ={}))
    assert code.paths == tuple(
        SHELF / name for name in ("accounts", "catalog", "lending", "shelf_project")
    )
    assert {"Django", "djangorestframework", "dj-database-url"} <= set(code.distributions)


def test_the_local_function_imports_from_exactly_that_code(tmp_path: Path) -> None:
    code = project_code(load_config(SHELF / "strangler.toml", environ={}))
    staged = staged_code(code, tmp_path)
    assert sorted((p.name, p.resolve()) for p in staged.iterdir()) == [
        (name, SHELF / name) for name in ("accounts", "catalog", "lending", "shelf_project")
    ]
    assert staged_code(code, tmp_path) == staged  # the same code, the same directory
    assert [p.name for p in tmp_path.iterdir()] == [staged.name]  # no staging left behind


def test_wildrydes_ships_its_one_package(tmp_path: Path) -> None:
    code = project_code(stack_config(tmp_path))
    # the repository's own packages (strangler, serverless, ...) and its .venv are not imported
    assert code.paths == (REPO_ROOT / "monolith",)
    assert "djangorestframework" not in code.distributions


def test_a_single_file_module_beside_the_settings_ships_too(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "site_settings").mkdir(parents=True)
    (project / "site_settings" / "__init__.py").write_text("")
    (project / "site_settings" / "settings.py").write_text(
        "import greeting\nSECRET_KEY = 'x'\nROOT_URLCONF = 'site_settings.urls'\n"
        "INSTALLED_APPS = ['notes']\n"
    )
    (project / "site_settings" / "urls.py").write_text("urlpatterns = []\n")
    (project / "site_settings" / "asgi.py").write_text(
        "from django.core.asgi import get_asgi_application\napplication = get_asgi_application()\n"
    )
    (project / "greeting.py").write_text("HELLO = 'hi'\n")
    (project / "notes").mkdir()
    (project / "notes" / "__init__.py").write_text("")
    (project / "unused").mkdir()
    (project / "unused" / "__init__.py").write_text("")
    toml = tmp_path / "strangler.toml"
    toml.write_text(
        f'[django]\npath = "{project}"\nsettings = "site_settings.settings"\n'
        'wsgi = "site_settings.wsgi:application"\nasgi = "site_settings.asgi:application"\n'
    )
    code = project_code(load_config(toml, environ={}))
    assert code.paths == (project / "notes", project / "site_settings", project / "greeting.py")


def test_a_project_that_does_not_import_says_why(tmp_path: Path) -> None:
    toml = tmp_path / "strangler.toml"
    toml.write_text(f'[django]\npath = "{tmp_path}"\nsettings = "missing.settings"\n')
    with pytest.raises(ProjectImportError, match="No module named 'missing'"):
        project_code(load_config(toml, environ={}))
