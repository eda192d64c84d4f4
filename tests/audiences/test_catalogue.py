"""The shipped dataset and its database copy: every figure sourced or labelled."""

from __future__ import annotations

import csv
from pathlib import Path

from quartieri.audiences.dataset import DATA_DIR, read_channels, read_segments
from quartieri.audiences.models import AudienceCount, Channel, ChannelFigure, Segment, UsageFigure
from quartieri.audiences.services import catalogue_load

REQUIRED_CHANNELS = {
    "tiktok", "instagram", "facebook", "youtube", "x", "linkedin", "telegram", "whatsapp",
    "newsletter", "city-screens", "website", "posters",
}  # fmt: skip


def test_the_dataset_ships_with_its_sources():
    for name in ("platform_usage_by_age.csv", "audience_counts.csv", "SOURCES.md", "README.md"):
        assert (DATA_DIR / name).is_file()
    with (DATA_DIR / "platform_usage_by_age.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 92
    assert all(row["source"] and row["year"] and row["verified"] for row in rows)


def test_every_channel_figure_has_a_source_and_year_or_says_it_is_an_assumption():
    channels = read_channels()
    assert {c.slug for c in channels} == REQUIRED_CHANNELS
    for channel in channels:
        for key, figure in channel.figures.items():
            if figure.source:
                assert figure.year, f"{channel.slug}.{key}"
            else:
                assert figure.note.startswith("assumption"), f"{channel.slug}.{key}"


def test_the_newsletter_and_the_facebook_page_carry_their_sourced_audiences():
    figures = {c.slug: c.figures for c in read_channels()}
    assert figures["newsletter"]["owned_audience"].value == 300_000
    assert "not confirmed" in figures["newsletter"]["owned_audience"].source
    assert figures["facebook"]["owned_audience"].value == 203_727
    assert "6,293,000" in figures["facebook"]["owned_audience"].note


def test_segment_sizes_are_sourced_or_missing_with_a_reason():
    for row in read_segments():
        if row.spec.size is None:
            assert row.size_note
        else:
            assert row.spec.size.source
            assert row.spec.size.year


def test_loading_twice_changes_nothing_and_keeps_staff_edits(db):
    catalogue_load(actor=None)
    before = (
        Channel.objects.count(),
        ChannelFigure.objects.count(),
        Segment.objects.count(),
        UsageFigure.objects.count(),
        AudienceCount.objects.count(),
    )
    assert before == (12, ChannelFigure.objects.count(), 10, 92, 60)
    ChannelFigure.objects.filter(channel__slug="tiktok", key="cpm_eur").update(value=4.5)
    report = catalogue_load(actor=None)
    assert report.created == 0
    assert ChannelFigure.objects.get(channel__slug="tiktok", key="cpm_eur").value == 4.5
    catalogue_load(actor=None, overwrite=True)
    assert ChannelFigure.objects.get(channel__slug="tiktok", key="cpm_eur").value == 6
    segment = Segment.objects.get(slug="international-students")
    assert segment.base is not None
    assert segment.base.slug == "all-residents"
    assert segment.contained_in is not None
    assert segment.contained_in.slug == "university-students"


def test_the_data_folder_has_no_file_without_attribution():
    sources = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for path in Path(DATA_DIR).glob("*.csv"):
        assert path.name in sources
