from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import model_validator

from strangler_core.errors import ConfigError
from strangler_core.model import InvalidKey, Items, Port, StrictModel, load, load_json_file


class Leg(StrictModel):
    port: Port
    weights: Items[float] = ()


class Trip(StrictModel):
    name: str
    legs: Items[Leg] = ()

    @model_validator(mode="after")
    def _named(self) -> Trip:
        if self.name == "nowhere" and self.legs:
            raise InvalidKey("legs", "must be empty for a trip to nowhere")
        return self


def test_lists_become_tuples_and_ints_pass_as_floats() -> None:
    trip = load(Trip, {"name": "a", "legs": [{"port": 1, "weights": [1, 2.5]}]}, "trip.json")
    assert trip.legs == (Leg(port=1, weights=(1.0, 2.5)),)
    assert isinstance(trip.legs[0].weights[0], float)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ({"name": "a", "legs": [{"port": "80"}]}, "legs[0].port: must be an integer, got '80'"),
        (
            {"name": "a", "legs": [{"port": 70000}]},
            "legs[0].port: 70000 is not a TCP port (0-65535; 0 picks a free one)",
        ),
        ({"name": "a", "legs": [{"port": 1, "colour": 1}]}, "legs[0].colour: unknown key"),
        ({"name": 1}, "name: must be a string, got 1"),
        ({"name": "a", "legs": {"port": 1}}, "legs: must be a list, got {'port': 1}"),
        ({}, "name: is required"),
        ({"name": "nowhere", "legs": [{"port": 1}]}, "legs: must be empty for a trip to nowhere"),
        ({"name": True}, "name: must be a string, got True"),
    ],
)
def test_errors_name_the_source_and_the_key(data: object, line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(Trip, data, "trip.json")
    assert str(caught.value) == f"trip.json: {line}"


def test_json_files_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "trip.json"
    with pytest.raises(ConfigError, match=f"{path}: cannot read"):
        load_json_file(Trip, path)
    path.write_text("{")
    with pytest.raises(ConfigError, match=f"{path}: not valid JSON"):
        load_json_file(Trip, path)
    path.write_text(json.dumps({"name": "a", "legs": [{"port": -1}]}))
    with pytest.raises(ConfigError, match=f"{path}: legs\\[0\\].port: -1 is not a TCP port"):
        load_json_file(Trip, path)
    trip = Trip(name="b", legs=(Leg(port=2),))
    path.write_text(trip.model_dump_json())
    assert load_json_file(Trip, path) == trip
