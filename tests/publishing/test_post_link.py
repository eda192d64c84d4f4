"""``/p/<id>-<code>``, the link at the end of every published post, answers a reader."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from quartieri.campaigns.models import Variant
from quartieri.channels.models import ChannelAccount
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import campaign_item


@pytest.fixture
def entry(db):
    item = campaign_item(title="Isola")
    account = ChannelAccount.objects.create(platform="facebook", handle="ComunediMilano")
    variant = Variant.objects.create(
        content_item=item, account=account, post_type="feed", caption="Isola: open doors."
    )
    return OutboxEntry.objects.create(
        variant=variant,
        account=account,
        due_at=timezone.now(),
        state=OutboxEntry.State.PUBLISHED,
        published_at=timezone.now(),
        # Written when the platform listened elsewhere: the path is what identifies it.
        marker=f"http://127.0.0.1:8000/p/{1000}-abc234",
    )


def token(entry):
    return entry.marker.rpartition("/p/")[2]


def test_the_link_leads_where_the_post_points_else_to_the_post(entry):
    reader = Client()
    page = reader.get(f"/p/{token(entry)}")
    assert page.status_code == 200  # no link, no permalink: the post's own page
    assert "Isola: open doors." in page.text
    entry.permalink = "https://www.facebook.com/ComunediMilano/posts/1"
    entry.save()
    assert reader.get(f"/p/{token(entry)}")["location"] == entry.permalink
    Variant.objects.filter(pk=entry.variant_id).update(link="https://example.org/isola")
    assert reader.get(f"/p/{token(entry)}")["location"] == "https://example.org/isola"


def test_a_made_up_or_truncated_link_answers_404(entry):
    reader = Client()
    assert reader.get("/p/1000-zzz999").status_code == 404
    assert reader.get("/p/1000").status_code == 404
    assert reader.get("/p/0-abc234").status_code == 404
