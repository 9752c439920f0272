"""``strangler compare`` on shelf, a project the harness was not written for: load from the
user's own Locust file and from the route's captured traffic, both paths in one run, the
report built; and the clear refusals when there is nothing to send."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.local.net import free_port
from strangler.cli import main
from strangler.stack.local import LocalStack
from strangler_core.config import Config, load_config
from strangler_core.traffic import read_captured
from tests.strangler.http_json import send
from tests.strangler.measure.overhead_checks import assert_overhead_probed, assert_variant_probed
from tests.strangler.stack_config import shelf_config

pytestmark = pytest.mark.stack

LOGIN = {"username": "reader", "password": "reader-password"}

READER_LOCUSTFILE = '''
from locust import HttpUser, constant_throughput, task


class Reader(HttpUser):
    """A reader of shelf: logs in, lists the books, renames one."""

    wait_time = constant_throughput(4)

    def on_start(self):
        self.client.post("/accounts/login/", json={LOGIN})

    @task(3)
    def books(self):
        self.client.get("/api/books/")

    @task
    def rename(self):
        book = self.client.get("/api/books/{BOOK}/").json()
        self.client.put("/api/books/{BOOK}/", json={**book, "title": "Dune (loaded)"})
'''


class Shelf:
    def __init__(self, config: Config, status: dict[str, Any]) -> None:
        self.config, self.status = config, status
        # set-up straight to the monolith: the gateway captures only what a test sends it
        code, _, self.cookie = send(status["monolith"], "POST", "/accounts/login/", LOGIN)
        assert code == 200 and self.cookie
        _, author, _ = self.monolith("POST", "/api/authors/", {"name": "Frank Herbert"})
        code, self.book, _ = self.monolith(
            "POST",
            "/api/books/",
            {"title": "Dune", "isbn": "9780441013593", "author": author["id"]},
        )
        assert code == 201, self.book

    def monolith(self, method: str, target: str, body: Any = None) -> tuple[int, Any, str]:
        return send(self.status["monolith"], method, target, body, self.cookie)

    def title(self) -> str:
        return str(self.monolith("GET", f"/api/books/{self.book['id']}/")[1]["title"])

    def retitle(self, title: str) -> None:
        assert (
            self.monolith("PUT", f"/api/books/{self.book['id']}/", self.book | {"title": title})[0]
            == 200
        )

    def compare(self, tmp_path: Path, *extra: str) -> int:
        return main(
            [
                "--config",
                str(self.config.source),
                "compare",
                *extra,
                "--duration",
                "8s",
                "--users",
                "4",
                "--reports-dir",
                str(tmp_path / "reports"),
            ]
        )


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shelf]:
    config = load_config(shelf_config(tmp_path_factory.mktemp("shelf-compare")), environ={})
    stack = LocalStack(config)
    try:
        yield Shelf(config, stack.up())
    finally:
        stack.down()


def _report(tmp_path: Path) -> dict[str, Any]:
    (run_dir,) = (tmp_path / "reports").iterdir()
    assert (run_dir / "index.html").is_file() and (run_dir / "summary.md").is_file()
    return dict(json.loads((run_dir / "report.json").read_text()))


def test_compare_runs_the_users_own_locustfile_on_both_paths(
    shelf: Shelf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Login, GET and PUT of an ordinary Locust file with relative paths, not edited: every
    user class runs on both paths in the same run, each request tagged with its path; the
    summary printed gives each path's harness overhead beside its latency."""
    shelf.retitle("Dune")
    locustfile = tmp_path / "reader.py"
    locustfile.write_text(
        READER_LOCUSTFILE.replace("{LOGIN}", repr(LOGIN)).replace("{BOOK}", str(shelf.book["id"]))
    )

    assert shelf.compare(tmp_path, "/api/books/", "--locustfile", str(locustfile)) == 0

    report = _report(tmp_path)
    assert report["route"] == "/api/books/"
    monolith, lam = report["paths"]["monolith"], report["paths"]["lambda"]
    for stats in (monolith, lam):
        assert stats["requests"] > 0 and stats["failures"] == 0
        assert set(stats["status_counts"]) == {"200"}
    # the Lambda path's requests reached the function: it started, and it was billed
    assert lam["cold_starts"] >= 1 and lam["billed_ms_total"] > 0
    # its cold starts projected (host run-queue wait out), the report saying so
    assert lam["projected_init_duration_ms"]["count"] == lam["cold_starts_joined"] >= 1
    (run_dir,) = (tmp_path / "reports").iterdir()
    summary = (run_dir / "summary.md").read_text()
    assert "Lambda figures are projected" in summary
    assert report["host"]["samples"] >= 1
    assert ("**Host saturated.**" in summary) is report["host"]["saturated"]
    assert shelf.title() == "Dune (loaded)"
    assert_overhead_probed(run_dir, report, shelf.config.monolith.health_path)
    printed = capsys.readouterr().out
    overhead = report["paths"]["lambda"]["harness_overhead_ms"]
    assert f"({overhead['probes']:,} probes) |" in printed
    assert "| Latency p50 / p99 net of harness overhead |" in printed


