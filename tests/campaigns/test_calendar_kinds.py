"""The calendar tells channels apart by the colour and icon each kind declares, with the
account's name beside them, and shows each post's first picture or video frame."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from quartieri.campaigns.models import Variant
from quartieri.channels.base import DEFAULT_APPEARANCE
from quartieri.channels.registry import all_kinds
from tests.campaigns.conftest import fit_media

S = Variant.Status
CALENDAR = "/campaigns/calendar/"
MAY = {"date": "2021-05-15"}


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_on_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


def test_the_contrast_helper_matches_wcag_examples():
    # Black on white is 21:1; WCAG's own example, #767676 on white, is just above 4.5:1.
    assert round(contrast_on_white("#000000"), 1) == 21.0
    assert 4.5 < contrast_on_white("#767676") < 4.6
    assert contrast_on_white("#777777") < 4.5


def test_every_kind_declares_its_own_colour_and_icon_readable_on_white():
    sprite = (settings.BOOTSTRAP_ITALIA_STATIC / "svg" / "sprites.svg").read_text()
    symbols = set(re.findall(r'id="(it-[a-z0-9-]+)"', sprite))
    kinds = all_kinds()
    for kind in kinds:
        look = kind.appearance
        assert look != DEFAULT_APPEARANCE, f"{kind.slug} declares no appearance"
        assert re.fullmatch(r"#[0-9a-f]{6}", look.colour), kind.slug
        assert contrast_on_white(look.colour) >= 4.5, f"{kind.slug}: {look.colour}"
        assert look.icon in symbols, f"{kind.slug}: {look.icon} is not in the sprite"
    assert len({kind.appearance.colour for kind in kinds}) == len(kinds)
    assert len({kind.appearance.icon for kind in kinds}) == len(kinds)


def test_the_kinds_stylesheet_carries_each_declared_colour(client_for, analyst):
    response = client_for(analyst).get("/campaigns/calendar/kinds.css")
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    for kind in all_kinds():
        assert f".kind-{kind.slug}{{--kind-colour:{kind.appearance.colour}}}" in css


def test_the_kinds_stylesheet_needs_sign_in(client):
    assert client.get("/campaigns/calendar/kinds.css").status_code == 302


@pytest.fixture
def two_posts(item, tiktok, instagram, editor, make_variant):
    on_tiktok = make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)
    on_instagram = make_variant(item=item, account=instagram, by=editor, status=S.APPROVED)
    return on_tiktok, on_instagram


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_each_entry_has_its_kind_icon_and_account_name_and_a_legend(
    client_for, analyst, two_posts, view
):
    on_tiktok, _on_instagram = two_posts
    html = client_for(analyst).get(CALENDAR, {**MAY, "view": view}).content.decode()
    entry = re.search(rf'id="entry-{on_tiktok.pk}".*?</(li|tr)>', html, re.S)
    assert entry is not None
    # The colour (class) and the icon come with the words: never colour alone.
    assert "kind-tiktok" in entry.group(0)
    assert "#it-tiktok" in entry.group(0)
    assert "TikTok @comunedimilano" in entry.group(0)
    legend = re.search(r'data-testid="calendar-legend">(.*?)</ul>', html, re.S)
    assert legend is not None
    assert "#it-tiktok" in legend.group(1)
    assert "TikTok" in legend.group(1)
    # Nothing of Instagram is on the calendar in May (its post waits for a time).
    assert ("Instagram" in legend.group(1)) is (view == "list")


def test_an_entry_shows_its_first_media_thumbnail_and_none_without(
    client_for, analyst, item, tiktok, editor, make_variant
):
    with_media = make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)
    first, second = fit_media(item, "image"), fit_media(item, "image")
    first.thumbnail.name = "campaigns/media/thumbs/first.jpg"
    second.thumbnail.name = "campaigns/media/thumbs/second.jpg"
    first.save()
    second.save()
    with_media.media.set([second, first])
    html = client_for(analyst).get(CALENDAR, MAY).content.decode()
    entry = re.search(rf'id="entry-{with_media.pk}".*?</li>', html, re.S)
    assert entry is not None
    thumbs = re.findall(r'<img src="([^"]+)" alt=""', entry.group(0))
    assert thumbs == [f"{settings.MEDIA_URL}campaigns/media/thumbs/first.jpg"]
    with_media.media.clear()
    html = client_for(analyst).get(CALENDAR, MAY).content.decode()
    assert 'data-testid="calendar-thumbnail"' not in html
