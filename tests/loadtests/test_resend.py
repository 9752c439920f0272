"""What a replayed captured request resends: its own headers, but the connection's."""

from __future__ import annotations

from loadtests.resend import replayed
from strangler_core.traffic import captured


def test_own_headers_are_resent_and_repeated_names_joined_as_their_syntax_allows() -> None:
    record = captured(
        time=0.0,
        method="PUT",
        target="/api/books/7/?format=json",
        headers=[
            ("Host", "127.0.0.1:8080"),
            ("Cookie", "sessionid=abc"),
            ("Accept", "application/json"),
            ("Cookie", "theme=dark"),
            ("Content-Length", "2"),
            ("Connection", "keep-alive"),
            ("Accept", "text/html"),
        ],
        body=b"{}",
        status=200,
    )
    (request,) = replayed([record])
    assert (request.method, request.target, request.body) == (
        "PUT",
        "/api/books/7/?format=json",
        b"{}",
    )
    # RFC 6265 5.4: one Cookie header, pairs joined by "; "; RFC 9110 5.3: a list by ", "
    assert request.headers == {
        "Cookie": "sessionid=abc; theme=dark",
        "Accept": "application/json, text/html",
    }
