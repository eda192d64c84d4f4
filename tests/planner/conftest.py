from __future__ import annotations

import pytest

from quartieri.audiences.services import catalogue_load


@pytest.fixture
def catalogue(db: None) -> None:
    """The shipped catalogue, loaded into the test database."""
    catalogue_load(actor=None)
