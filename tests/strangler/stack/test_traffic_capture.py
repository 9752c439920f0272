"""Traffic capture on the real stack, both projects: requests through the running gateway land
in ``<run_dir>/traffic/`` as sent (headers, cookies, bodies), and ``strangler traffic`` shows
them per route without a credential; HAR import and clear, with errors that change nothing."""

from __future__ import annotations

import http.client
import json
import stat
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strangler_core.config import load_config
from strangler_core.routes import Integration, Route, default_route_table, save_route_table
from strangler_core.traffic import capture_files, read_captured
from tests.strangler.stack_config import demo_token, shelf_config, stack_config

pytestmark = pytest.mark.stack

PASSWORD = "reader-password"


class Cli:
    def __init__(self, config: Path) -> None:
        self.argv = [sys.executable, "-m", "strangler", "--config", str(config)]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.argv, *args], capture_output=True, text=True, timeout=180)

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def summary(self) -> dict[str, Any]:
        return json.loads(self.ok("traffic", "--json"))


def send(
    gateway: str, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b""
) -> tuple[int, http.client.HTTPResponse, bytes]:
    """One request with exactly these headers, in this order (duplicates kept)."""
    parts = urllib.parse.urlsplit(gateway)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, response, response.read()
    finally:
        connection.close()


def _up(cli: Cli, run_dir: Path) -> dict[str, Any]:
    up = cli.run("up")
    assert up.returncode == 0, up.stderr
    assert f"gateway: capturing the requests it serves in {run_dir / 'traffic'}" in up.stderr
    return json.loads(cli.ok("status", "--json"))


@pytest.fixture(params=["wildrydes", "shelf"])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Cli, Path]]:
    """The project's CLI with its stack in ``tmp_path``; whatever is up is brought down."""
    if request.param == "wildrydes":
        stack_config(tmp_path)  # writes tmp_path/strangler.toml
    cli = Cli(
        tmp_path / "strangler.toml" if request.param == "wildrydes" else shelf_config(tmp_path)
    )
    try:
        yield cli, tmp_path
    finally:
        cli.run("down")


wildrydes = pytest.mark.parametrize("project", ["wildrydes"], indirect=True)
shelf = pytest.mark.parametrize("project", ["shelf"], indirect=True)


@wildrydes
def test_wildrydes_requests_through_the_gateway_are_captured_and_shown_redacted(
    project: tuple[Cli, Path],
) -> None:
    cli, tmp = project
    status = _up(cli, tmp / "run")
    gateway, token = status["gateway"], demo_token(load_config(tmp / "strangler.toml", environ={}))
    host = ("Host", urllib.parse.urlsplit(gateway).netloc)
    auth = ("Authorization", f"Bearer {token}")
    listed, _, _ = send(gateway, "GET", "/unicorns?limit=2&b=1", [host, auth, ("X-Tag", "a"),
                                                                  ("X-Tag", "b")])  # fmt: skip
    ride = json.dumps({"lat": 47.6, "lng": -122.3}).encode()
    created, _, _ = send(
        gateway, "POST", "/rides", [host, auth, ("Content-Type", "application/json")], ride
    )
    refused, _, _ = send(gateway, "GET", "/rides", [host])
    assert (listed, created, refused) == (200, 201, 401)
    cli.ok("down")  # the gateway writes what is left as it stops

    traffic = tmp / "run" / "traffic"
    records = [r for r in read_captured(traffic) if r.raw_path in ("/unicorns", "/rides")]
    assert [(r.method, r.target, r.status) for r in records] == [
        ("GET", "/unicorns?limit=2&b=1", 200),
        ("POST", "/rides", 201),
        ("GET", "/rides", 401),
    ]
    assert list(records[0].headers) == [host, auth, ("X-Tag", "a"), ("X-Tag", "b")]
    assert records[1].body == ride
    assert ("Content-Length", str(len(ride))) in records[1].headers
    assert stat.S_IMODE(traffic.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in capture_files(traffic)} == {0o600}

    summary = cli.summary()
    rows = {(r["route"], r["method"]): r for r in summary["routes"]}
    assert rows[("$default", "POST")]["count"] == 1
    assert rows[("$default", "POST")]["statuses"] == {"201": 1}
    assert rows[("$default", "GET")]["statuses"]["401"] == 1
    printed = [
        cli.ok("traffic"),
        cli.ok("traffic", "requests"),
        cli.ok("traffic", "requests", "--json"),
        cli.ok("traffic", "--json"),
    ]
    assert "Bearer <redacted>" not in printed[1]  # the whole value is replaced
    assert "Authorization: <redacted>" in printed[1]
    assert "X-Tag: a" in printed[1] and "X-Tag: b" in printed[1]
    logs = [p.read_text() for p in (tmp / "run" / "logs").glob("*") if p.is_file()]
    for text in printed + logs:
        assert token not in text


