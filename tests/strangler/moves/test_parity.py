from __future__ import annotations

import json
from typing import Any

import pytest

from strangler.moves.parity import (
    DEFAULT_IGNORED,
    Difference,
    IgnoreRules,
    Observed,
    compare,
    media_type,
    render_diff,
)

RIDES: dict[str, Any] = {
    "count": 3,
    "results": [
        {"id": 1, "unicorn": "Shadowfax", "fare": 12.5, "requested_at": "2026-11-23T14:00:00Z"},
        {"id": 2, "unicorn": "Bucephalus", "fare": 8.0, "requested_at": "2026-11-23T14:01:00Z"},
        {"id": 3, "unicorn": "Rocinante", "fare": 21.25, "requested_at": "2026-11-23T14:02:00Z"},
    ],
}


def json_response(data: Any, status: int = 200, content_type: str = "application/json") -> Observed:
    return Observed(status, content_type, json.dumps(data).encode())


def with_result(index: int, **changes: Any) -> dict[str, Any]:
    results = [dict(r) for r in RIDES["results"]]
    results[index].update(changes)
    return {**RIDES, "results": results}


def test_equal_json_has_no_differences() -> None:
    # key order and whitespace are serialisation details, not differences
    reordered = json.dumps(RIDES, indent=4, sort_keys=True).encode()
    lam = Observed(200, "application/json", reordered)
    assert compare(json_response(RIDES), lam, IgnoreRules()) == []


def test_status_differs() -> None:
    diffs = compare(json_response(RIDES), json_response(RIDES, status=500), IgnoreRules())
    assert diffs == [Difference("(status)", "200", "500")]


def test_content_type_parameters_and_case_do_not_count() -> None:
    mono = json_response(RIDES, content_type="application/json")
    lam = json_response(RIDES, content_type="Application/JSON; charset=utf-8")
    assert compare(mono, lam, IgnoreRules()) == []


def test_content_type_differs() -> None:
    mono = Observed(200, "text/html; charset=utf-8", b"<p>hi</p>")
    lam = Observed(200, "text/plain", b"<p>hi</p>")
    assert compare(mono, lam, IgnoreRules()) == [
        Difference("(content-type)", "text/html; charset=utf-8", "text/plain")
    ]
    assert compare(mono, Observed(200, None, b"<p>hi</p>"), IgnoreRules()) == [
        Difference("(content-type)", "text/html; charset=utf-8", "<missing>")
    ]


def test_an_empty_answer_has_no_content_type_to_compare() -> None:
    no_content = Observed(204, None, b"")
    assert compare(no_content, Observed(204, "application/json", b""), IgnoreRules()) == []
    assert compare(no_content, Observed(200, "application/json", b"{}"), IgnoreRules()) == [
        Difference("(status)", "204", "200"),
        Difference("(content-type)", "<missing>", "application/json"),
        Difference("(body) byte 0", "b'' (0 bytes)", "b'{}' (2 bytes)"),
    ]


def test_a_head_answer_compares_status_and_content_type_but_not_its_body() -> None:
    """RFC 9110 §9.3.2: a server answers HEAD as it would GET, without the content. gunicorn
    sends none; the function's answer (Mangum) carries Django's GET body."""
    monolith = Observed(200, "application/json", b"")
    lam = json_response(RIDES)
    assert compare(monolith, lam, IgnoreRules(), head=True) == []
    assert compare(monolith, Observed(200, "text/html", b""), IgnoreRules(), head=True) == [
        Difference("(content-type)", "application/json", "text/html")
    ]
    assert compare(monolith, json_response(RIDES, status=404), IgnoreRules(), head=True) == [
        Difference("(status)", "200", "404")
    ]
    # no content: nothing typed to compare, as for any 204
    no_content = Observed(204, None, b"")
    assert (
        compare(no_content, Observed(204, "application/json", b""), IgnoreRules(), head=True) == []
    )
    # a GET's empty body against a JSON one is still a difference
    assert compare(monolith, lam, IgnoreRules()) != []


def test_ignored_timestamp_differs_but_is_equal() -> None:
    lam = json_response(with_result(1, requested_at="2026-11-23T15:30:00Z"))
    assert compare(json_response(RIDES), lam, IgnoreRules()) == []
    # with no rules the same responses differ
    assert compare(json_response(RIDES), lam, IgnoreRules(())) == [
        Difference("results.1.requested_at", '"2026-11-23T14:01:00Z"', '"2026-11-23T15:30:00Z"')
    ]


def test_ids_are_compared_by_default_and_ignored_on_request() -> None:
    lam = json_response(with_result(0, id=99))
    assert compare(json_response(RIDES), lam, IgnoreRules()) == [
        Difference("results.0.id", "1", "99")
    ]
    assert compare(json_response(RIDES), lam, IgnoreRules().with_patterns(["**.id"])) == []


def test_nested_list_element_differs() -> None:
    lam = json_response(with_result(2, fare=21.5))
    assert compare(json_response(RIDES), lam, IgnoreRules()) == [
        Difference("results.2.fare", "21.25", "21.5")
    ]


def test_types_and_floats_compare_exactly() -> None:
    cases = [(1, 1.0), (1, True), (0, None), (0.1 + 0.2, 0.3), ("1", 1)]
    for mono, lam in cases:
        diffs = compare(json_response({"v": mono}), json_response({"v": lam}), IgnoreRules())
        assert [d.path for d in diffs] == ["v"], (mono, lam)
    nan = Observed(200, "application/json", b'{"v": NaN}')
    assert compare(nan, nan, IgnoreRules()) == []


