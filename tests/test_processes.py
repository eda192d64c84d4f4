"""The process tests' helper: how long a fresh platform's ``migrate`` may take."""

from __future__ import annotations

import pytest

from tests.processes import MIGRATE_TIMEOUT_VARIABLE, migrate_timeout


def test_migrate_gets_well_over_the_two_minutes_a_loaded_machine_ran_out_of():
    assert migrate_timeout({}) >= 600


def test_the_environment_raises_the_migrate_ceiling():
    assert migrate_timeout({MIGRATE_TIMEOUT_VARIABLE: "1800"}) == 1800


@pytest.mark.parametrize("raw", ["ten", "0", "-5"])
def test_a_migrate_ceiling_that_is_no_number_of_seconds_is_named(raw):
    with pytest.raises(pytest.UsageError, match=f"{MIGRATE_TIMEOUT_VARIABLE}='{raw}'"):
        migrate_timeout({MIGRATE_TIMEOUT_VARIABLE: raw})