@shelf
def test_shelf_session_login_and_put_are_captured_as_sent_and_har_import_and_clear(
    project: tuple[Cli, Path],
) -> None:
    cli, tmp = project
    # a route of its own for book details, still to the monolith: captured under its route key
    details = Route("ANY /api/books/{id}", Integration.monolith())
    save_route_table(default_route_table().with_route(details), tmp / "routes.json")
    gateway = _up(cli, tmp / "run")["gateway"]
    host = ("Host", urllib.parse.urlsplit(gateway).netloc)
    json_type = ("Content-Type", "application/json")
    login = json.dumps({"username": "reader", "password": PASSWORD}).encode()
    status, answer, _ = send(gateway, "POST", "/accounts/login/", [host, json_type], login)
    assert status == 200
    session = answer.getheader("Set-Cookie", "").split(";", 1)[0]
    assert session.startswith("sessionid=")
    cookie = ("Cookie", session)
    author = json.dumps({"name": "Le Guin"}).encode()
    status, _, made = send(gateway, "POST", "/api/authors/", [host, cookie, json_type], author)
    assert status == 201
    book = {"title": "The Dispossessed", "isbn": "9780061054884", "copies_total": 2}
    book_body = json.dumps({**book, "author": json.loads(made)["id"]}).encode()
    status, _, made = send(gateway, "POST", "/api/books/", [host, cookie, json_type], book_body)
    assert status == 201
    book_id = json.loads(made)["id"]
    put = json.dumps({**book, "author": json.loads(made)["author"], "copies_total": 3}).encode()
    status, _, _ = send(gateway, "PUT", f"/api/books/{book_id}/", [host, json_type, cookie], put)
    assert status == 200
    cli.ok("down")

    traffic = tmp / "run" / "traffic"
    records = list(read_captured(traffic))
    sent = [(r.method, r.target, r.status, r.route_key) for r in records]
    assert sent[-4:] == [
        ("POST", "/accounts/login/", 200, "$default"),
        ("POST", "/api/authors/", 201, "$default"),
        ("POST", "/api/books/", 201, "$default"),
        ("PUT", f"/api/books/{book_id}/", 200, "ANY /api/books/{id}"),
    ]
    login_record, put_record = records[-4], records[-1]
    assert login_record.body == login
    assert put_record.body == put
    assert list(put_record.headers) == [
        host,
        json_type,
        cookie,
        ("Content-Length", str(len(put))),
    ]

    before = cli.summary()
    rows = {(r["route"], r["method"]): r for r in before["routes"]}
    assert rows[("ANY /api/books/{id}", "PUT")]["statuses"] == {"200": 1}
    assert rows[("$default", "POST")]["count"] == 3
    printed = [cli.ok("traffic"), cli.ok("traffic", "requests"), json.dumps(before)]
    printed.append(cli.ok("traffic", "requests", "--json"))
    secret = session.split("=", 1)[1]
    logs = [p.read_text() for p in (tmp / "run" / "logs").glob("*") if p.is_file()]
    for text in printed + logs:
        assert secret not in text and PASSWORD not in text
    assert "Cookie: <redacted>" in printed[1]

    # errors exit non-zero and change nothing
    files = {p: p.read_bytes() for p in capture_files(traffic)}
    (tmp / "broken.har").write_text('{"log": {"entries": [{"request": {"url": "/x"}}]}}')
    (tmp / "not.har").write_text("not json")
    for args in (
        ("traffic", "import", str(tmp / "missing.har")),
        ("traffic", "import", str(tmp / "broken.har")),
        ("traffic", "import", str(tmp / "not.har")),
        ("traffic", "import"),
        ("traffic", "wipe"),
    ):
        done = cli.run(*args)
        assert done.returncode != 0, args
        assert {p: p.read_bytes() for p in capture_files(traffic)} == files

    har = {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "startedDateTime": "2026-01-02T03:04:05.000Z",
                    "request": {
                        "method": "DELETE",
                        "url": f"http://shelf.example/api/books/{book_id}/?why=old",
                        "headers": [{"name": "Cookie", "value": session}],
                    },
                    "response": {"status": 204},
                },
                {
                    "startedDateTime": "2026-01-02T03:04:06.000Z",
                    "request": {
                        "method": "POST",
                        "url": "http://shelf.example/lending/loans/",
                        "headers": [
                            {"name": ":authority", "value": "shelf.example"},
                            {"name": "Cookie", "value": "sessionid=from-the-browser"},
                        ],
                        "postData": {"mimeType": "application/json", "text": '{"book": 1}'},
                    },
                    "response": {"status": 201},
                },
            ],
        }
    }
    (tmp / "browser.har").write_text(json.dumps(har))
    out = cli.ok("traffic", "import", str(tmp / "browser.har"))
    assert "imported 2 requests" in out
    imported = list(read_captured(traffic))[-2:]
    assert [(r.method, r.target, r.status, r.route_key) for r in imported] == [
        ("DELETE", f"/api/books/{book_id}/?why=old", 204, "ANY /api/books/{id}"),
        ("POST", "/lending/loans/", 201, "$default"),
    ]
    assert imported[1].body == b'{"book": 1}'
    after = {(r["route"], r["method"]): r for r in cli.summary()["routes"]}
    assert after[("ANY /api/books/{id}", "DELETE")]["first"] == "2026-01-02T03:04:05.000Z"
    assert cli.summary()["requests"] == before["requests"] + 2

    assert "removed" in cli.ok("traffic", "clear")
    assert capture_files(traffic) == []
    assert cli.summary() == {"directory": str(traffic), "requests": 0, "routes": []}
    assert "no captured traffic" in cli.ok("traffic")
