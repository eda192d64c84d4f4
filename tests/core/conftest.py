"""The whole demo, as ``quartieri demo`` loads it, for the tests that walk the staff app on it
(the crawl, the newcomer's end-to-end path, axe-core on every page type)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from quartieri.core.navigation import app_modules


def demo_load() -> None:
    """Every app's demo in the order the command runs them (DEMO_AFTER_OTHERS last)."""
    console = Console(file=io.StringIO())
    steps = sorted(app_modules("demo"), key=lambda m: getattr(m, "DEMO_AFTER_OTHERS", False))
    for module in steps:
        module.load(console=console, from_today=False)


@pytest.fixture
def demo(db: None, settings: Any, tmp_path: Any) -> None:
    """The whole demo (the sandbox marker kept in tmp_path)."""
    settings.SANDBOX_MARKER = tmp_path / "sandbox"
    demo_load()
