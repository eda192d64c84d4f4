"""TikTok creator_info at compose time (platform-apis.md §1.6), against the local fake."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.campaigns.services import variant_approve
from quartieri.campaigns.validation import variant_validate
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.kinds.tiktok.creator_info import tiktok_creator_info_for
from quartieri.channels.kinds.tiktok.fake import FakeTikTok
from quartieri.channels.services import credential_store
from tests.campaigns.conftest import FIT_MEDIA, Unchanged, give_media

pytestmark = pytest.mark.django_db

CREATOR_INFO = "/v2/post/publish/creator_info/query/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_tiktok(settings) -> Iterator[FakeTikTok]:
    with FakeTikTok() as fake:
        settings.TIKTOK_API_URL = fake.url
        yield fake


@pytest.fixture
def connected(tiktok, fake_tiktok):
    credential_store(actor=None, account=tiktok, tokens=TokenSet(access_token="tok-1"))
    return tiktok


def _asks(fake: FakeTikTok) -> int:
    return sum(1 for request in fake.requests if request.path == CREATOR_INFO)


def test_it_reads_the_creator_settings_through_the_connector(connected, fake_tiktok):
    result = tiktok_creator_info_for(account=connected)
    assert result.problem == ""
    assert result.info is not None
    assert result.info.nickname == "Visit Quartieri"
    assert result.info.privacy_level_options == (
        "PUBLIC_TO_EVERYONE",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    )
    assert result.info.max_video_post_duration_sec == 600
    assert result.info.stitch_disabled is True
    assert fake_tiktok.requests[-1].bearer_token() == "tok-1"


def test_one_compose_asks_tiktok_once_and_a_new_token_asks_again(connected, fake_tiktok):
    tiktok_creator_info_for(account=connected)
    tiktok_creator_info_for(account=connected)
    assert _asks(fake_tiktok) == 1

    credential_store(actor=None, account=connected, tokens=TokenSet(access_token="tok-2"))
    tiktok_creator_info_for(account=connected)
    assert _asks(fake_tiktok) == 2


def test_without_a_token_it_says_so_plainly(tiktok):
    result = tiktok_creator_info_for(account=tiktok)
    assert result.info is None
    assert result.problem.startswith(
        "No TikTok token is connected for TikTok @comunedimilano, so its privacy options"
    )


def test_a_refused_token_asks_for_a_reconnection(connected, fake_tiktok):
    fake_tiktok.expire_token("tok-1")
    result = tiktok_creator_info_for(account=connected)
    assert result.info is None
    assert "connect the account again" in result.problem


def test_an_unreachable_tiktok_is_said_in_plain_words(connected, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        settings.TIKTOK_API_URL = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = tiktok_creator_info_for(account=connected)
    assert result.info is None
    assert result.problem.startswith("TikTok did not answer for TikTok @comunedimilano")


def test_a_privacy_level_the_creator_does_not_offer_blocks_approval(
    connected, fake_tiktok, item, editor, approver, make_variant
):
    variant = make_variant(
        item=item,
        account=connected,
        by=editor,
        status="in_review",
        tiktok_privacy_level="PUBLIC_TO_EVERYONE",
    )
    # the creator narrows the choice after the variant was submitted
    fake_tiktok.privacy_level_options = ["SELF_ONLY"]
    cache.clear()  # its answers are cached 60 s
    unchanged = Unchanged(variant)

    with pytest.raises(ValidationError) as refused:
        variant_approve(actor=approver, variant=variant)

    assert refused.value.messages == [
        "privacy level: PUBLIC_TO_EVERYONE, allowed SELF_ONLY (TikTok, Visit Quartieri)"
    ]
    unchanged.check()


def test_a_video_longer_than_the_creator_may_post(
    connected, fake_tiktok, item, editor, make_variant
):
    fake_tiktok.max_video_post_duration_sec = 60
    variant = make_variant(item=item, account=connected, by=editor)
    variant.media.add(
        MediaAsset.objects.create(
            content_item=item,
            kind="video",
            file="campaigns/media/long.mp4",
            caption_file="campaigns/captions/long.vtt",
            mime_type="video/mp4",
            duration_seconds=61.5,
            probe=FIT_MEDIA["video"]["probe"],
        )
    )
    [failure] = variant_validate(variant)
    assert (failure.field, failure.limit, failure.actual) == (
        "campaigns/media/long.mp4 duration_seconds",
        "60 s",
        "61.5 s",
    )
    assert failure.source.startswith("§1.6")


def test_interactions_the_creator_turned_off_stay_off(
    connected, fake_tiktok, item, editor, make_variant
):
    # the fake's creator has Stitch disabled, comments and Duet allowed
    video = make_variant(
        item=item,
        account=connected,
        by=editor,
        tiktok_allow_comment=True,
        tiktok_allow_duet=True,
        tiktok_allow_stitch=True,
    )
    give_media(video)
    [failure] = variant_validate(video)
    assert failure.field == "tiktok_allow_stitch"
    assert failure.message == (
        "Stitch: allowed here, but turned off by the creator (TikTok, Visit Quartieri)"
    )
    # a photo post offers only comments (§1.6 point 4): Stitch is not its business
    photo = make_variant(
        item=item, account=connected, by=editor, post_type="photo", tiktok_allow_stitch=True
    )
    give_media(photo)
    assert variant_validate(photo) == []


def test_without_a_token_approval_is_not_blocked(tiktok, item, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, status="in_review")
    assert variant_approve(actor=approver, variant=variant).status == Variant.Status.APPROVED


def test_the_media_page_shows_the_nickname_or_the_problem(
    client_for, connected, fake_tiktok, instagram, item, editor, make_variant
):
    make_variant(item=item, account=connected, by=editor)
    page = client_for(editor).get(f"/campaigns/items/{item.pk}/media/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Visit Quartieri" in page.content.decode()

    fake_tiktok.expire_token("tok-1")
    cache.clear()
    page = client_for(editor).get(f"/campaigns/items/{item.pk}/media/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "connect the account again" in page.content.decode()
