"""Request input (JSON bodies, query strings) parsed into typed values, or errors naming a field."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from monolith.wildrydes.errors import InvalidField, InvalidJson
from monolith.wildrydes.geo import Point

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Far beyond any rider's history, and keeps OFFSET within PostgreSQL's bigint.
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:  # covers JSONDecodeError and bodies that are not UTF-8
        raise InvalidJson("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidJson("the request body must be a JSON object")
    return data


def parse_coordinate(data: dict[str, Any], field: str, limit: float) -> float:
    if field not in data:
        raise InvalidField(field, f"{field} is required")
    value = data[field]
    # bool is an int subclass in Python, but true is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidField(field, f"{field} must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidField(field, f"{field} must be a finite number")
    # Compared before float() so that a huge JSON integer cannot overflow.
    if not -limit <= value <= limit:
        raise InvalidField(field, f"{field} must be between {-limit:g} and {limit:g}")
    return float(value)


def parse_pickup(data: dict[str, Any]) -> Point:
    return Point(lat=parse_coordinate(data, "lat", 90), lng=parse_coordinate(data, "lng", 180))


def parse_bool_param(raw: str | None, field: str) -> bool | None:
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise InvalidField(field, f"{field} must be true or false")


def parse_int_param(raw: str | None, field: str, default: int, maximum: int) -> int:
    if raw is None:
        return default
    message = f"{field} must be an integer between 1 and {maximum}"
    # The length check keeps int() away from arbitrarily long digit strings.
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        raise InvalidField(field, message)
    value = int(raw)
    if not 1 <= value <= maximum:
        raise InvalidField(field, message)
    return value


def parse_page_request(page: str | None, page_size: str | None) -> PageRequest:
    return PageRequest(
        page=parse_int_param(page, "page", 1, MAX_PAGE),
        page_size=parse_int_param(page_size, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )
