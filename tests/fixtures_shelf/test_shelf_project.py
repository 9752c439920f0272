"""The shelf fixture is a working Django project on PostgreSQL, and unlike the Wild Rydes sample."""

from __future__ import annotations

import json
import re
from pathlib import Path

from strangler_core.config import load_config
from tests.fixtures_shelf.conftest import SHELF_DIR, RunShelf

# One per behaviour later tests of the harness rely on.
REQUIRED_PASSES = (
    "accounts.tests.LoginTests.test_json_credentials_open_a_session",
    "accounts.tests.LoginTests.test_form_credentials_open_a_session",
    "accounts.tests.LoginTests.test_a_wrong_password_opens_nothing",
    "catalog.tests.CatalogTests.test_list_and_detail_are_served_with_trailing_slashes",
    "catalog.tests.CatalogTests.test_paths_without_the_slash_redirect_to_it",
    "catalog.tests.CatalogTests.test_format_suffixes_answer_like_the_plain_paths",
    "catalog.tests.CatalogTests.test_create_put_delete",
    "catalog.tests.CatalogTests.test_a_book_is_found_by_isbn_through_a_regex_route",
    "lending.tests.LendingTests.test_lending_takes_a_copy_off_the_shelf",
    "lending.tests.LendingTests.test_no_copy_no_loan",
    "lending.tests.LendingTests.test_returning_puts_the_copy_back_once",
    "lending.tests.LendingTests.test_a_lent_book_cannot_be_deleted",
    "lending.tests.LendingTests.test_anonymous_callers_are_refused",
)


def test_its_own_test_suite_passes_on_postgresql(run_shelf: RunShelf) -> None:
    done = run_shelf("manage.py", "test", "--noinput", "--verbosity", "2")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # Django's test database on the embedded server, not a SQLite file
    assert "Creating test database for alias 'default' ('test_shelf')" in output
    passed = set(re.findall(r"^\w+ \(([\w.]+)\) \.\.\. ok$", output, re.MULTILINE))
    assert set(REQUIRED_PASSES) <= passed, sorted(set(REQUIRED_PASSES) - passed)
    ran = re.search(r"^Ran (\d+) tests", output, re.MULTILINE)
    assert ran is not None and int(ran.group(1)) == len(passed), output


def test_check_passes_and_migrations_match_the_models(run_shelf: RunShelf) -> None:
    for args in (("check", "--fail-level", "WARNING"), ("makemigrations", "--check", "--dry-run")):
        done = run_shelf("manage.py", *args)
        assert done.returncode == 0, done.stdout + done.stderr


LAYOUT = """
import json, sys
import django
django.setup()
import shelf_project.asgi, shelf_project.wsgi, shelf_project.urls
from django.apps import apps
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.urls import Resolver404, resolve


def serves(path):
    try:
        return bool(resolve(path))
    except Resolver404:
        return False


ours = [a.name for a in apps.get_app_configs() if not a.name.startswith(("django.", "rest_"))]
print(json.dumps({
    "settings": settings.SETTINGS_MODULE,
    "asgi": isinstance(shelf_project.asgi.application, ASGIHandler),
    "wsgi": isinstance(shelf_project.wsgi.application, WSGIHandler),
    "apps": sorted(ours),
    "loaded": sorted({name.split(".")[0] for name in sys.modules}),
    "book_detail": resolve("/api/books/7/").kwargs,
    "health": [serves("/health"), serves("/health/")],
}))
"""


def test_its_apps_are_sibling_packages_behind_generated_entry_points(run_shelf: RunShelf) -> None:
    # as the harness starts it: [django] settings exported, [django] path the working directory
    done = run_shelf("-c", LAYOUT, DJANGO_SETTINGS_MODULE="shelf_project.settings")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["settings"] == "shelf_project.settings"
    assert (shown["asgi"], shown["wsgi"]) == (True, True)
    assert shown["apps"] == ["accounts", "catalog", "lending"]
    for app in shown["apps"]:
        assert (SHELF_DIR / app / "migrations" / "__init__.py").is_file()
        assert not (SHELF_DIR / "shelf_project" / app).exists()
    assert not set(shown["loaded"]) & {"monolith", "strangler", "serverless", "infra", "loadtests"}
    assert shown["book_detail"] == {"pk": "7"}
    assert shown["health"] == [False, False]


def test_the_example_configuration_is_valid_for_the_harness() -> None:
    config = load_config(SHELF_DIR / "strangler.toml", environ={})
    assert config.django_path == SHELF_DIR
    assert (config.django.settings, config.django.seed) == ("shelf_project.settings", ())
    for entry_point in (config.django.wsgi, config.django.asgi):
        module, _, attribute = entry_point.partition(":")
        assert Path(SHELF_DIR, *module.split(".")).with_suffix(".py").is_file()
        assert attribute == "application"
    assert [function.name for function in config.functions] == ["shelf"]
