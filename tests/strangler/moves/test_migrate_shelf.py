"""Moving Django REST framework routes of shelf (trailing slashes, a router under include())
through the real stack: gateway, gunicorn, the Lambda service's sandboxes, PostgreSQL."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from strangler.moves.migrate import migrate
from strangler.stack.local import LocalStack
from strangler_core.config import Config, load_config
from strangler_core.errors import StranglerError
from tests.strangler.stack_config import shelf_config

pytestmark = pytest.mark.stack

Answer = tuple[int, str, str, Any]
"""status, who served it, Location, decoded JSON body (None when not JSON)."""


class Client:
    """One shelf user through the gateway: the session cookie of ``reader``, no redirects
    followed (a 301 is an answer to compare too)."""

    def __init__(self, gateway_url: str, target_header: str) -> None:
        self.url = gateway_url
        parsed = urllib.parse.urlsplit(gateway_url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.target_header = target_header
        self.cookie = ""

    def send(self, method: str, path: str, body: Any = None) -> Answer:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            if response.getheader("Set-Cookie", "").startswith("sessionid="):
                self.cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
            is_json = (response.getheader("Content-Type") or "").startswith("application/json")
            return (
                response.status,
                response.getheader(self.target_header, ""),
                response.getheader("Location", ""),
                json.loads(raw) if is_json and raw else None,
            )
        finally:
            connection.close()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, Client]]:
    config = load_config(shelf_config(tmp_path_factory.mktemp("shelf-migrate")), environ={})
    stack = LocalStack(config)
    try:
        status = stack.up()
        yield config, Client(status["gateway"], config.gateway.target_header)
    finally:
        stack.down()


# the client's paths, as Django writes them: list, detail, format suffixes, the 301 to the slash
PATHS = ("/api/books/", "/api/books/7/", "/api/books/7.json", "/api/books", "/api/")


def _raw_login_expecting_continue(client: Client) -> tuple[bytes, int, str]:
    """A login as curl sends it: ``Expect: 100-continue``, the body held back until asked."""
    body = json.dumps({"username": "reader", "password": "reader-password"}).encode()
    with socket.create_connection((client.host, client.port), timeout=30) as sock:
        sock.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: shelf\r\nContent-Type: application/json"
            b"\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body)
        )
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            interim += sock.recv(1)
        sock.sendall(body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        response.read()
        return interim, response.status, response.getheader("Set-Cookie", "")


def test_gateway_edges_against_gunicorn(running: tuple[Config, Client]) -> None:
    """The gateway's HTTP edges with the real monolith behind it (before any route moves).

    ``Expect: 100-continue`` (RFC 9110 §10.1.1): the gateway sends the 100, gunicorn gets no
    Expect, and the client Django's answer. A 1 MiB upload that DRF refuses before reading it
    (gunicorn then closes the connection, the body unread): every client gets that refusal,
    not aiohttp's 500 or a 503. Requests 2.0 s apart, gunicorn's keep-alive timeout: each is
    answered (the pool does not reuse a connection that old).
    """
    _, client = running
    interim, status, cookie = _raw_login_expecting_continue(client)
    assert (interim, status) == (b"HTTP/1.1 100 Continue\r\n\r\n", 200)
    assert cookie.startswith("sessionid=")

    anonymous = Client(client.url, client.target_header)
    upload = {"title": "x" * (1024 * 1024), "isbn": "9780000000999", "author": 1}
    refusals = [anonymous.send("POST", "/api/books/", upload)[:2] for _ in range(10)]
    assert refusals == [(403, "monolith")] * 10

    answers = [anonymous.send("GET", "/api/books/")[:2]]
    for _ in range(2):
        time.sleep(2.0)
        answers.append(anonymous.send("GET", "/api/books/")[:2])
    assert answers == [(200, "monolith")] * 3


def test_drf_routes_with_trailing_slashes_move_and_answer_as_the_monolith_did(
    running: tuple[Config, Client],
) -> None:
    """What HTTP API does with ``/api/books/`` and the ``include()``d router below it.

    AWS, "Create routes for HTTP APIs in API Gateway" (docs.aws.amazon.com/apigateway/latest/
    developerguide/http-api-develop-routes.html): ``{proxy+}`` catches all child resources of a
    route; route keys cannot end in "/" (aws-cdk#13981), and a request with a trailing slash is
    routed to the route without it (observed, aws-powertools/powertools-lambda-python#1552). The
    function gets ``rawPath`` as the client sent it, so Django routes ``/api/books/7/`` itself.
    X-Forwarded-For/-Port/-Proto: an event captured from a deployed HTTP API carries all three
    (X-Forwarded-Port 443, X-Forwarded-Proto https: gist.github.com/metaskills/
    1eee9da3baaa5df9ac8426cc5fe12ca0, "Sample API Gateway HTTP API Version 1 Event"); the local
    gateway is plain HTTP, so it sends ``http`` and its own port, and DRF's router root (Mangum
    takes the scheme from X-Forwarded-Proto) links http:// URLs on both paths.
    """
    config, client = running
    login = {"username": "reader", "password": "reader-password"}
    assert client.send("POST", "/accounts/login/", login)[0] == 200
    author = client.send("POST", "/api/authors/", {"name": "Ursula K. Le Guin"})[3]
    ids = [
        client.send(
            "POST",
            "/api/books/",
            {"title": f"Book {n}", "isbn": f"97800000000{n:02d}", "author": author["id"]},
        )[3]["id"]
        for n in range(7)
    ]
    assert 7 in ids
    before = {path: client.send("GET", path) for path in PATHS}
    assert {path: answer[1] for path, answer in before.items()} == dict.fromkeys(PATHS, "monolith")
    assert before["/api/books"][0] == 301 and before["/api/books"][2] == "/api/books/"

    books = migrate(config, "/api/books/")
    assert books.route_keys == ("ANY /api/books", "ANY /api/books/{proxy+}")
    # the router root links to the host it was asked on: the gateway's HTTP_PROXY names the
    # monolith in Host, a function's event the client's; parity sees it and refuses
    with pytest.raises(StranglerError, match=r"GET /api/: the answers differ"):
        migrate(config, "/api/")
    root = migrate(config, "/api/", force=True)
    assert root.route_keys == ("ANY /api", "ANY /api/{proxy+}")

    after = {path: client.send("GET", path) for path in PATHS}
    assert {path: answer[1] for path, answer in after.items()} == dict.fromkeys(PATHS, "lambda")
    for path in PATHS[:-1]:
        status, _, location, body = after[path]
        assert (status, location, body) == (before[path][0], before[path][2], before[path][3]), path
    # the router root's links: http://, as the client called it. The HTTP_PROXY integration
    # names the upstream in Host, so the monolith links to itself; the function's event carries
    # the client's Host, so its links point at the gateway
    names = ("authors", "books")
    assert (after["/api/"][0], after["/api/"][2]) == (before["/api/"][0], before["/api/"][2])
    assert after["/api/"][3] == {name: f"{client.url}/api/{name}/" for name in names}
    monolith_links = before["/api/"][3]
    assert all(monolith_links[n].startswith("http://") for n in names), monolith_links
    assert all(monolith_links[n].endswith(f"/api/{n}/") for n in names), monolith_links
    # writes with trailing slashes reach the function too, and Django answers them
    put = client.send("PUT", "/api/books/7/", {**before["/api/books/7/"][3], "title": "Moved"})
    assert put[:2] == (200, "lambda") and put[3]["title"] == "Moved"


def test_a_route_given_without_its_slash_is_the_same_route(running: tuple[Config, Client]) -> None:
    config, _ = running
    moved = migrate(config, "/lending/loans")
    assert moved.route_keys == ("ANY /lending/loans", "ANY /lending/loans/{proxy+}")
