"""Which files a variant may use: one rule (media.variant_media_change) on every path.

A variant may use any file of its campaign that its platform takes, on an account the person
may draft on. The same case goes through the media page's "where it is used" form, the
campaign library's per-variant form and the API; a refused file changes nothing anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Variant
from tests.campaigns.conftest import Api, Unchanged, fit_media

pytestmark = pytest.mark.django_db


class Person:
    """Signed in on the web and holding an API token (both audited: made before a check)."""

    def __init__(self, user: Any, client_for: Any) -> None:
        self.web, self.api = client_for(user), Api(user)


def _media_page(person: Person, variant: Variant, asset: MediaAsset) -> None:
    url = reverse("campaigns:media_variants", args=[asset.pk])
    answer = person.web.post(url, {"variants": [variant.pk], "shown": [variant.pk]})
    assert answer.status_code == 302


def _library(person: Person, variant: Variant, asset: MediaAsset) -> None:
    url = reverse("campaigns:variant_media", args=[variant.pk])
    kept = list(variant.media.values_list("pk", flat=True))
    assert person.web.post(url, {"media": [*kept, asset.pk]}).status_code == 302


def _api(person: Person, variant: Variant, asset: MediaAsset) -> None:
    answer = person.api.post(f"/variants/{variant.pk}/media", {"media": [asset.pk]})
    assert answer.status_code in (200, 422), answer.content


PATHS = [
    pytest.param(_media_page, id="media_page_case"),
    pytest.param(_library, id="library_case"),
    pytest.param(_api, id="api_case"),
]


@pytest.fixture
def other_item(item: ContentItem, editor: Any) -> ContentItem:
    return ContentItem.objects.create(
        campaign=item.campaign, title="Isola – BAM", created_by=editor
    )


@pytest.fixture
def feed(item: ContentItem, instagram: Any, editor: Any, make_variant: Any) -> Variant:
    return make_variant(item=item, account=instagram, by=editor)


@pytest.mark.parametrize("path", PATHS)
def test_a_file_of_another_item_of_the_campaign_is_taken(
    path: Callable[..., None], client_for: Any, editor: Any, feed: Variant, other_item: ContentItem
):
    asset = fit_media(other_item, "image")
    path(Person(editor, client_for), feed, asset)
    assert list(feed.media.all()) == [asset]
    event = AuditEvent.objects.get(action="campaigns.variant.media", target_id=str(feed.pk))
    assert event.after == {"media": [asset.pk]}


def _elsewhere(item: ContentItem, editor: Any) -> MediaAsset:
    campaign = Campaign.objects.create(
        name="Altro", slug="altro", start_date=item.campaign.start_date,
        end_date=item.campaign.end_date,
    )  # fmt: skip
    return fit_media(
        ContentItem.objects.create(campaign=campaign, title="X", created_by=editor), "image"
    )


def _png(item: ContentItem, editor: Any) -> MediaAsset:
    asset = fit_media(item, "image")  # Instagram takes JPEG only (rules table)
    MediaAsset.objects.filter(pk=asset.pk).update(
        mime_type="image/png", file="campaigns/media/x.png"
    )
    return MediaAsset.objects.get(pk=asset.pk)


REFUSED = [
    pytest.param(_elsewhere, "editor", id="another_campaign_case"),
    pytest.param(_png, "editor", id="platform_refuses_case"),
    pytest.param(lambda item, editor: fit_media(item, "image"), "other_editor", id="no_grant_case"),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("make_asset", "who"), REFUSED)
def test_a_refused_file_changes_nothing_on_any_path(
    path: Callable[..., None],
    make_asset: Callable[..., MediaAsset],
    who: str,
    request: pytest.FixtureRequest,
    client_for: Any,
    editor: Any,
    item: ContentItem,
    instagram: Any,
    make_variant: Any,
):
    # given an approved Instagram post with its file (other_editor has no grant on the account)
    variant = make_variant(item=item, account=instagram, by=editor, status="approved")
    before = list(variant.media.values_list("pk", flat=True))
    asset = make_asset(item, editor)
    person = Person(request.getfixturevalue(who), client_for)
    unchanged = Unchanged(variant)
    # when a refused file is added through the path
    path(person, variant, asset)
    # then the post keeps its files, its approval, its timeline; no audit event
    assert list(variant.media.values_list("pk", flat=True)) == before
    unchanged.check()
