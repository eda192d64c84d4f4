from __future__ import annotations

import json
from typing import Any

import pytest

from quartieri.audiences.services import catalogue_load


@pytest.fixture
def catalogue(db: None) -> None:
    """The shipped catalogue, loaded into the test database."""
    catalogue_load(actor=None)


# The planner form's fields as a browser posts them (test_views, test_saved, test_sentences).
def scenario(prefix: str = "a", **values: Any) -> dict[str, Any]:
    data = {
        f"{prefix}-audiences": ["international-students"],
        f"{prefix}-budget": "10000",
        f"{prefix}-weeks": "8",
        f"{prefix}-hours_per_week": "10",
        f"{prefix}-objective": "reach",
        f"{prefix}-min_frequency": "3",
    }
    data.update({f"{prefix}-{k}": v for k, v in values.items()})
    return data


def save_data(name: str = "Spring plan", campaign: str = "Milano quartieri 2021") -> dict[str, str]:
    inputs: dict[str, Any] = {
        "audiences": ["international-students"],
        "budget": 10000,
        "weeks": 8,
        "hours_per_week": 10,
        "objective": "reach",
        "min_frequency": 3,
        "purpose": "",
        "channels": [],
        "year": None,
    }
    return {
        "scenario": "a",
        "save-a-name": name,
        "save-a-campaign": campaign,
        "save-a-inputs": json.dumps(inputs),
    }
