"""The screens channel: variants approved and scheduled for a screens account become slides
of the group that is that account, from their time to their campaign's end."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns import scheduling
from quartieri.campaigns.models import (
    AccountGrant,
    ChannelAccount,
    ContentItem,
    MediaAsset,
    Platform,
    Variant,
)
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
    variant_update,
)
from quartieri.screens import kind, manifest, periodic, services, slides
from quartieri.screens.models import DisplayGroup, Playlist, Slide
from tests.screens.conftest import image_bytes

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
AT = dt.datetime(2021, 5, 15, 10, 0, tzinfo=ROME)


@pytest.fixture(autouse=True)
def campaign_era(monkeypatch):
    # Posting times must be in the future: stand before the 2021 campaign.
    monkeypatch.setattr(scheduling, "schedule_now", lambda: dt.datetime(2021, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def account(editor, approver):
    account = ChannelAccount.objects.create(platform=Platform.SCREENS, handle="screens")
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    AccountGrant.objects.create(account=account, user=approver, can_approve=True, can_publish=True)
    return account


@pytest.fixture
def item(campaign, area, editor):
    return ContentItem.objects.create(
        campaign=campaign, neighbourhood=area, title="Borgo in May", created_by=editor
    )


@pytest.fixture
def channel_group(account, display):
    group = services.group_create(actor=None, name="Every screen", channel_handle="screens")
    display.groups.add(group)
    return group


def post(
    item,
    account,
    editor,
    approver,
    *,
    caption="Concerts in the old church.",
    status="scheduled",
    at=AT,
):
    variant = variant_create(
        actor=editor, content_item=item, account=account, post_type="feed", caption=caption,
        link="https://example.org/borgo",
    )  # fmt: skip
    if status == "draft":
        return variant
    variant = variant_submit(actor=editor, variant=variant)
    if status == "in_review":
        return variant
    variant = variant_approve(actor=approver, variant=variant)
    if status == "approved":
        return variant
    return variant_schedule(actor=approver, variant=variant, at=at)


def channel_items(group: DisplayGroup):
    playlist = Playlist.objects.get(channel_group=group)
    return [
        (i.slide.variant_id, i.valid_from, i.valid_until)
        for i in playlist.items.select_related("slide")
    ]


def test_a_scheduled_post_plays_from_its_time_to_the_campaign_s_end(
    channel_group, item, account, editor, approver, display
):
    variant = post(item, account, editor, approver)
    for status in ("draft", "in_review", "approved"):
        post(item, account, editor, approver, caption=f"Not yet: {status}", status=status)
    assert kind.variants_sync() == 1
    end = dt.datetime(2021, 10, 1, tzinfo=ROME)
    assert channel_items(channel_group) == [(variant.pk, AT, end)]
    slide = Slide.objects.get(variant=variant)
    assert (slide.kind, slide.title, slide.text, slide.qr_target) == (
        "layout", "Borgo in May", "Concerts in the old church.", "https://example.org/borgo"
    )  # fmt: skip
    assert (slide.campaign, slide.neighbourhood, slide.show_map) == (
        item.campaign,
        item.neighbourhood,
        True,
    )
    # On the display's timeline at that time, not before.
    before = manifest.display_timeline(display, start=AT - dt.timedelta(hours=1), end=AT)
    during = manifest.display_timeline(display, start=AT, end=AT + dt.timedelta(hours=1))
    assert before == []
    assert during[0].items == ((slide.pk, 10),)


def test_an_edited_post_leaves_the_screens_until_approved_again(
    channel_group, item, account, editor, approver
):
    variant = post(item, account, editor, approver)
    kind.variants_sync()
    variant_update(actor=editor, variant=variant, caption="Changed")  # back to review
    assert kind.variants_sync() == 1
    assert channel_items(channel_group) == []
    assert Slide.objects.filter(variant=variant).exists()  # its proof of play stays attached


def test_the_periodic_tick_syncs_once_per_change(
    channel_group, item, account, editor, approver, monkeypatch
):
    assert periodic.tick(now=AT) is True  # first look
    assert periodic.tick(now=AT) is False
    post(item, account, editor, approver)
    assert periodic.tick(now=AT) is True
    assert len(channel_items(channel_group)) == 1
    assert periodic.tick(now=AT) is False


def test_two_workers_ticking_together_sync_once(
    channel_group, item, account, editor, approver, monkeypatch
):
    periodic.tick(now=AT)
    post(item, account, editor, approver)
    syncs = []
    real_sync, real_fingerprint = kind.variants_sync, kind.fingerprint
    monkeypatch.setattr(kind, "variants_sync", lambda **kw: syncs.append(1) or real_sync(**kw))
    calls = []

    def fingerprint_then_other_worker():
        # Worker A has read the fingerprint; worker B runs its whole tick before A goes on.
        calls.append(1)
        value = real_fingerprint()
        if len(calls) == 1:
            assert periodic.tick(now=AT) is True  # B
        return value

    monkeypatch.setattr(kind, "fingerprint", fingerprint_then_other_worker)
    assert periodic.tick(now=AT) is False  # A: its compare-and-swap finds B's value
    assert syncs == [1]


def test_a_post_with_a_photo_shows_it_on_the_layout(
    channel_group, item, account, editor, approver, display
):
    variant = post(item, account, editor, approver)
    asset = MediaAsset(
        content_item=item,
        kind="image",
        mime_type="image/jpeg",
        alt_text="The old church",
        width=800,
        height=600,
    )
    asset.file.save("church.jpg", ContentFile(image_bytes()), save=True)
    Variant.media.through.objects.create(variant=variant, mediaasset=asset)
    Variant.objects.filter(pk=variant.pk).update(updated_at=AT)  # as an edit would
    kind.variants_sync()
    slide = Slide.objects.get(variant=variant)
    assert slide.asset == asset
    assert slide.alt_text == "Borgo in May. The old church"
    svg = (
        slides.rendition_for(slide=slide, width=display.width, height=display.height)
        .file.open("rb")
        .read()
    )
    assert b"data:image/jpeg;base64," in svg


def test_a_group_names_only_an_existing_screens_account(db, account):
    ChannelAccount.objects.create(platform=Platform.NEWSLETTER, handle="daily")
    audit = AuditEvent.objects.count()
    for handle in ("nobody", "daily"):
        with pytest.raises(ValidationError) as refused:
            services.group_create(actor=None, name=f"G {handle}", channel_handle=handle)
        assert (
            "No screens channel account has the handle"
            in refused.value.message_dict["channel_handle"][0]
        )
    assert DisplayGroup.objects.count() == 0
    assert AuditEvent.objects.count() == audit
    assert kind.account_handles() == ["screens"]
