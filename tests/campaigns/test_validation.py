"""Each platform rule names the field, the limit and the actual value when it fails."""

from __future__ import annotations

import pytest

from quartieri.campaigns.validation import composed_caption, variant_validate
from quartieri.channels.registry import Platform, all_kinds, kind_for
from quartieri.channels.rules import text_length
from tests.campaigns.conftest import (
    added_length,
    media_in_place,
    one_failure,
    platform_account,
    variant_for,
)

MB = 1024 * 1024


@pytest.mark.parametrize("platform", [Platform.TIKTOK, Platform.INSTAGRAM, Platform.FACEBOOK])
def test_a_clean_variant_passes(platform, item):
    assert variant_validate(variant_for(item, platform, caption="Isola, BAM e La Stecca")) == []


@pytest.mark.parametrize("platform", [Platform.TIKTOK, Platform.INSTAGRAM])
def test_the_outbox_adds_its_text_on_a_line_of_its_own(platform, item):
    added = kind_for(platform).added_text(variant=variant_for(item, platform))
    assert added.startswith("\n")


def _kept(added: int) -> str:
    return f"{added} more are kept for the links quartieri adds"


def test_tiktok_counts_caption_in_utf16_units(item):
    added = added_length(platform_account(Platform.TIKTOK))
    room = 2200 - added
    # ASCII characters + 2 emoji outside the BMP: as many characters as the room, 2 units more
    caption = "a" * (room - 2) + "🌳🎶"
    assert len(caption) == room
    assert text_length(caption, kind_for(Platform.TIKTOK).rules().text_unit) == room + 2
    failure = one_failure(variant_validate(variant_for(item, Platform.TIKTOK, caption=caption)))
    assert (failure.field, failure.limit, failure.actual) == (
        "caption",
        f"{room:,}",
        f"{room + 2:,}",
    )
    assert failure.message == (
        f"caption: {room + 2:,} UTF-16 units, limit {room:,} (TikTok: {_kept(added)})"
    )
    assert "§1.3" in failure.source


def test_tiktok_caption_at_the_limit_passes(item):
    room = 2200 - added_length(platform_account(Platform.TIKTOK))
    assert variant_validate(variant_for(item, Platform.TIKTOK, caption="a" * room)) == []


def test_tiktok_caption_2305_units(item):
    added = added_length(platform_account(Platform.TIKTOK))
    failure = one_failure(variant_validate(variant_for(item, Platform.TIKTOK, caption="é" * 2305)))
    assert failure.message == (
        f"caption: 2,305 UTF-16 units, limit {2200 - added:,} (TikTok: {_kept(added)})"
    )


def test_tiktok_photo_title_and_description(item):
    added = added_length(platform_account(Platform.TIKTOK))
    room = 4000 - added  # the marker goes in the description, not in the title
    variant = variant_for(
        item, Platform.TIKTOK, post_type="photo", title="t" * 91, caption="d" * (room + 1)
    )
    failures = {failure.field: failure for failure in variant_validate(variant)}
    assert set(failures) == {"title", "description"}
    assert failures["title"].message == "title: 91 UTF-16 units, limit 90 (TikTok)"
    assert failures["description"].message == (
        f"description: {room + 1:,} UTF-16 units, limit {room:,} (TikTok: {_kept(added)})"
    )


def test_tiktok_photo_description_may_exceed_the_video_caption_limit(item):
    variant = variant_for(item, Platform.TIKTOK, post_type="photo", caption="d" * 3000)
    assert variant_validate(variant) == []


def test_tiktok_privacy_level_must_be_chosen(item):
    failure = one_failure(
        variant_validate(variant_for(item, Platform.TIKTOK, tiktok_privacy_level=""))
    )
    assert (failure.field, failure.limit, failure.actual) == (
        "tiktok_privacy_level",
        "chosen explicitly",
        "not chosen",
    )


def test_tiktok_interactions_are_off_by_default(item):
    variant = variant_for(item, Platform.TIKTOK)
    options = kind_for(Platform.TIKTOK).parse_options(variant.options)
    assert (
        options.allow_comment,
        options.allow_duet,
        options.allow_stitch,
    ) == (False, False, False)


def test_tiktok_photo_count(item):
    variant = variant_for(item, Platform.TIKTOK, post_type="photo")
    for number in range(36):
        media_in_place(item, variant, file=f"campaigns/media/{number}.jpg")
    failure = one_failure(variant_validate(variant))
    assert failure.message == "media: 36 media files, limit 35 (TikTok)"


def test_instagram_caption_counts_characters(item):
    added = added_length(platform_account(Platform.INSTAGRAM))
    room = 2200 - added
    variant = variant_for(item, Platform.INSTAGRAM, caption="🌳" * (room + 1))
    failure = one_failure(variant_validate(variant))
    assert failure.message == (
        f"caption: {room + 1:,} characters, limit {room:,} (Instagram: {_kept(added)})"
    )


def test_instagram_hashtags_default_five(item):
    variant = variant_for(
        item,
        Platform.INSTAGRAM,
        caption="#milano #isola",
        hashtags=["isola", "#bam", "d", "e", "f"],
    )
    # "isola" is already in the caption: 6 distinct hashtags go out
    assert composed_caption(variant) == "#milano #isola\n\n#bam #d #e #f"
    failure = one_failure(variant_validate(variant))
    assert (failure.field, failure.limit, failure.actual) == ("hashtags", "5", "6")
    assert failure.message == "hashtags: 6 hashtags, limit 5 (Instagram)"
    assert "CONFLICT" in failure.source


