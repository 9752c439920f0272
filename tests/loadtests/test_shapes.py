from __future__ import annotations

import pytest

from loadtests.shapes import Stage, stage_at, stages_for, users_for_rps


def test_steady_holds_one_level() -> None:
    assert stages_for("steady", 20, 60) == (Stage(60, 20, 20.0),)


def test_ramp_climbs_in_equal_steps() -> None:
    stages = stages_for("ramp", 50, 100)
    assert [s.users for s in stages] == [10, 20, 30, 40, 50]
    assert [s.until_s for s in stages] == [20, 40, 60, 80, 100]


def test_spike_is_a_sudden_tenfold() -> None:
    base, surge, after = stages_for("spike", 10, 100)
    assert (base.users, surge.users, after.users) == (10, 100, 10)
    assert surge.spawn_rate == 100  # all at once
    assert (base.until_s, surge.until_s, after.until_s) == (40, 60, 100)


def test_prescale_ramps_to_the_peak_then_holds_it() -> None:
    stages = stages_for("prescale", 60, 100)
    assert stages[-1] == Stage(100, 60, 60.0)
    assert max(s.users for s in stages) == 60
    assert [s.users for s in stages] == sorted(s.users for s in stages)


def test_stage_at_walks_the_table_and_ends() -> None:
    stages = stages_for("ramp", 50, 100)
    assert stage_at(stages, 0).users == 10  # type: ignore[union-attr]
    assert stage_at(stages, 59.9).users == 30  # type: ignore[union-attr]
    assert stage_at(stages, 100) is None


def test_peak_rps_to_users() -> None:
    assert users_for_rps(250, 1.0) == 250
    assert users_for_rps(10, 3.0) == 4


@pytest.mark.parametrize(("scenario", "users"), [("surge", 10), ("steady", 0)])
def test_bad_scenarios(scenario: str, users: int) -> None:
    with pytest.raises(ValueError):
        stages_for(scenario, users, 60)
