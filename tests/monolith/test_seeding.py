from __future__ import annotations

from monolith.wildrydes.seeding import SCATTER_DEG, SEATTLE, rider_usernames, unicorn_specs


def test_unicorn_names_are_unique_and_famous_first() -> None:
    specs = unicorn_specs(50)
    names = [spec.name for spec in specs]
    assert names[:3] == ["Shadowfax", "Rocinante", "Bucephalus"]
    assert "Shadowfax 2" in names
    assert len(set(names)) == 50


def test_a_smaller_fleet_is_a_prefix_of_a_larger_one() -> None:
    assert unicorn_specs(5) == unicorn_specs(60)[:5]
    assert unicorn_specs(7) == unicorn_specs(7)


def test_unicorns_are_scattered_around_seattle() -> None:
    specs = unicorn_specs(100)
    for spec in specs:
        assert abs(spec.location.lat - SEATTLE.lat) <= SCATTER_DEG
        assert abs(spec.location.lng - SEATTLE.lng) <= SCATTER_DEG
    assert len({spec.location for spec in specs}) == 100
    assert {spec.gender for spec in specs} == {"female", "male"}


def test_rider_usernames() -> None:
    assert rider_usernames(0) == ["demo"]
    assert rider_usernames(1000)[-1] == "rider-01000"
    assert rider_usernames(3) == ["demo", "rider-00001", "rider-00002", "rider-00003"]
