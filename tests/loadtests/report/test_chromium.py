"""index.html in a real browser: Debian's headless Chromium renders the five figures offline."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from loadtests.report import build_report
from loadtests.report.svg import LAMBDA_COLOR, MONOLITH_COLOR
from tests.loadtests.report import png
from tests.loadtests.report.synthetic import FIGURES, write_synthetic

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium; `make setup` does)",
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


# Colours of index.html's own CSS, and of the plots' lines (loadtests.report.svg).
PAGE_BACKGROUND = (246, 247, 249)  # body: #f6f7f9
TABLE_HEAD = (240, 242, 245)  # th: #f0f2f5
ROW_BORDER = (234, 236, 239)  # th, td: border-bottom 1px #eaecef
TABLE_ROWS = 19  # the side-by-side table's metrics for this run (Requests .. USD per 1M)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _longest_run(row: list[tuple[int, int, int]], colour: tuple[int, int, int]) -> int:
    best = current = 0
    for pixel in row:
        current = current + 1 if pixel == colour else 0
        best = max(best, current)
    return best


def _dark(pixels: list[tuple[int, int, int]]) -> int:
    return sum(1 for r, g, b in pixels if r + g + b < 350)  # text is #1f2328


def test_screenshot_shows_the_table_and_the_plots(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path, "--window-size=900,3200", f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    image = png.decode(shot.read_bytes())
    assert (image.width, image.height) == (900, 3200)
    rows = [image.row(y) for y in range(image.height)]
    colours = Counter(pixel for row in rows for pixel in row)

    # The page's own background beside the 860 px column, and far more than one colour
    # (a blank page has one): text, tables, five plots.
    assert {row[5] for row in rows} == {PAGE_BACKGROUND}
    assert len(colours) > 500, len(colours)

    # The side-by-side table: its header band, then a 1 px border under the header and under
    # each of its rows, evenly spaced, and no more borders right after the last one.
    head = [y for y, row in enumerate(rows) if _longest_run(row, TABLE_HEAD) >= 600]
    assert head
    borders = [
        y for y, row in enumerate(rows) if y > head[0] and _longest_run(row, ROW_BORDER) >= 600
    ]
    table = borders[: TABLE_ROWS + 1]
    assert table[0] - head[-1] == 1  # the header's own border
    gaps = [b - a for a, b in itertools.pairwise(table)]
    assert len(gaps) == TABLE_ROWS and all(25 <= gap <= 40 for gap in gaps), gaps
    assert len(borders) == TABLE_ROWS + 1 or borders[TABLE_ROWS + 1] - table[-1] > 100
    # every row has its metric's name on the left and the Lambda figure on the right
    for top, bottom in itertools.pairwise(table):
        band = rows[top + 1 : bottom]
        assert _dark([p for row in band for p in row[20:300]]) > 20, top
        assert _dark([p for row in band for p in row[600:880]]) > 10, top

    # The plots' lines, drawn in each path's colour.
    assert colours[_rgb(MONOLITH_COLOR)] > 1000
    assert colours[_rgb(LAMBDA_COLOR)] > 1000
