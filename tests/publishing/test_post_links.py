"""Issue 17: a post with a link goes out with a tracked short link of its own, made when it
is scheduled through the outbox; a target the platform refuses is said then and nothing is
scheduled. Run against the Facebook fake, whose posts keep both the text and the link."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from quartieri.analytics.tracking import Link
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.kinds.facebook.fake import PAGE_ID, FakeFacebook
from quartieri.channels.models import ChannelAccount
from quartieri.channels.services import credential_store
from quartieri.publishing import outbox
from quartieri.publishing.models import OutboxEntry
from tests.publishing.conftest import drain, queued, refreshed, scheduled_variant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("outbox_settings")]


@pytest.fixture
def facebook(settings):
    with FakeFacebook() as fake:
        settings.META_GRAPH_URL = fake.url
        settings.LINK_ALLOWED_DOMAINS = ["visit.example.org"]
        account = ChannelAccount.objects.create(platform="facebook", handle="Comune")
        credential_store(
            actor=None, account=account, tokens=TokenSet(access_token="t"), external_id=PAGE_ID
        )
        yield fake, account


def test_a_post_s_link_goes_out_as_its_own_tracked_link_once(item, facebook):
    fake, account = facebook
    target = "https://visit.example.org/baggio"
    variant = scheduled_variant(item, account, caption="Festa in Baggio", link=target)
    entry = outbox.outbox_schedule(variant_id=variant.pk)
    # Scheduling again (the post moved) finds the same link, not a second one.
    assert outbox.outbox_schedule(variant_id=variant.pk).pk == entry.pk
    [link] = Link.objects.all()
    assert (link.channel, link.placement, link.campaign.slug) == (
        account.platform,
        f"post-{variant.pk}",
        item.campaign.slug,
    )
    assert link.target.startswith(target)
    short = f"{django_settings.PUBLIC_URL}/l/{link.code}"

    drain()
    assert refreshed(entry).state == OutboxEntry.State.PUBLISHED
    [post] = fake.posts
    assert post.message.splitlines()[:2] == ["Festa in Baggio", short]
    assert post.link == short  # the link preview opens the tracked link too
    assert target not in post.message
    assert Link.objects.count() == 1


def test_a_refused_target_is_said_when_scheduling_and_nothing_is_queued(item, facebook):
    fake, account = facebook
    variant = scheduled_variant(item, account, link="https://evil.example/x")
    with pytest.raises(ValidationError) as refused:
        outbox.outbox_schedule(variant_id=variant.pk)
    assert "link" in refused.value.message_dict
    assert "evil.example" in refused.value.message_dict["link"][0]
    assert not OutboxEntry.objects.exists()
    assert not Link.objects.exists()
    assert queued() == []
    assert fake.posts == []


def test_a_post_without_a_link_carries_none(item, facebook):
    fake, account = facebook
    variant = scheduled_variant(item, account, caption="Festa in Baggio")
    entry = outbox.outbox_schedule(variant_id=variant.pk)
    drain()
    assert refreshed(entry).state == OutboxEntry.State.PUBLISHED
    assert "/l/" not in fake.posts[0].message
    assert fake.posts[0].link == ""
    assert not Link.objects.exists()
