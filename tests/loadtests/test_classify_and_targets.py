from __future__ import annotations

import pytest

from loadtests.classify import error_class
from loadtests.targets import check_target
from strangler_core.errors import ConfigError


@pytest.mark.parametrize(
    ("status", "body", "target", "expected"),
    [
        (200, b"{}", "lambda", None),
        (201, b"{}", "monolith", None),
        (429, b'{"message":"Too Many Requests"}', "lambda", "gateway_throttle"),
        (500, b'{"message":"Internal Server Error"}', "lambda", "lambda_throttle"),
        (502, b'{"message":"Internal Server Error"}', "lambda", "function_error"),
        (503, b'{"message":"Service Unavailable"}', "lambda", "timeout"),
        (503, b'{"error": "no_unicorn_available"}', "monolith", "other"),
        (500, b'{"error": "internal_error"}', "monolith", "other"),
        (404, b'{"error": "not_found"}', "lambda", "other"),
    ],
)
def test_error_classes(status: int, body: bytes, target: str, expected: str | None) -> None:
    assert error_class(status, body, target) == expected


def test_the_applications_own_answers_are_not_errors() -> None:
    """A profile's expected answer (status and a marker in the body) is not a failure."""
    expected = [(503, b"sold_out")]
    assert error_class(503, b'{"error": "sold_out"}', "monolith", expected) is None
    assert error_class(503, b'{"error": "sold_out"}', "lambda", expected) is None
    assert error_class(503, b'{"message":"Service Unavailable"}', "lambda", expected) == "timeout"
    assert error_class(500, b'{"error": "sold_out"}', "monolith", expected) == "other"


def test_expected_answers_come_from_the_environment() -> None:
    from loadtests.settings import EXPECTED_ANSWERS, from_environment

    settings = from_environment({EXPECTED_ANSWERS: "503:sold_out\n409:a:b\n"})
    assert settings.expected_answers == ((503, b"sold_out"), (409, b"a:b"))
    assert from_environment({}).expected_answers == ()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:8000/x", "http://[::1]:8080"]
)
def test_loopback_targets_are_allowed(url: str) -> None:
    check_target(url, allow_remote=False)


def test_remote_targets_need_an_explicit_allow() -> None:
    with pytest.raises(ConfigError, match="refusing to send load"):
        check_target("https://api.example.com", allow_remote=False)
    check_target("https://api.example.com", allow_remote=True)
    with pytest.raises(ConfigError, match="not an http"):
        check_target("ftp://127.0.0.1", allow_remote=True)
