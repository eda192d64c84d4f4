"""Writes to the audience catalogue: loading the shipped dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record
from quartieri.audiences import dataset
from quartieri.audiences.models import AudienceCount, Channel, ChannelFigure, Segment, UsageFigure


@dataclass(frozen=True)
class LoadReport:
    created: int
    updated: int

    def as_json(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated}


@transaction.atomic
def catalogue_load(
    *, actor: User | None, directory: Path = dataset.DATA_DIR, overwrite: bool = False
) -> LoadReport:
    """Load channels, segments and figures from the CSV files.

    Rows that already exist are left as staff edited them unless ``overwrite`` is set, so
    running it twice (or running the demo twice) changes nothing the second time.
    """
    created = updated = 0
    for position, row in enumerate(dataset.read_channels(directory)):
        c, u = _load_channel(row, position, overwrite)
        created, updated = created + c, updated + u
    c, u = _load_segments(dataset.read_segments(directory), overwrite)
    created, updated = created + c, updated + u
    created += _load_usage(directory) + _load_counts(directory)
    if created or updated:
        audit_record(
            actor=actor,
            action="audiences.load",
            target_label=str(directory),
            after={"created": created, "updated": updated, "overwrite": overwrite},
        )
    return LoadReport(created=created, updated=updated)


def _load_channel(row: dataset.ChannelRow, position: int, overwrite: bool) -> tuple[int, int]:
    values = {
        "name_en": row.name_en,
        "name_it": row.name_it,
        "platforms": ";".join(row.platforms),
        "paid": row.paid,
        "owned": row.owned,
        "cost_model": row.cost_model,
        "purposes": ";".join(row.purposes),
        "owned_bases": ";".join(row.owned_bases),
        "note": row.note,
        "position": position,
    }
    channel, created = Channel.objects.get_or_create(slug=row.slug, defaults=values)
    changed = 0
    if not created and overwrite:
        Channel.objects.filter(pk=channel.pk).update(**values)
        changed = 1
    made = int(created)
    for key, figure in row.figures.items():
        defaults = {
            "value": figure.value,
            "source": figure.source,
            "year": figure.year,
            "note": figure.note,
        }
        if overwrite:
            _, new = ChannelFigure.objects.update_or_create(
                channel=channel, key=key, defaults=defaults
            )
        else:
            _, new = ChannelFigure.objects.get_or_create(
                channel=channel, key=key, defaults=defaults
            )
        made += int(new)
    return made, changed


def _load_segments(rows: list[dataset.SegmentRow], overwrite: bool) -> tuple[int, int]:
    created = updated = 0
    for position, row in enumerate(rows):
        spec = row.spec
        values = {
            "name_en": spec.name,
            "name_it": row.name_it,
            "size": int(spec.size.value) if spec.size else None,
            "size_unit": row.size_unit or "people",
            "size_source": spec.size.source if spec.size else "",
            "size_year": spec.size.year if spec.size else None,
            "size_note": row.size_note,
            "age_bands": ";".join(f"{b}:{w:g}" if w != 1 else b for b, w in spec.age_bands),
            "usage_country": spec.usage_country,
            "usage_fallback": spec.usage_fallback,
            "languages": ";".join(spec.languages),
            "usage_note": spec.usage_note,
            "position": position,
        }
        segment, new = Segment.objects.get_or_create(slug=spec.slug, defaults=values)
        if not new and overwrite:
            Segment.objects.filter(pk=segment.pk).update(**values)
            updated += 1
        created += int(new)
    # Links between segments once all exist.
    by_slug = {s.slug: s for s in Segment.objects.all()}
    for row in rows:
        segment = by_slug[row.spec.slug]
        if segment.base_id is None or overwrite:
            segment.base = by_slug.get(row.spec.base_slug)
        if segment.contained_in_id is None or overwrite:
            segment.contained_in = by_slug.get(row.spec.contained_in)
        segment.save(update_fields=["base", "contained_in"])
    return created, updated


def _load_usage(directory: Path) -> int:
    existing = set(
        UsageFigure.objects.values_list(
            "country", "platform", "age_band", "metric", "year", "source"
        )
    )
    new = [
        UsageFigure(
            country=row["country"],
            platform=row["channel"],
            age_band=row["age_band"],
            metric=row["metric"],
            year=int(row["year"]),
            source=row["source"],
            value_pct=float(row["value_pct"]),
            base=row["base"],
            verified=row["verified"],
        )
        for row in dataset.read_usage_rows(directory)
        if (
            row["country"],
            row["channel"],
            row["age_band"],
            row["metric"],
            int(row["year"]),
            row["source"],
        )
        not in existing
    ]
    return len(UsageFigure.objects.bulk_create(new))


def _load_counts(directory: Path) -> int:
    existing = set(AudienceCount.objects.values_list("place", "subject", "metric", "year", "value"))
    new = [
        AudienceCount(
            place=row["country_or_place"],
            subject=row["subject"],
            metric=row["metric"],
            year=row["year"],
            value=float(row["value"]),
            unit=row["unit"],
            source=row["source"],
            verified=row["verified"],
        )
        for row in dataset.read_counts(directory)
        if (
            row["country_or_place"],
            row["subject"],
            row["metric"],
            row["year"],
            float(row["value"]),
        )
        not in existing
    ]
    return len(AudienceCount.objects.bulk_create(new))
