"""index.html in a real browser: Debian's headless Chromium renders the five figures offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from loadtests.report import build_report
from tests.loadtests.report.synthetic import write_synthetic

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium; `make setup` does)",
)
FIGURES = (
    "latency-cdf",
    "latency-over-time",
    "lambda-concurrency",
    "db-connections",
    "cost-vs-traffic",
)
# Offline and quiet: no network services, no first-run, no GPU, a throwaway profile.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = write_synthetic(tmp_path_factory.mktemp("browser") / "run")
    build_report(run_dir)
    return run_dir / "index.html"


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    argv = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def _console(stderr: str) -> list[str]:
    """Lines where Chromium logged the page's console (script errors among them)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_console_check_catches_script_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><script>throw new Error("boom")</script></body></html>')
    result = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", bad.as_uri())
    assert any("Uncaught Error: boom" in line for line in _console(result.stderr))


def test_rendered_dom_has_the_figures(page: Path, tmp_path: Path) -> None:
    result = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    for plot in FIGURES:
        figure = re.search(rf'<figure data-plot="{plot}">(.*?)</figure>', dom, re.DOTALL)
        assert figure, plot
        assert "<svg" in figure.group(1) and re.search(r"<(polyline|path) ", figure.group(1))
    assert "Side by side" in dom and "cgroup-v1" in dom
    # The page has no script: nothing may reach its console (its dbus/GPU chatter is not it).
    assert _console(result.stderr) == []


def test_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path, "--window-size=900,3200", f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # A blank 900x3200 page compresses to a few KB; five plots and two tables do not.
    assert len(data) > 60_000, len(data)
