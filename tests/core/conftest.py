"""The whole demo, as ``quartieri demo`` loads it, for the tests that walk the staff app on it
(the crawl, the newcomer's end-to-end path, axe-core on every page type)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from quartieri.core.demo import demo_run


def demo_load() -> None:
    """Every app's demo as the command runs them, its lines kept out of the test's output."""
    demo_run(console=Console(file=io.StringIO()), from_today=False)


@pytest.fixture
def demo(db: None, settings: Any, tmp_path: Any) -> None:
    """The whole demo (the sandbox marker kept in tmp_path)."""
    settings.SANDBOX_MARKER = tmp_path / "sandbox"
    demo_load()
