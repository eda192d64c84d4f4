"""A small campaign with everything a mini-site shows: a two-neighbourhood city, a tour
with three stops, a playlist, an event, a photo, and website and posters posts scheduled
in the past (so released)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from PIL import Image

from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Variant
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.minisites.models import Event
from quartieri.places import services as places
from quartieri.places.models import Category, Neighbourhood, Tour
from tests.places.conftest import city, city_file, make_poi  # noqa: F401 - fixtures

PAST = dt.datetime(2021, 5, 1, 9, 0, tzinfo=dt.UTC)


def approved(
    item: ContentItem, platform: str, *, at: dt.datetime | None = PAST, **extra: Any
) -> Variant:
    """A variant that went through the workflow (the workflow itself is campaigns' tests')."""
    account, _ = ChannelAccount.objects.get_or_create(platform=platform, handle=platform)
    return Variant.objects.create(
        content_item=item,
        account=account,
        post_type="text",
        status=Variant.Status.SCHEDULED if at else Variant.Status.APPROVED,
        scheduled_at=at,
        **extra,
    )


def posters_printed() -> None:
    """The fixture's poster post as the release leaves it once its files are made: published
    (a poster still scheduled is not offered: its files may never be made)."""
    Variant.objects.filter(account__platform=Platform.POSTERS).update(
        status=Variant.Status.PUBLISHED
    )


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Any:
    # Messages made outside a request follow the active language; the tests read English.
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(city: dict[str, Neighbourhood]) -> Campaign:  # noqa: F811 - the fixture above
    ovest = city["1"]
    places.neighbourhood_update(
        actor=None, neighbourhood=ovest, name_en="West", description_it="Un quartiere di prova.",
        description_en="",
    )  # fmt: skip
    start = make_poi("Metro Ovest", 9.1005, 45.4005, category=Category.METRO, extra={"linee": "1"})
    tour = places.tour_create(
        actor=None, neighbourhood=ovest, title_it="Giro di prova", title_en="Test walk",
        description_it="Tre luoghi.", description_en="Three places.", theme="history", start=start,
        end=start,
    )  # fmt: skip
    for name, lon, lat in (
        ("Torre", 9.108, 45.408),
        ("Chiesa", 9.102, 45.402),
        ("Mulino", 9.105, 45.405),
    ):
        places.tour_stop_add(
            actor=None, tour=tour, poi=make_poi(name, lon, lat, wheelchair="yes"),
            text_it=f"Testo {name}", text_en=f"Text {name}" if name != "Mulino" else "", minutes=10,
        )  # fmt: skip
    playlist = places.playlist_create(actor=None, neighbourhood=ovest, title="Suoni di Ovest")
    places.track_add(
        actor=None, playlist=playlist, artist="Artista", note="title not in our sources"
    )
    campaign = Campaign.objects.create(
        name="Prova 2021", slug="prova-2021", start_date=dt.date(2021, 5, 3),
        end_date=dt.date(2021, 9, 30), status=Campaign.Status.ACTIVE,
    )  # fmt: skip
    campaign.neighbourhoods.set([ovest, city["2"]])
    item = ContentItem.objects.create(campaign=campaign, title="Ovest", neighbourhood=ovest)
    tour_item = ContentItem.objects.create(
        campaign=campaign, title="Giro", neighbourhood=ovest, tour=tour
    )
    approved(item, Platform.WEBSITE, caption="Il sito di Ovest è online.")
    approved(item, Platform.POSTERS)
    asset = MediaAsset(content_item=tour_item, kind="image", alt_text="La torre vista dal parco",
                       width=1200, height=800, mime_type="image/jpeg", size_bytes=1)  # fmt: skip
    asset.file.save("torre.jpg", ContentFile(jpeg(1200, 800)), save=True)
    Event.objects.create(
        campaign=campaign, neighbourhood=ovest, title_it="Concerti di primavera",
        first_day=dt.date(2021, 5, 1), precision="month", place_name="Chiesa Vecchia",
        note_it="Orari non nelle nostre fonti.", note_en="Times not in our sources.",
    )  # fmt: skip
    return campaign


@pytest.fixture(autouse=True)
def _sites_elsewhere(settings: Any) -> None:
    # The tests build for https://siti.example.org/q too: a site served there sends page
    # views from there and its poster's QR link leads there, so it is a site origin.
    settings.ANALYTICS_SITE_ORIGINS = ["https://siti.example.org"]


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def tour_slug(campaign: Campaign) -> str:
    return Tour.objects.get(title_it="Giro di prova").slug
