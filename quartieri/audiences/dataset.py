"""Read the shipped audience dataset (data/audiences/*.csv) into plain planner specs.

No Django here: the database loader, the benchmark and the model tests share it. The
database copy (editable in the admin) is what the web page and the CLI plan with.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from quartieri.audiences.specs import ChannelSpec, Figure, SegmentSpec, UsageRow

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "audiences"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _year(text: str) -> int | None:
    """'2021' -> 2021; an academic year '2021/22' -> 2021; '' -> None."""
    return int(text.split("/")[0]) if text else None


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def parse_bands(text: str) -> tuple[tuple[str, float], ...]:
    """'14-29' or '14-29:0.6;all:0.4' -> ((band, weight), ...)."""
    bands = []
    for part in _split(text) or ("all",):
        band, _, weight = part.partition(":")
        bands.append((band.strip(), float(weight) if weight else 1.0))
    return tuple(bands)


def read_usage(directory: Path = DATA_DIR) -> list[UsageRow]:
    return [
        UsageRow(
            country=row["country"],
            platform=row["channel"],
            age_band=row["age_band"],
            value_pct=float(row["value_pct"]),
            source=row["source"],
            year=int(row["year"]),
            verified=row["verified"],
        )
        for row in _read(directory / "platform_usage_by_age.csv")
        if row["metric"] == "users_pct"
    ]


def read_usage_rows(directory: Path = DATA_DIR) -> list[dict[str, str]]:
    return _read(directory / "platform_usage_by_age.csv")


def read_counts(directory: Path = DATA_DIR) -> list[dict[str, str]]:
    return _read(directory / "audience_counts.csv")


@dataclass(frozen=True)
class ChannelRow:
    slug: str
    name_en: str
    name_it: str
    platforms: tuple[str, ...]
    paid: bool
    owned: bool
    cost_model: str
    purposes: tuple[str, ...]
    owned_bases: tuple[str, ...]
    note: str
    figures: dict[str, Figure]


def read_channels(directory: Path = DATA_DIR) -> list[ChannelRow]:
    figures: dict[str, dict[str, Figure]] = defaultdict(dict)
    for row in _read(directory / "channel_figures.csv"):
        figures[row["channel"]][row["key"]] = Figure(
            float(row["value"]), row["source"], _year(row["year"]), row["note"]
        )
    return [
        ChannelRow(
            slug=row["slug"],
            name_en=row["name_en"],
            name_it=row["name_it"],
            platforms=_split(row["platforms"]),
            paid=row["paid"] == "yes",
            owned=row["owned"] == "yes",
            cost_model=row["cost_model"] or "cpm",
            purposes=_split(row["purposes"]),
            owned_bases=_split(row["owned_bases"]),
            note=row["note"],
            figures=figures.get(row["slug"], {}),
        )
        for row in _read(directory / "channels.csv")
    ]


@dataclass(frozen=True)
class SegmentRow:
    spec: SegmentSpec
    name_it: str
    size_unit: str
    size_note: str


def read_segments(directory: Path = DATA_DIR) -> list[SegmentRow]:
    rows = []
    for row in _read(directory / "segments.csv"):
        size = (
            Figure(
                float(row["size"]), row["size_source"], _year(row["size_year"]), row["size_note"]
            )
            if row["size"]
            else None
        )
        spec = SegmentSpec(
            slug=row["slug"],
            name=row["name_en"],
            size=size,
            base_slug=row["base"],
            contained_in=row["contained_in"],
            age_bands=parse_bands(row["age_bands"]),
            usage_country=row["usage_country"] or "IT",
            usage_fallback=row["usage_fallback"],
            languages=_split(row["languages"]),
            usage_note=row["usage_note"],
        )
        rows.append(
            SegmentRow(
                spec=spec,
                name_it=row["name_it"],
                size_unit=row["size_unit"],
                size_note=row["size_note"],
            )
        )
    return rows


def channel_specs(directory: Path = DATA_DIR) -> list[ChannelSpec]:
    return [
        ChannelSpec(
            slug=row.slug,
            name=row.name_en,
            platforms=row.platforms,
            paid=row.paid,
            owned=row.owned,
            cost_model=row.cost_model,
            purposes=row.purposes,
            owned_bases=row.owned_bases,
            figures=row.figures,
        )
        for row in read_channels(directory)
    ]


def segment_specs(directory: Path = DATA_DIR) -> dict[str, SegmentSpec]:
    return {row.spec.slug: row.spec for row in read_segments(directory)}
