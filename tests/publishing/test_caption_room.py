"""A caption exactly as long as the rules allow goes out at the platform's limit, never over
it (issue 21, review of point 4): the outbox adds its marker line (and a post's tracked
link) to the text, so the rules table counts them, and the room the editor is shown is the
room really left. At limit − 1 and at the limit the rules pass and the text sent is at most
the platform's limit (exactly it at the limit); at limit + 1 the rules refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from quartieri.campaigns.models import Variant
from quartieri.campaigns.validation import variant_validate
from quartieri.campaigns.writing import draft_counters
from quartieri.channels.registry import Platform, kind_for
from quartieri.channels.rules import text_length
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.payload import MARKER_TOKEN_WIDTH, entry_marker, post_request_for
from tests.campaigns.conftest import variant_for

TIKTOK_VIDEO = {"post_type": "video", "tiktok_privacy_level": "PUBLIC_TO_EVERYONE"}
TIKTOK_PHOTO = {"post_type": "photo", "tiktok_privacy_level": "PUBLIC_TO_EVERYONE", "title": "t"}

# (platform, the variant's fields, the text field limited, the platform's limit, filler):
# every kind whose posts carry the outbox's marker and whose text the platform limits.
# Facebook documents no caption limit (its table has none): nothing to reach there.
CASES = [
    (Platform.TIKTOK, TIKTOK_VIDEO, "caption", 2200, "🙂"),  # UTF-16: two units each
    (Platform.TIKTOK, TIKTOK_PHOTO, "description", 4000, "a"),
    (Platform.INSTAGRAM, {"post_type": "feed"}, "caption", 2200, "é"),
    (Platform.MASTODON, {"post_type": "text"}, "caption", 500, "a"),
]


def _room(variant: Variant, field: str) -> int:
    [counter] = [c for c in draft_counters(variant) if c.field == field]
    assert counter.limit is not None
    return counter.limit


def _caption(filler: str, units: int, unit_of: str) -> str:
    """A caption of exactly ``units`` in the platform's unit, ending with ``filler``."""
    width = text_length(filler, kind_for(unit_of).rules().text_unit)
    return "a" * (units % width) + filler * (units // width)


def _sent(variant: Variant) -> str:
    entry = OutboxEntry.objects.create(
        variant=variant, account=variant.account, due_at=timezone.now() + dt.timedelta(hours=1)
    )
    entry.marker = entry_marker(entry)
    entry.save()
    return post_request_for(entry).text


@pytest.mark.parametrize(("platform", "fields", "field", "limit", "filler"), CASES)
def test_a_caption_at_the_room_shown_goes_out_at_the_platform_s_limit(
    item, platform, fields, field, limit, filler
):
    variant = variant_for(item, platform, **fields)
    room = _room(variant, field)
    unit = kind_for(platform).rules().text_unit
    assert 0 < room < limit  # the marker line is kept out of the room
    for length, allowed in ((room - 1, True), (room, True), (room + 1, False)):
        variant.caption = _caption(filler, length, platform)
        assert text_length(variant.caption, unit) == length
        refused = [failure for failure in variant_validate(variant) if failure.field == field]
        assert (not refused) is allowed, (length, refused)
        if allowed:
            variant.save()
            sent = _sent(variant)
            assert variant.caption in sent
            # Exactly the platform's limit when full: the room shown was all there was.
            assert kind_for(platform).rules().length(sent) == limit - (room - length)
            OutboxEntry.objects.filter(variant=variant).delete()


def test_a_post_s_tracked_link_is_counted_too(item, settings):
    settings.LINK_ALLOWED_DOMAINS = ["visit.example.org"]
    bare = variant_for(item, Platform.INSTAGRAM, post_type="feed")
    linked = variant_for(
        item, Platform.INSTAGRAM, post_type="feed", link="https://visit.example.org/baggio"
    )
    room = _room(linked, "caption")
    assert room < _room(bare, "caption")
    linked.caption = "é" * room
    assert variant_validate(linked) == []
    linked.save()
    sent = _sent(linked)
    assert f"{settings.PUBLIC_URL}/l/" in sent
    assert len(sent) == 2200
    linked.caption += "!"
    assert [failure.field for failure in variant_validate(linked)] == ["caption"]


def test_every_marker_has_the_width_the_rules_keep(item):
    variant = variant_for(item, Platform.INSTAGRAM, post_type="feed")
    for pk in (1, 12345, 9_876_543_210):
        entry = OutboxEntry(pk=pk, variant=variant, account=variant.account)
        token = entry_marker(entry).rsplit("/", 1)[1]
        assert len(token) == MARKER_TOKEN_WIDTH
        assert token.startswith(f"{pk}-")
