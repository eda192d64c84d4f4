"""One source for media messages (issue 21 review): the rules table refuses a post whose
media its type does not take, at draft, submit, approval and scheduling, before any
connector is reached; a connector reached anyway says only that the contract was broken,
without a rule message of its own, and sends nothing that creates a post."""

from __future__ import annotations

import pytest

from quartieri.campaigns.models import Variant
from quartieri.campaigns.services import variant_approve, variant_schedule, variant_submit
from quartieri.campaigns.validation import RulesError, variant_validate
from quartieri.channels.base import ChannelKind
from quartieri.channels.connectors.base import (
    MediaItem,
    MediaKind,
    PermanentError,
    PostKind,
    PostRequest,
)
from quartieri.channels.kinds.instagram.client import InstagramOptions
from quartieri.channels.kinds.tiktok.client import TikTokOptions
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import IN_WINDOW, fit_media
from tests.channels.options import as_options

# (platform, post type, the kind of file it wrongly carries, the rules table's words)
WRONG = [
    (
        Platform.TIKTOK,
        {"post_type": "video", "tiktok_privacy_level": "SELF_ONLY"},
        "image",
        "a “Video” takes Video",
    ),
    (
        Platform.TIKTOK,
        {"post_type": "photo", "tiktok_privacy_level": "SELF_ONLY"},
        "video",
        "a “Photo post” takes Image",
    ),
    (Platform.INSTAGRAM, {"post_type": "reel"}, "image", "a “Reel” takes Video"),
]


@pytest.fixture
def no_connector(monkeypatch):
    def refuse(self):
        raise AssertionError(f"the {self.slug} connector was reached")

    monkeypatch.setattr(ChannelKind, "connector_class", refuse)


@pytest.mark.parametrize(("platform", "fields", "wrong", "words"), WRONG)
def test_the_rules_table_refuses_wrong_media_before_any_connector(
    item, editor, approver, no_connector, platform, fields, wrong, words
):
    account = ChannelAccount.objects.create(platform=platform, handle=f"@{platform}")
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    variant = Variant.objects.create(
        content_item=item, account=account, caption="Baggio", **as_options(fields)
    )
    variant.media.add(fit_media(item, wrong))
    # At draft: the warning the edit page shows.
    [failure] = [f for f in variant_validate(variant) if f.field == "media"]
    assert words in failure.message
    # At submit, approval and scheduling: refused with the same words, nothing moves.
    with pytest.raises(RulesError) as refused:
        variant_submit(actor=approver, variant=variant)
    assert failure.message in refused.value.messages
    for status, step in (
        (Variant.Status.IN_REVIEW, lambda v: variant_approve(actor=approver, variant=v)),
        (
            Variant.Status.APPROVED,
            lambda v: variant_schedule(actor=approver, variant=v, at=IN_WINDOW, allow_past=True),
        ),
    ):
        Variant.objects.filter(pk=variant.pk).update(status=status)
        variant.refresh_from_db()
        with pytest.raises(RulesError) as refused:
            step(variant)
        assert failure.message in refused.value.messages
        assert Variant.objects.get(pk=variant.pk).status == status
    assert not OutboxEntry.objects.exists()


def _contract_broken(error: PermanentError, platform: str) -> None:
    assert str(error.reason) == (
        f"The post's media do not fit what {platform} takes for this kind of post."
    )
    assert "rules panel" in str(error.action)


def test_a_tiktok_connector_reached_with_wrong_media_says_the_contract_broke(tiktok, fake_tiktok):
    photo = MediaItem(kind=MediaKind.IMAGE, url="https://media.example.org/a.jpg")
    request = PostRequest(
        kind=PostKind.VIDEO,
        text="Baggio",
        media=(photo,),
        options=TikTokOptions(privacy_level="PUBLIC_TO_EVERYONE"),
    )
    with pytest.raises(PermanentError) as refused:
        tiktok.submit(request=request)
    _contract_broken(refused.value, "TikTok")
    # Only the read of the creator's settings went out, nothing that creates a post.
    assert fake_tiktok.requests_to("/init/") == []


def test_an_instagram_connector_reached_with_wrong_media_says_the_contract_broke(
    instagram, fake_instagram
):
    photo = MediaItem(kind=MediaKind.IMAGE, url="https://media.example.org/a.jpg")
    request = PostRequest(
        kind=PostKind.REEL, text="Baggio", media=(photo,), options=InstagramOptions()
    )
    with pytest.raises(PermanentError) as refused:
        instagram.submit(request=request)
    _contract_broken(refused.value, "Instagram")
    assert fake_instagram.requests_to("/media") == []
