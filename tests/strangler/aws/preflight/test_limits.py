"""The limits' arithmetic: Little's law, Lambda's scaling rate, RDS's default max_connections."""

from __future__ import annotations

import pytest

from strangler.aws.preflight.limits import (
    PreflightError,
    needed_concurrency,
    rds_default_max_connections,
    time_to_scale_s,
)


def test_arithmetic() -> None:
    assert needed_concurrency(1000, 0.05) == 50
    assert needed_concurrency(1000, 0.0501) == 51
    assert time_to_scale_s(0) == 0
    assert time_to_scale_s(1000) == 0
    assert time_to_scale_s(1001) == 10
    assert time_to_scale_s(3500) == 30
    assert time_to_scale_s(3500, warm=1500) == 10
    # LEAST(DBInstanceClassMemory/9531392, 5000), memory less the approximated OS reservation
    assert rds_default_max_connections("db.t3.micro") == int(1024**3 * 0.9) // 9_531_392 == 101
    assert rds_default_max_connections("db.m5.large") == 811
    assert rds_default_max_connections("db.r7g.xlarge") == 3244
    with pytest.raises(PreflightError, match="unknown instance class"):
        rds_default_max_connections("db.x99.huge")
