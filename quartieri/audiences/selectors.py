"""Reads of the audience catalogue, as plain planner specs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from quartieri.audiences.dataset import parse_bands
from quartieri.audiences.models import Channel, Segment, UsageFigure
from quartieri.audiences.specs import ChannelSpec, Figure, SegmentSpec, UsageRow


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.select_related("base", "contained_in")


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.prefetch_related("figures")


def segment_spec(segment: Segment) -> SegmentSpec:
    size = (
        Figure(float(segment.size), segment.size_source, segment.size_year, segment.size_note)
        if segment.size
        else None
    )
    return SegmentSpec(
        slug=segment.slug,
        name=segment.name_en,
        size=size,
        base_slug=segment.base.slug if segment.base else "",
        contained_in=segment.contained_in.slug if segment.contained_in else "",
        age_bands=parse_bands(segment.age_bands),
        usage_country=segment.usage_country,
        usage_fallback=segment.usage_fallback,
        languages=_split(segment.languages),
        usage_note=segment.usage_note,
    )


def channel_spec(channel: Channel) -> ChannelSpec:
    return ChannelSpec(
        slug=channel.slug,
        name=channel.name_en,
        platforms=_split(channel.platforms),
        paid=channel.paid,
        owned=channel.owned,
        cost_model=channel.cost_model,
        purposes=_split(channel.purposes),
        owned_bases=_split(channel.owned_bases),
        figures={f.key: Figure(f.value, f.source, f.year, f.note) for f in channel.figures.all()},
    )


@dataclass(frozen=True)
class Catalogue:
    segments: dict[str, SegmentSpec]
    channels: list[ChannelSpec]
    usage: list[UsageRow]
    names_it: dict[str, str]


def catalogue_get() -> Catalogue:
    """The whole catalogue in three queries, ready for the planner."""
    segments = list(segment_list())
    channels = list(channel_list())
    usage = [
        UsageRow(
            country=u.country,
            platform=u.platform,
            age_band=u.age_band,
            value_pct=u.value_pct,
            source=u.source,
            year=u.year,
            verified=u.verified,
        )
        for u in UsageFigure.objects.filter(metric="users_pct")
    ]
    names_it = {s.slug: s.name_it for s in segments} | {c.slug: c.name_it for c in channels}
    return Catalogue(
        segments={s.slug: segment_spec(s) for s in segments},
        channels=[channel_spec(c) for c in channels],
        usage=usage,
        names_it=names_it,
    )


def segment_rows() -> list[dict[str, object]]:
    """Segments with their sizes and sources, for `quartieri audiences list`."""
    return [
        {
            "slug": s.slug,
            "name": s.name_en,
            "name_it": s.name_it,
            "size": s.size,
            "unit": s.size_unit,
            "source": s.size_source or None,
            "year": s.size_year,
            "note": s.size_note,
            "age_bands": s.age_bands,
            "languages": list(_split(s.languages)),
            "base": s.base.slug if s.base else None,
            "contained_in": s.contained_in.slug if s.contained_in else None,
            "usage_note": s.usage_note,
        }
        for s in segment_list()
    ]