def test_compare_without_a_locustfile_replays_the_routes_captured_traffic(
    shelf: Shelf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Requests sent through the gateway (with the reader's session cookie) are captured and
    replayed on both paths with their own headers: the PUT renames the book again."""
    gateway, book = shelf.status["gateway"], shelf.book["id"]
    code, _, cookie = send(gateway, "POST", "/accounts/login/", LOGIN)
    assert code == 200 and cookie
    assert send(gateway, "GET", "/api/books/", cookie=cookie)[0] == 200
    code, current, _ = send(gateway, "GET", f"/api/books/{book}/", cookie=cookie)
    assert code == 200
    renamed = current | {"title": "Dune (replayed)"}
    assert send(gateway, "PUT", f"/api/books/{book}/", renamed, cookie)[0] == 200
    shelf.retitle("Dune")  # what the replayed PUT changes back
    _wait_captured(shelf.config.run_dir / "traffic", "PUT", f"/api/books/{book}/")

    assert shelf.compare(tmp_path, "/api/books/") == 0
    assert "locust: 3 captured requests replayed" in " ".join(capsys.readouterr().err.split())

    report = _report(tmp_path)
    monolith, lam = report["paths"]["monolith"], report["paths"]["lambda"]
    for stats in (monolith, lam):
        assert stats["requests"] > 0 and stats["failures"] == 0
        assert set(stats["status_counts"]) == {"200"}
    assert lam["billed_ms_total"] > 0
    assert shelf.title() == "Dune (replayed)"


def test_compare_runs_variants_side_by_side_and_names_the_cheapest_meeting_the_objective(
    shelf: Shelf, tmp_path: Path
) -> None:
    """Two variants of shelf's function after the main run, each its own function in its own
    Lambda service, same load: a memory size and a pre-warm schedule (2 concurrent isPrewarm
    invokes as the run starts, then every minute, as a scheduled EventBridge rule fanning out
    to 2 invokes would send them). Pre-warm schedule price: AWS Lambda pricing page (requests
    and duration of every invoke; 730 h a month)."""
    locustfile = tmp_path / "reader.py"
    locustfile.write_text(
        READER_LOCUSTFILE.replace("{LOGIN}", repr(LOGIN)).replace("{BOOK}", str(shelf.book["id"]))
    )
    args = ["/api/books/", "--locustfile", str(locustfile), "--objective", "p99<=60s"]
    variants = ["--variant", "memory=1024", "--variant", "prewarm=2,every=1m"]
    assert shelf.compare(tmp_path, *args, *variants) == 0

    report = _report(tmp_path)
    lam = report["paths"]["lambda"]
    (run_dir,) = (tmp_path / "reports").iterdir()
    section = report["variants"]
    columns = {c["name"]: c for c in section["columns"]}
    assert list(columns) == ["configured", "m1024", "warm2x1m"]
    assert [c["memory_mb"] for c in columns.values()] == [1769, 1024, 1769]
    for column in columns.values():
        assert column["requests"] > 0 and column["failures"] == 0
        assert column["cost"]["usd_per_month"] > 0
    # the harness's own overhead, probed in each variant's run too
    assert columns["configured"]["harness_overhead_ms"] == lam["harness_overhead_ms"]
    for name in ("m1024", "warm2x1m"):
        assert_variant_probed(run_dir, columns[name])
    # each variant ran as its own function, same code, its own configuration
    meta = json.loads((run_dir / "variants" / "m1024" / "raw" / "meta.json").read_text())
    assert (meta["lambda"]["function"], meta["lambda"]["memory_mb"]) == ("shelf-m1024", 1024)
    # the pre-warm event came before the load: 2 cold sandboxes, billed apart from the load
    prewarm = (run_dir / "variants" / "warm2x1m" / "raw" / "prewarm_reports.jsonl").read_text()
    assert [json.loads(line)["init_ms"] is not None for line in prewarm.splitlines()][:2] == [
        True,
        True,
    ]
    warm = columns["warm2x1m"]
    assert warm["prewarm"] == {"sandboxes": 2, "every_min": 1.0}
    assert warm["cost"]["prewarm_invokes_per_month"] == 87_600  # 730 h x 60 min x 2
    # every column met a 60 s p99 without failures: the cheapest a month was chosen
    assert section["verdict"]["meeting"] == ["configured", "m1024", "warm2x1m"]
    cheapest = min(columns.values(), key=lambda c: c["cost"]["usd_per_month"])
    assert section["verdict"]["chosen"] == cheapest["name"]
    summary = (run_dir / "summary.md").read_text()
    assert f"**Which variant pays:** {section['verdict']['text']}" in summary.splitlines()
    assert "| Metric | Monolith | configured | m1024 | warm2x1m |" in summary.splitlines()
    assert (
        sum(line.startswith("| Harness overhead p50 / p99 |") for line in summary.splitlines()) == 2
    )
    page = (run_dir / "index.html").read_text()
    assert '<table id="variants">' in page and '<th class="num">warm2x1m</th>' in page
    # each variant's service was stopped after its run: none of its sandboxes is left
    assert _connections_named(shelf, "lambda:shelf-%") == 0


def _connections_named(shelf: Shelf, pattern: str) -> int:
    import psycopg

    from strangler.stack.state import read_state

    with psycopg.connect(read_state(shelf.config)["database"]) as db:
        row = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s", (pattern,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def _wait_captured(traffic: Path, method: str, raw_path: str) -> None:
    """Until the gateway's capture writer (a thread writing in batches) has written it."""
    deadline = time.monotonic() + 30
    while not any((r.method, r.raw_path) == (method, raw_path) for r in read_captured(traffic)):
        assert time.monotonic() < deadline, f"{method} {raw_path} never captured"
        time.sleep(0.05)


def test_nothing_to_send_exits_2_before_locust_starts_saying_what_to_do(
    shelf: Shelf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert shelf.compare(tmp_path, "/lending/loans/") == 2
    said = " ".join(capsys.readouterr().err.split())
    assert (
        f"no traffic captured for /lending/loans/: send some through the gateway "
        f"({shelf.status['gateway']}) or `strangler traffic import FILE.har`, or pass --locustfile"
    ) in said
    assert not (tmp_path / "reports").exists()  # no run was started

    idle = tmp_path / "idle.py"
    idle.write_text("from locust import HttpUser\n\n\nclass Idle(HttpUser):\n    pass\n")
    assert shelf.compare(tmp_path, "/api/books/", "--locustfile", str(idle)) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert f"Locust file {idle} has no user class with tasks for /api/books/" in said

    broken = tmp_path / "broken.py"
    broken.write_text("import locust_plugins_not_installed\n")
    assert shelf.compare(tmp_path, "/api/books/", "--locustfile", str(broken)) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert f"Locust file {broken} does not load:" in said
    assert "No module named 'locust_plugins_not_installed'" in said
    assert not (tmp_path / "reports").exists()


def test_loadtest_runs_the_users_own_locustfile_against_the_gateway(
    shelf: Shelf, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same Locust file, classes as they are, against the live gateway (which captures
    what it serves: the users' requests are there afterwards)."""
    locustfile = tmp_path / "reader.py"
    locustfile.write_text(
        READER_LOCUSTFILE.replace("{LOGIN}", repr(LOGIN)).replace("{BOOK}", str(shelf.book["id"]))
    )
    traffic = shelf.config.run_dir / "traffic"
    before = sum(1 for _ in read_captured(traffic))
    argv = ["--config", str(shelf.config.source), "loadtest", "--duration", "4s", "--users", "2"]

    assert main([*argv, "--locustfile", str(locustfile)]) == 0

    sent = {(r.method, r.raw_path, r.status) for r in list(read_captured(traffic))[before:]}
    assert {("POST", "/accounts/login/", 200), ("GET", "/api/books/", 200)} <= sent
    book = f"/api/books/{shelf.book['id']}/"
    assert sent <= {
        ("POST", "/accounts/login/", 200),
        ("GET", "/api/books/", 200),
        ("GET", book, 200),
        ("PUT", book, 200),
    }

    assert main(argv) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "strangler loadtest needs a Locust file: pass --locustfile PATH" in said


COUNTING_LOCUSTFILE = """
import os

from locust import HttpUser, constant_throughput, events, task

LEDGER = {LEDGER!r}


@events.request.add_listener
def _count(context=None, **_):
    # one line per request, written by the process that sent it
    with open(LEDGER, "a") as ledger:
        ledger.write(f"{os.getpid()} {(context or {}).get('path')}\\n")


class Browser(HttpUser):
    wait_time = constant_throughput(4)

    @task
    def books(self):
        self.client.get("/api/books/")
"""


def test_compare_with_two_workers_joining_its_locust_master(shelf: Shelf, tmp_path: Path) -> None:
    """Locust's distributed mode: `compare --expect-workers 2` runs no users itself; two
    `strangler worker` processes fetch its settings (the Locust file included), send the load,
    and the report counts exactly the requests the workers sent, per path (their histograms
    merged, not averaged)."""
    ledger = tmp_path / "ledger.txt"
    locustfile = tmp_path / "browser.py"
    locustfile.write_text(COUNTING_LOCUSTFILE.replace("{LEDGER!r}", repr(str(ledger))))
    port = free_port()
    config = ["--config", str(shelf.config.source)]
    worker = [sys.executable, "-m", "strangler", *config, "worker", "--master-host", "127.0.0.1"]
    workers = [
        subprocess.Popen([*worker, "--master-port", str(port), "--wait", "120"], cwd=tmp_path)
        for _ in range(2)
    ]
    try:
        assert (
            shelf.compare(
                tmp_path,
                "/api/books/",
                "--locustfile",
                str(locustfile),
                "--expect-workers",
                "2",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(port),
            )
            == 0
        )
        assert [proc.wait(60) for proc in workers] == [0, 0]
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    lines = [line.split() for line in ledger.read_text().splitlines()]
    senders = {pid for pid, _ in lines}
    assert len(senders) == 2 and str(os.getpid()) not in senders
    report = _report(tmp_path)
    for path in ("monolith", "lambda"):
        assert report["paths"][path]["requests"] == sum(1 for _, p in lines if p == path) > 0
        assert report["paths"][path]["failures"] == 0
