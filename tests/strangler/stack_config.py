"""strangler.toml for tests that run the real stack: everything on free ports, in tmp_path."""

from __future__ import annotations

from pathlib import Path

from strangler.profiles.wildrydes.tokens import load_or_create_token_secret, rider_token
from strangler_core.config import Config, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]

WILDRYDES_FUNCTION = """
[lambda]
port = 0
enforce_limits = "off"
[[functions]]
name = "wildrydes"
memory_mb = 1769
"""


def stack_config(
    tmp_path: Path,
    *,
    unicorns: int = 5,
    riders: int = 10,
    monolith: str = "port = 0\nworkers = 1\nthreads = 2",
    with_function: bool = False,
    extra: str = "",
) -> Config:
    """The stack of ``tmp_path``: the repository's Wild Rydes project, embedded PostgreSQL.

    ``extra`` is appended last, so it may add keys to the function table (e.g. its
    ``[functions.environment]``) or further sections.
    """
    path = tmp_path / "strangler.toml"
    path.write_text(
        f"""
[project]
run_dir = "{tmp_path / "run"}"
[django]
path = "{REPO_ROOT}"
seed = ["seed_wildrydes", "--unicorns", "{unicorns}", "--riders", "{riders}"]
[database]
port = 0
[monolith]
{monolith}
[gateway]
port = 0
{WILDRYDES_FUNCTION if with_function else ""}
{extra}
"""
    )
    return load_config(path, environ={})


SHELF_DIR = REPO_ROOT / "tests" / "fixtures" / "shelf"


def shelf_config(tmp_path: Path, function_env: str = "") -> Path:
    """shelf's own strangler.toml on free ports, its run directory in ``tmp_path``;
    ``function_env`` (TOML lines) becomes its function's ``[functions.environment]``."""
    path = tmp_path / "strangler.toml"
    text = (
        (SHELF_DIR / "strangler.toml")
        .read_text()
        .replace('path = "."', f'path = "{SHELF_DIR}"')
        .replace("port = 54339", "port = 0")
        .replace("port = 8100", "port = 0\nworkers = 1\nthreads = 2")
        .replace("port = 9101", 'port = 0\nenforce_limits = "off"')
        .replace("port = 8180", "port = 0")
    )
    if function_env:
        text = text.replace("[parity]", f"[functions.environment]\n{function_env}\n\n[parity]")
    path.write_text(text + f'\n[project]\nrun_dir = "{tmp_path / "run"}"\n')
    return path


def demo_token(config: Config) -> str:
    """The Wild Rydes demo rider's token in this stack (the profile keeps its secret there)."""
    return rider_token(load_or_create_token_secret(config.run_dir), "demo")
