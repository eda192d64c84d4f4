"""Demo: the audience catalogue from the shipped dataset (idempotent)."""

from __future__ import annotations

from rich.console import Console

from quartieri.audiences.services import catalogue_load


def load(*, console: Console, from_today: bool) -> None:
    report = catalogue_load(actor=None)
    console.print(f"Audiences: catalogue loaded ({report.created} new rows).")
