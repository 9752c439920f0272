from __future__ import annotations

from pathlib import Path

import pytest

from strangler.core.config import load_config
from strangler.core.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "strangler.toml"
    path.write_text(text)
    return path


def test_repository_config_loads_with_documented_defaults() -> None:
    config = load_config(REPO_ROOT / "strangler.toml", environ={})
    assert config.database.provider == "embedded"
    assert config.database.max_connections == 100
    assert config.monolith.host == "127.0.0.1"
    assert config.django.settings == "monolith.settings"
    assert config.run_dir == REPO_ROOT / ".strangler"


def test_empty_file_gives_defaults_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""), environ={})
    assert config.run_dir == tmp_path / ".strangler"
    assert config.monolith.port == 8000


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[database]\nprot = 5\n", "'prot' in [database]"),
        ("[databse]\n", "[databse]"),
        ('[database]\nprovider = "sqlite"\n', "[database] provider"),
        ('[monolith]\nport = "8000"\n', "[monolith] port"),
        ("[monolith]\nport = 70000\n", "port"),
        ("[monolith]\nworkers = 0\n", "workers"),
        ("[database]\nmax_connections = 1\n", "max_connections"),
        ("[django]\nseed = 'migrate'\n", "[django] seed"),
        ('[monolith]\nhost = "0.0.0.0"\n', "allow_non_loopback"),
        ('[database]\nprovider = "url"\n', "DATABASE_URL"),
        ("[monolith\n", "not valid TOML"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, text: str, named: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert named in str(caught.value)
    assert str(path) in str(caught.value)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nprovider = "embedded"\n')
    config = load_config(
        path,
        environ={
            "STRANGLER_DB_PROVIDER": "url",
            "DATABASE_URL": "postgresql://u:p@db.example:5432/x",
            "STRANGLER_RUN_DIR": str(tmp_path / "elsewhere"),
        },
    )
    assert config.database.provider == "url"
    assert config.database.url == "postgresql://u:p@db.example:5432/x"
    assert config.run_dir == tmp_path / "elsewhere"


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[monolith]\nport = 8123\n")
    assert load_config(environ={"STRANGLER_CONFIG": str(path)}).monolith.port == 8123


def test_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--config"):
        load_config(tmp_path / "nope.toml", environ={})


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""), environ={})
    with pytest.raises(AttributeError):
        config.monolith.port = 1  # type: ignore[misc]


def test_functions_are_an_array_of_tables(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[functions]]\nname = "wildrydes"\nmemory_mb = 1024\nreserved_concurrency = 5\n'
        '[functions.environment]\nFEATURE = "on"\n',
    )
    config = load_config(path, environ={})
    function = config.function("wildrydes")
    assert function is not None
    assert (function.memory_mb, function.reserved_concurrency) == (1024, 5)
    assert function.handler == "serverless.handler.handler"
    assert function.environment == {"FEATURE": "on"}
    assert config.function("other") is None


def test_a_function_needs_a_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[functions #1\] needs the key 'name'"):
        load_config(write(tmp_path, "[[functions]]\nmemory_mb = 256\n"), environ={})