def test_instagram_hashtag_limit_is_configurable(item, settings):
    settings.QUARTIERI_INSTAGRAM_MAX_HASHTAGS = 30
    variant = variant_for(item, Platform.INSTAGRAM, hashtags=[f"t{n}" for n in range(30)])
    assert variant_validate(variant) == []
    variant.hashtags.append("t30")
    assert (
        one_failure(variant_validate(variant)).message
        == "hashtags: 31 hashtags, limit 30 (Instagram)"
    )


def test_instagram_mentions(item):
    variant = variant_for(
        item, Platform.INSTAGRAM, caption="@yesmilano", mentions=[f"p{n}" for n in range(20)]
    )
    failure = one_failure(variant_validate(variant))
    assert failure.message == "mentions: 21 mentions, limit 20 (Instagram)"


@pytest.mark.parametrize(
    ("width", "height", "ok"),
    [(1080, 1350, True), (1080, 566, True), (1080, 1400, False), (1080, 560, False)],
)
def test_instagram_image_aspect(item, width, height, ok):
    variant = variant_for(item, Platform.INSTAGRAM)
    media_in_place(item, variant, width=width, height=height)
    failures = variant_validate(variant)
    if ok:
        assert failures == []
    else:
        failure = one_failure(failures)
        assert failure.field == "campaigns/media/baggio.jpg aspect_ratio"
        assert failure.limit == "0.80–1.91"
        assert failure.actual == f"{width / height:.2f} ({width}×{height})"


def test_instagram_image_must_be_jpeg_under_8_mb(item):
    variant = variant_for(item, Platform.INSTAGRAM)
    media_in_place(item, variant, mime_type="image/png", size_bytes=8 * MB + 1)
    failures = {failure.field.split()[-1]: failure for failure in variant_validate(variant)}
    assert set(failures) == {"mime_type", "size_bytes"}
    assert failures["mime_type"].actual == "image/png"
    assert failures["mime_type"].limit == "image/jpeg"
    assert failures["size_bytes"].limit == "8,388,608"
    assert failures["size_bytes"].actual == "8,388,609"


@pytest.mark.parametrize(("seconds", "ok"), [(2.9, False), (3, True), (900, True), (900.5, False)])
def test_instagram_reel_duration(item, seconds, ok):
    variant = variant_for(item, Platform.INSTAGRAM, post_type="reel")
    media_in_place(
        item,
        variant,
        kind="video",
        file="campaigns/media/reel.mp4",
        mime_type="video/mp4",
        caption_file="campaigns/captions/reel.vtt",
        duration_seconds=seconds,
        width=1080,
        height=1920,
    )
    failures = variant_validate(variant)
    if ok:
        assert failures == []
    else:
        failure = one_failure(failures)
        assert failure.field == "campaigns/media/reel.mp4 duration_seconds"
        assert failure.limit == "3–900 s"


def test_instagram_reel_size(item):
    variant = variant_for(item, Platform.INSTAGRAM, post_type="reel")
    media_in_place(
        item,
        variant,
        kind="video",
        mime_type="video/mp4",
        caption_file="campaigns/captions/reel.vtt",
        duration_seconds=30,
        size_bytes=300 * MB + 1,
    )
    failure = one_failure(variant_validate(variant))
    assert failure.message.endswith("bytes, limit 314,572,800 (Instagram)")


def test_instagram_carousel_at_most_ten(item):
    variant = variant_for(item, Platform.INSTAGRAM, post_type="carousel")
    for number in range(11):
        media_in_place(item, variant, file=f"campaigns/media/{number}.jpg")
    failure = one_failure(variant_validate(variant))
    assert failure.message == "media: 11 media files, limit 10 (Instagram)"


def test_instagram_alt_text_at_most_1000(item):
    variant = variant_for(item, Platform.INSTAGRAM)
    media_in_place(item, variant, alt_text="x" * 1001)
    failure = one_failure(variant_validate(variant))
    assert (failure.limit, failure.actual) == ("1,000", "1,001")


@pytest.mark.parametrize("platform", [Platform.FACEBOOK, Platform.NEWSLETTER, Platform.INSTAGRAM])
def test_every_image_needs_alt_text(item, platform):
    variant = variant_for(item, platform)
    media_in_place(item, variant, alt_text="  ")
    failure = one_failure(variant_validate(variant))
    assert failure.field == "campaigns/media/baggio.jpg alt_text"
    assert (
        failure.message == "campaigns/media/baggio.jpg alt_text: missing, alternative text required"
    )


@pytest.mark.parametrize("platform", [Platform.FACEBOOK, Platform.TIKTOK])
def test_every_video_needs_a_caption_file(item, platform):
    variant = variant_for(item, platform, post_type="video")
    media_in_place(item, variant, kind="video", file="campaigns/media/v.mp4", mime_type="video/mp4")
    failure = one_failure(variant_validate(variant))
    assert failure.field == "campaigns/media/v.mp4 caption_file"
    assert (failure.limit, failure.actual) == ("required", "missing")


def test_facebook_has_no_invented_caption_limit(item):
    # platform-apis.md §3.2: the caption maximum is [UNVERIFIED], so none is enforced.
    assert variant_validate(variant_for(item, Platform.FACEBOOK, caption="a" * 10_000)) == []


def test_post_type_must_exist_on_the_platform(item):
    failure = one_failure(variant_validate(variant_for(item, Platform.TIKTOK, post_type="story")))
    assert failure.message == "post type: story, allowed photo, video (TikTok)"


# A section of platform-apis.md, or the platform's own documentation for a kind that
# reference does not cover (Mastodon, issue 15).
SOURCES = ("§", "docs.joinmastodon.org")


def test_every_rule_cites_its_source():
    for rules in (kind.rules() for kind in all_kinds()):
        for value in vars(rules).values():
            if hasattr(value, "source"):
                assert value.source.startswith(SOURCES), value
            if isinstance(value, dict):
                assert all(limit.source.startswith(SOURCES) for limit in value.values())