def test_missing_keys_and_list_elements() -> None:
    mono = {"a": 1, "b": {"c": 2}, "items": [1, 2, 3]}
    lam = {"a": 1, "b": {"d": 2}, "items": [1, 2]}
    assert compare(json_response(mono), json_response(lam), IgnoreRules()) == [
        Difference("b.c", "2", "<missing>"),
        Difference("b.d", "<missing>", "2"),
        Difference("items.2", "3", "<missing>"),
    ]


def test_ignored_key_must_still_be_present() -> None:
    mono = {"ride": {"requested_at": "2026-11-23T14:00:00Z"}}
    diffs = compare(json_response(mono), json_response({"ride": {}}), IgnoreRules())
    assert diffs == [Difference("ride.requested_at", '"2026-11-23T14:00:00Z"', "<missing>")]


def test_root_type_mismatch() -> None:
    diffs = compare(json_response([1]), json_response({"a": 1}), IgnoreRules())
    assert diffs == [Difference("(body)", "[1]", '{"a": 1}')]


def test_non_json_body_compares_bytes_at_first_difference() -> None:
    page = b"<html>" + b"x" * 200 + b"<b>Shadowfax</b></html>"
    other = page.replace(b"Shadowfax", b"Rocinante")
    mono, lam = Observed(200, "text/html", page), Observed(200, "text/html", other)
    assert compare(mono, Observed(200, "text/html", page), IgnoreRules()) == []
    [diff] = compare(mono, lam, IgnoreRules())
    assert diff.path == "(body) byte 209"
    assert "Shadowfax" in diff.monolith and "Rocinante" in diff.lambda_
    assert diff.monolith.startswith("…") and diff.monolith.endswith(f"({len(page)} bytes)")


def test_body_that_is_a_prefix_of_the_other() -> None:
    [diff] = compare(Observed(200, None, b"abc"), Observed(200, None, b"abcdef"), IgnoreRules())
    assert diff == Difference("(body) byte 3", "b'abc' (3 bytes)", "b'abcdef' (6 bytes)")


def test_declared_json_that_does_not_parse_falls_back_to_bytes() -> None:
    mono = Observed(204, "application/json", b"")
    assert compare(mono, Observed(204, "application/json", b""), IgnoreRules()) == []
    [diff] = compare(mono, Observed(204, "application/json", b"{}"), IgnoreRules())
    assert diff.path == "(body) byte 0"


def test_json_media_types() -> None:
    problem = "application/problem+json"
    mono = Observed(400, problem, b'{"title": "bad", "timestamp": 1}')
    lam = Observed(400, problem, b'{"timestamp": 2, "title": "bad"}')
    assert compare(mono, lam, IgnoreRules()) == []
    # text/plain bodies are compared byte for byte even when they happen to be JSON
    spaced, compact = (
        Observed(200, "text/plain", b'{"a": 1}'),
        Observed(200, "text/plain", b'{"a":1}'),
    )
    assert compare(spaced, compact, IgnoreRules()) != []


@pytest.mark.parametrize(
    ("pattern", "path", "ignored"),
    [
        ("id", "id", True),
        ("id", "ride.id", False),
        ("results.*.id", "results.0.id", True),
        ("results.*.id", "results.0.rider.id", False),
        ("results.*.id", "results.id", False),
        ("*.requested_at", "ride.requested_at", True),
        ("*.requested_at", "requested_at", False),
        ("*.requested_at", "a.b.requested_at", False),
        ("**.requested_at", "requested_at", True),
        ("**.requested_at", "ride.requested_at", True),
        ("**.requested_at", "results.7.ride.requested_at", True),
        ("**.requested_at", "requested_at.value", False),
        ("ride.**", "ride.unicorn.name", True),
        ("ride.**", "rides.unicorn", False),
        ("a.**.z", "a.z", True),
        ("a.**.z", "a.b.c.z", True),
        ("a.**.z", "a.b.c", False),
        ("*", "anything", True),
        ("*", "a.b", False),
    ],
)
def test_wildcards(pattern: str, path: str, ignored: bool) -> None:
    assert IgnoreRules((pattern,)).ignores(path.split(".")) is ignored


def test_default_rules_ignore_timestamps_only() -> None:
    rules = IgnoreRules()
    assert rules.patterns == DEFAULT_IGNORED
    assert rules.ignores(["results", "0", "completed_at"])
    assert rules.ignores(["timestamp"])
    assert not rules.ignores(["results", "0", "id"])


def test_bad_pattern_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty segment"):
        IgnoreRules(("results..id",))


def test_media_type() -> None:
    assert media_type("Application/JSON ; charset=UTF-8") == "application/json"
    assert media_type(None) is None


def test_render_diff_aligns_columns() -> None:
    diffs = [
        Difference("(status)", "200", "500"),
        Difference("results.2.fare", "21.25", "<missing>"),
    ]
    assert render_diff(diffs).splitlines() == [
        "path            monolith  lambda",
        "(status)        200       500",
        "results.2.fare  21.25     <missing>",
    ]


def test_render_diff_truncates_long_values_and_paths() -> None:
    long_path = ".".join(["level"] * 20) + ".fare"
    diffs = [Difference(long_path, "x" * 500, "y" * 500)]
    header, line = render_diff(diffs, width=30).splitlines()
    path, mono, lam = line.split("  ")
    assert path == "…" + long_path[-29:] and path.endswith(".fare")
    assert mono == "x" * 29 + "…"
    assert lam == "y" * 29 + "…"
    assert header.startswith("path" + " " * 28 + "monolith")


def test_render_diff_of_nothing_is_empty() -> None:
    assert render_diff([]) == ""


def test_difference_values_are_short() -> None:
    mono = {"notes": "n" * 1000}
    [diff] = compare(json_response(mono), json_response({"notes": "m"}), IgnoreRules())
    assert len(diff.monolith) == 120 and diff.monolith.endswith("…")
