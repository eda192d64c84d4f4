"""The screens channel kind: a display group is a screens channel account; its variants,
drafted, approved and scheduled like any post, are delivered onto the group's playlist for
their time, withdrawn when edited back, and recorded published by their first play."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from quartieri.accounts.models import AuditEvent
from quartieri.analytics.tracking import Link
from quartieri.campaigns import scheduling
from quartieri.campaigns.models import ContentItem, MediaAsset, Transition, Variant
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_record_published,
    variant_schedule,
    variant_submit,
    variant_update,
)
from quartieri.channels.base import Capability
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.registry import Platform, kind_for
from quartieri.screens import channel, manifest, periodic, plays, services, slides
from quartieri.screens.kind import DELIVERY
from quartieri.screens.models import ContentVersion, Display, DisplayGroup, Play, Playlist, Slide
from tests.screens.conftest import image_bytes, play

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
AT = dt.datetime(2021, 5, 15, 10, 0, tzinfo=ROME)
END = dt.datetime(2021, 10, 1, tzinfo=ROME)  # the day after the campaign's last


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
    group = services.group_create(actor=None, name="Every screen", account=account)
    display.groups.add(group)
    return group


def post(item, account, editor, approver, *, caption="Concerts.", status="scheduled", at=AT,
         link="https://testa.example.org/borgo"):  # fmt: skip
    variant = variant_create(
        actor=editor, content_item=item, account=account, post_type="feed", caption=caption,
        link=link,
    )  # fmt: skip
    for step, move in (
        ("in_review", lambda v: variant_submit(actor=editor, variant=v)),
        ("approved", lambda v: variant_approve(actor=approver, variant=v)),
        ("scheduled", lambda v: variant_schedule(actor=approver, variant=v, at=at)),
    ):
        if status == "draft":
            break
        variant = move(variant)
        if status == step:
            break
    return variant


def channel_items(group: DisplayGroup):
    playlist = Playlist.objects.get(channel_group=group)
    return [
        (i.slide.variant_id, i.valid_from, i.valid_until)
        for i in playlist.items.select_related("slide")
    ]


@pytest.fixture(autouse=True)
def _allowed(settings):
    settings.LINK_ALLOWED_DOMAINS = ["testa.example.org"]


# --- Declaration --------------------------------------------------------------------------------
def test_the_screens_kind_is_delivered_by_its_app_and_declares_proof_of_play_figures():
    kind = kind_for(Platform.SCREENS)
    assert type(kind).__module__ == "quartieri.screens.kind"
    assert kind.delivery() is DELIVERY
    assert kind.capabilities == {Capability.DELIVERS, Capability.METRICS}
    assert {definition.name for definition in kind.metrics.values()} == {
        "plays",
        "displays",
        "seconds_on_screen",
    }


# --- Delivery -------------------------------------------------------------------------------
def test_scheduling_puts_the_slide_on_the_group_s_playlist_for_its_time(
    channel_group, item, account, editor, approver, display
):
    for status in ("draft", "in_review", "approved"):
        post(item, account, editor, approver, caption=f"Not yet: {status}", status=status)
    assert channel_items(channel_group) == []
    version = ContentVersion.objects.get(pk=1).value

    variant = post(item, account, editor, approver)  # no sync: the delivery did it

    assert channel_items(channel_group) == [(variant.pk, AT, END)]
    assert ContentVersion.objects.get(pk=1).value > version  # players see it
    slide = Slide.objects.get(variant=variant)
    assert (slide.kind, slide.title, slide.text, slide.qr_target) == (
        "layout", "Borgo in May", "Concerts.", "https://testa.example.org/borgo"
    )  # fmt: skip
    assert (slide.campaign, slide.neighbourhood, slide.show_map) == (
        item.campaign,
        item.neighbourhood,
        True,
    )
    # The QR code is a tracked link of this slide, counted for the screens and the area.
    link = Link.objects.get()
    assert slide.qr_link.endswith(f"/l/{link.code}")
    assert (link.target, link.channel, link.medium, link.placement, link.neighbourhood) == (
        "https://testa.example.org/borgo", "screens", "screen", f"slide-{slide.pk}", item.neighbourhood
    )  # fmt: skip
    assert slides.qr_link(slide) == slide.qr_link
    # On the display's timeline at that time, not before.
    before = manifest.display_timeline(display, start=AT - dt.timedelta(hours=1), end=AT)
    during = manifest.display_timeline(display, start=AT, end=AT + dt.timedelta(hours=1))
    assert before == []
    assert during[0].items == ((slide.pk, 10),)


def test_moving_a_scheduled_post_moves_its_slide(channel_group, item, account, editor, approver):
    variant = post(item, account, editor, approver)
    later = AT + dt.timedelta(days=1)
    variant_schedule(actor=approver, variant=variant, at=later)
    assert channel_items(channel_group) == [(variant.pk, later, END)]
    assert Slide.objects.filter(variant=variant).count() == 1


def test_an_edited_post_leaves_the_screens_at_once_and_keeps_its_slide(
    channel_group, item, account, editor, approver
):
    variant = post(item, account, editor, approver)
    variant_update(actor=editor, variant=variant, caption="Changed")  # back to review
    assert channel_items(channel_group) == []
    assert Slide.objects.filter(variant=variant).exists()  # its proof of play stays attached
    assert DELIVERY.withdraw(variant_id=variant.pk) is True


def test_an_account_that_is_no_group_cannot_schedule_and_nothing_changes(
    item, account, editor, approver
):
    variant = post(item, account, editor, approver, status="approved")
    transitions = Transition.objects.count()
    with pytest.raises(ValidationError, match="No display group is the screens account"):
        variant_schedule(actor=approver, variant=variant, at=AT)
    variant.refresh_from_db()
    assert (variant.status, variant.scheduled_at) == ("approved", None)
    assert Transition.objects.count() == transitions
    assert not Slide.objects.exists()


def test_a_link_outside_the_allowed_destinations_is_refused_when_scheduling(
    channel_group, item, account, editor, approver
):
    variant = post(
        item, account, editor, approver, status="approved", link="https://evil.example/x"
    )
    with pytest.raises(ValidationError) as refused:
        variant_schedule(actor=approver, variant=variant, at=AT)
    message = refused.value.message_dict["link"][0]
    assert "The slide's QR code cannot lead there" in message
    assert "'evil.example' is not one of the allowed destinations" in message
    variant.refresh_from_db()
    assert variant.status == "approved"
    assert not Slide.objects.exists()
    assert not Link.objects.exists()
    assert channel_items(channel_group) == []


def test_the_account_s_grants_say_who_drafts_its_slides(channel_group, item, account, other_editor):
    other = ChannelAccount.objects.create(platform=Platform.SCREENS, handle="other-screens")
    AccountGrant.objects.create(account=other, user=other_editor, can_draft=True)
    with pytest.raises(PermissionDenied, match=r"no grant to draft on City screens\."):
        variant_create(actor=other_editor, content_item=item, account=account, post_type="feed",
                       caption="Not mine")  # fmt: skip
    assert not Variant.objects.exists()


def test_a_post_with_a_photo_shows_it_on_the_layout(
    channel_group, item, account, editor, approver, display
):
    variant = post(item, account, editor, approver)
    asset = MediaAsset(content_item=item, kind="image", mime_type="image/jpeg",
                       alt_text="The old church", width=800, height=600)  # fmt: skip
    asset.file.save("church.jpg", ContentFile(image_bytes()), save=True)
    Variant.media.through.objects.create(variant=variant, mediaasset=asset)
    channel.variants_sync()  # as the periodic tick does when the variants move
    slide = Slide.objects.get(variant=variant)
    assert slide.asset == asset
    assert slide.alt_text == "Borgo in May. The old church"
    rendition = slides.rendition_for(slide=slide, width=display.width, height=display.height)
    assert b"data:image/jpeg;base64," in rendition.file.open("rb").read()


# --- Proof of play ----------------------------------------------------------------------------
def test_the_first_play_records_the_post_published_once(
    channel_group, item, account, editor, approver, display
):
    variant = post(item, account, editor, approver)
    slide = Slide.objects.get(variant=variant)
    Display.objects.filter(pk=display.pk).update(created_at=dt.datetime(2021, 1, 1, tzinfo=ROME))
    display.refresh_from_db()
    now = AT + dt.timedelta(minutes=5)
    early = plays.plays_record(
        display=display, records=[play("e1", slide.pk, AT - dt.timedelta(hours=1))], now=now
    )
    assert early.accepted == 1
    variant.refresh_from_db()
    assert variant.status == "scheduled"  # a play before its time proves nothing

    batch = [play("p1", slide.pk, AT + dt.timedelta(minutes=1)), play("p2", slide.pk, AT)]
    plays.plays_record(display=display, records=batch, now=now)
    plays.plays_record(display=display, records=batch, now=now)  # the batch sent again
    plays.plays_record(
        display=display, records=[play("p3", slide.pk, AT + dt.timedelta(minutes=2))], now=now
    )

    variant.refresh_from_db()
    assert variant.status == "published"
    [published] = Transition.objects.filter(variant=variant, action="publish")
    assert published.actor is None
    assert published.comment.endswith(f"/screens/displays/{display.pk}/")
    assert (
        AuditEvent.objects.filter(
            action="campaigns.variant.publish", target_id=str(variant.pk)
        ).count()
        == 1
    )
    assert Play.objects.count() == 4
    # Published, it keeps playing.
    assert channel_items(channel_group) == [(variant.pk, AT, END)]


# --- The periodic safety net --------------------------------------------------------------------
def test_the_tick_brings_in_a_campaign_s_new_end(
    channel_group, item, account, editor, approver, campaign
):
    assert periodic.tick(now=AT) is True  # first look
    variant = post(item, account, editor, approver)
    periodic.tick(now=AT)
    assert periodic.tick(now=AT) is False  # nothing moved since
    campaign.end_date = dt.date(2021, 10, 31)
    campaign.save()
    assert periodic.tick(now=AT) is True
    assert channel_items(channel_group) == [(variant.pk, AT, dt.datetime(2021, 11, 1, tzinfo=ROME))]


def test_two_workers_ticking_together_sync_once(
    channel_group, item, account, editor, approver, monkeypatch, campaign
):
    periodic.tick(now=AT)
    post(item, account, editor, approver)
    campaign.end_date = dt.date(2021, 10, 31)
    campaign.save()
    syncs = []
    real_sync, real_fingerprint = channel.variants_sync, channel.fingerprint
    monkeypatch.setattr(channel, "variants_sync", lambda **kw: syncs.append(1) or real_sync(**kw))
    calls = []

    def fingerprint_then_other_worker(**kw):
        # Worker A has read the fingerprint; worker B runs its whole tick before A goes on.
        calls.append(1)
        value = real_fingerprint(**kw)
        if len(calls) == 1:
            assert periodic.tick(now=AT) is True  # B
        return value

    monkeypatch.setattr(channel, "fingerprint", fingerprint_then_other_worker)
    assert periodic.tick(now=AT) is False  # A: its compare-and-swap finds B's value
    assert syncs == [1]


def test_a_post_whose_campaign_ended_leaves_the_playlist_with_the_day(
    channel_group, item, account, editor, approver
):
    variant = post(item, account, editor, approver)
    periodic.tick(now=AT)
    assert channel_items(channel_group) == [(variant.pk, AT, END)]
    # The day after the campaign's last, the tick drops it; a live query no longer reads it.
    after = END + dt.timedelta(hours=1)
    assert periodic.tick(now=after) is True
    assert channel_items(channel_group) == []
    assert list(channel.live_variants(account_id=account.pk, now=after)) == []
    assert periodic.tick(now=after) is False


def test_only_what_the_playlist_shows_moves_the_tick_s_fingerprint(
    channel_group, item, account, editor, approver
):
    live = post(item, account, editor, approver)
    periodic.tick(now=AT)
    # A draft saved on the account, and the live post recorded published: nothing shown
    # changed, so no sync.
    draft = post(item, account, editor, approver, status="draft", caption="Not yet.")
    variant_update(actor=editor, variant=draft, caption="Still not yet.")
    variant_record_published(variant_id=live.pk, permalink="https://example.org/p")
    assert periodic.tick(now=AT) is False
    # The content item's title is on the slide: it moves.
    item.title = "Borgo in June"
    item.save()
    assert periodic.tick(now=AT) is True
    assert Slide.objects.get(variant=live).title == "Borgo in June"


# --- Groups and accounts --------------------------------------------------------------------
def test_a_group_is_one_screens_account_and_nothing_else(db, account):
    newsletter = ChannelAccount.objects.create(platform=Platform.NEWSLETTER, handle="daily")
    services.group_create(actor=None, name="First", account=account)
    audit = AuditEvent.objects.count()
    for name, chosen, reason in (
        ("Second", account, "screens is already the group “First”"),
        ("Third", newsletter, "is not a screens channel account"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.group_create(actor=None, name=name, account=chosen)
        assert reason in refused.value.message_dict["account"][0]
    assert list(DisplayGroup.objects.values_list("name", flat=True)) == ["First"]
    assert AuditEvent.objects.count() == audit


def test_a_group_leaving_its_account_drops_the_channel_playlist(
    channel_group, item, account, editor, approver
):
    post(item, account, editor, approver)
    services.group_update(actor=None, group=channel_group, account=None)
    assert not Playlist.objects.filter(channel_group=channel_group).exists()
    services.group_update(actor=None, group=channel_group, account=account)
    assert len(channel_items(channel_group)) == 1
