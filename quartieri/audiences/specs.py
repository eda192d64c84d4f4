"""The catalogue as the planner reads it: channels, segments, usage figures, each figure
with its source and year (a figure without a source is an assumption).

Plain frozen dataclasses, no Django: ``selectors.catalogue_get`` and ``dataset`` make them
from the database rows or the shipped files, and ``planner.build`` turns them into the
optimiser's arrays. They live here, with the data they describe, so the planner depends on
the audiences app and never the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    value: float
    source: str = ""
    year: int | None = None
    note: str = ""

    @property
    def assumption(self) -> bool:
        return not self.source


@dataclass(frozen=True)
class UsageRow:
    country: str
    platform: str
    age_band: str
    value_pct: float
    source: str
    year: int
    verified: str = "yes"

    @property
    def publisher(self) -> str:
        return self.source.split()[0] if self.source else ""


@dataclass(frozen=True)
class ChannelSpec:
    slug: str
    name: str
    platforms: tuple[str, ...] = ()
    paid: bool = False
    owned: bool = False
    cost_model: str = "cpm"  # cpm | unit
    purposes: tuple[str, ...] = ()
    owned_bases: tuple[str, ...] = ()
    figures: Mapping[str, Figure] = field(default_factory=dict)

    def figure(self, key: str) -> Figure | None:
        return self.figures.get(key)


@dataclass(frozen=True)
class SegmentSpec:
    slug: str
    name: str
    size: Figure | None
    base_slug: str = ""
    contained_in: str = ""
    age_bands: tuple[tuple[str, float], ...] = (("all", 1.0),)
    usage_country: str = "IT"
    usage_fallback: str = ""
    languages: tuple[str, ...] = ()
    usage_note: str = ""
