from __future__ import annotations

from typing import Any

import pytest

from monolith.wildrydes.errors import InvalidField, InvalidJson
from monolith.wildrydes.geo import Point
from monolith.wildrydes.validation import (
    PageRequest,
    parse_bool_param,
    parse_json_object,
    parse_page_request,
    parse_pickup,
)


def test_json_object_is_parsed() -> None:
    assert parse_json_object(b'{"lat": 1}') == {"lat": 1}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"lat"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
    ],
)
def test_bad_bodies_are_invalid_json(body: bytes, message: str) -> None:
    with pytest.raises(InvalidJson, match=message):
        parse_json_object(body)


def test_pickup_accepts_floats_and_integers() -> None:
    assert parse_pickup({"lat": 47.61, "lng": -122}) == Point(47.61, -122.0)
    assert parse_pickup({"lat": -90, "lng": 180}) == Point(-90.0, 180.0)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"lng": 0}, "lat", "lat is required"),
        ({"lat": 0}, "lng", "lng is required"),
        ({"lat": "47.6", "lng": 0}, "lat", "must be a number"),
        ({"lat": True, "lng": 0}, "lat", "must be a number"),
        ({"lat": None, "lng": 0}, "lat", "must be a number"),
        ({"lat": [1], "lng": 0}, "lat", "must be a number"),
        ({"lat": float("nan"), "lng": 0}, "lat", "finite"),
        ({"lat": 0, "lng": float("inf")}, "lng", "finite"),
        ({"lat": 90.0001, "lng": 0}, "lat", "between -90 and 90"),
        ({"lat": 0, "lng": -180.5}, "lng", "between -180 and 180"),
        ({"lat": 10**400, "lng": 0}, "lat", "between -90 and 90"),
    ],
)
def test_bad_coordinates_name_the_field(data: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidField, match=message) as caught:
        parse_pickup(data)
    assert caught.value.field == field


@pytest.mark.parametrize(("raw", "value"), [(None, None), ("true", True), ("FALSE", False)])
def test_bool_param(raw: str | None, value: bool | None) -> None:
    assert parse_bool_param(raw, "available") is value


@pytest.mark.parametrize("raw", ["", "yes", "1", "truee"])
def test_bad_bool_param_names_the_field(raw: str) -> None:
    with pytest.raises(InvalidField) as caught:
        parse_bool_param(raw, "available")
    assert caught.value.field == "available"


def test_page_request_defaults_and_offset() -> None:
    assert parse_page_request(None, None) == PageRequest(page=1, page_size=20)
    assert parse_page_request("3", "100").offset == 200


@pytest.mark.parametrize(
    ("page", "page_size", "field"),
    [
        ("0", None, "page"),
        ("-1", None, "page"),
        ("abc", None, "page"),
        ("1.5", None, "page"),
        ("", None, "page"),
        ("\u0663", None, "page"),  # ARABIC-INDIC DIGIT THREE: isdigit(), but not for us
        ("9" * 5000, None, "page"),
        ("1000001", None, "page"),
        (None, "0", "page_size"),
        (None, "101", "page_size"),
        (None, " 5", "page_size"),
    ],
)
def test_bad_page_values_name_the_field(
    page: str | None, page_size: str | None, field: str
) -> None:
    with pytest.raises(InvalidField) as caught:
        parse_page_request(page, page_size)
    assert caught.value.field == field
