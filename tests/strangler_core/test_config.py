from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from strangler_core.config import load_config
from strangler_core.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]


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
    gateway = config.gateway
    assert (gateway.capture, gateway.capture_max_mb, gateway.capture_files) == (True, 64.0, 4)
    assert (gateway.capture_max_bytes, gateway.capture_comparisons) == (64 * 1024 * 1024, False)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[database]\nprot = 5\n", "[database] prot: unknown key (known: host, image,"),
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
        ("database = 3\n", "[database] must be a table"),
        ("[lambda]\nidle_timeout_s = 0\n", "[lambda] idle_timeout_s: must be > 0"),
        ("[tracing]\nsample_rate = 1.5\n", "[tracing] sample_rate: must be <= 1"),
        ("[gateway]\ncapture = 'yes'\n", "[gateway] capture: must be true or false"),
        ("[gateway]\ncapture_max_mb = 0\n", "[gateway] capture_max_mb: must be > 0"),
        ("[gateway]\ncapture_files = 1\n", "[gateway] capture_files: must be >= 2"),
        ('[[functions]]\nname = "a b"\n', "[functions #1] name: must be 1-64 letters"),
        ('[[functions]]\nname = "f"\nmemory_mb = 64\n', "[functions #1] memory_mb: must be >= 128"),
        (
            '[[functions]]\nname = "f"\n[functions.environment]\nAWS_REGION = "x"\n',
            "[functions #1] environment: sets reserved variables ['AWS_REGION']",
        ),
        (
            '[[functions]]\nname = "f"\nreserved_concurrency = 1\nprovisioned_concurrency = 2\n',
            "[functions #1] provisioned_concurrency: 2 exceeds reserved_concurrency 1",
        ),
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
    with pytest.raises(ValidationError, match="frozen"):
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
    path = write(tmp_path, "[[functions]]\nmemory_mb = 256\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value) == f"{path}: [functions #1] name: is required"


def test_every_problem_is_listed_on_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[monolith]\nport = "8000"\nworkers = 0\n[gateway]\nprot = 1\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    lines = str(caught.value).splitlines()
    assert [line.partition(": ")[0] for line in lines] == [str(path)] * 3
    assert [line.partition(": ")[2].partition(":")[0] for line in lines] == [
        "[monolith] port",
        "[monolith] workers",
        "[gateway] prot",
    ]
