"""What an editor reads when a rule refuses a variant: each kind of refusal, word for word.

The edit page shows these messages as warnings and the API answers their field, limit and
actual value, so each is pinned whole here (English msgids; test_locale checks Italian):
the field it names, the limit and the value with their units and digit grouping, the
platform, and the source of the limit. Called on ``variant_validate`` directly (no HTTP),
one refusal at a time; the boundaries themselves are in test_rule_boundaries.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from quartieri.campaigns.models import Variant
from quartieri.campaigns.validation import (
    asset_failures,
    composed_caption,
    hashtag_count,
    mention_count,
    variant_validate,
)
from quartieri.campaigns.writing import draft_counters
from quartieri.channels.registry import Platform, kind_for
from quartieri.channels.rules import ACCESSIBILITY_SOURCE, RuleFailure
from tests.campaigns.conftest import (
    added_length,
    media_in_place,
    one_failure,
    platform_account,
    variant_for,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
FILE = "campaigns/media/baggio.jpg"
CLIP = "campaigns/media/baggio.mp4"
REEL = {
    "kind": "video",
    "file": CLIP,
    "mime_type": "video/mp4",
    "caption_file": "campaigns/captions/baggio.vtt",
    "width": 1080,
    "height": 1920,
    "duration_seconds": 10.0,
    "size_bytes": 20 * MB,
    "probe": {"format": "mp4", "video_codec": "h264", "audio_codec": "aac", "fps": 25.0},
}

INSTAGRAM = kind_for(Platform.INSTAGRAM).rules()
TIKTOK = kind_for(Platform.TIKTOK).rules()


def refusal(item: Any, platform: str, media: dict[str, Any] | None, **fields: Any) -> RuleFailure:
    variant = variant_for(item, platform, **fields)
    if media is not None:
        media_in_place(item, variant, **media)
    return one_failure(variant_validate(variant))


def as_tuple(failure: RuleFailure) -> tuple[str, str, str, str, str]:
    return (failure.field, failure.limit, failure.actual, str(failure), failure.source)


def test_a_caption_over_the_limit_names_its_length_in_characters(item):
    kept = added_length(platform_account(Platform.INSTAGRAM))
    failure = refusal(item, Platform.INSTAGRAM, None, caption="a" * 2201)
    assert as_tuple(failure) == (
        "caption",
        f"{2200 - kept:,}",
        "2,201",
        f"caption: 2,201 characters, limit {2200 - kept:,} (Instagram: {kept} more are kept "
        "for the links quartieri adds)",
        INSTAGRAM.caption_max.source,
    )


def test_a_tiktok_caption_is_counted_in_utf16_units(item):
    kept = added_length(platform_account(Platform.TIKTOK))
    failure = refusal(item, Platform.TIKTOK, None, caption="🙂" * 1101)
    assert as_tuple(failure) == (
        "caption",
        f"{2200 - kept:,}",
        "2,202",
        f"caption: 2,202 UTF-16 units, limit {2200 - kept:,} (TikTok: {kept} more are kept "
        "for the links quartieri adds)",
        TIKTOK.caption_max.source,
    )


def test_a_post_type_the_platform_lacks_lists_the_ones_it_has(item):
    failure = refusal(item, Platform.INSTAGRAM, None, post_type="text")
    assert as_tuple(failure) == (
        "post_type",
        "carousel, feed, reel, story",
        "text",
        "post type: text, allowed carousel, feed, reel, story (Instagram)",
        "rules.py",
    )


def test_too_many_hashtags_and_mentions_are_counted_once_each(item):
    tags = " ".join(f"#tag{n}" for n in range(5))
    # "#Tag0" repeats "#tag0" in other case and the listed "tag1" is already in the caption:
    # six distinct hashtags, not eight.
    failure = refusal(
        item, Platform.INSTAGRAM, None, caption=f"{tags} #Tag0 #six", hashtags=["tag1"]
    )
    assert as_tuple(failure) == (
        "hashtags",
        "5",
        "6",
        "hashtags: 6 hashtags, limit 5 (Instagram)",
        INSTAGRAM.hashtags_max.source,
    )
    names = " ".join(f"@user{n}" for n in range(20))
    failure = refusal(item, Platform.INSTAGRAM, None, caption=names, mentions=["@User0", "x.y"])
    assert as_tuple(failure) == (
        "mentions",
        "20",
        "21",
        "mentions: 21 mentions, limit 20 (Instagram)",
        INSTAGRAM.mentions_max.source,
    )


def test_composed_caption_adds_only_the_listed_hashtags_it_lacks(item):
    variant = variant_for(
        item, Platform.INSTAGRAM, caption="Baggio #Milano", hashtags=[" #milano ", "#parchi", " "]
    )
    assert composed_caption(variant) == "Baggio #Milano\n\n#parchi"
    assert hashtag_count(variant) == 2
    variant.caption = ""
    assert composed_caption(variant) == "#milano #parchi"
    variant.hashtags = []
    assert composed_caption(variant) == ""
    variant.mentions = ["@Comune.Milano", "  ", "comune.milano"]
    variant.caption = "with @comune.milano and @parchi_mi"
    assert mention_count(variant) == 2


def test_a_feed_post_with_two_images_is_one_too_many(item):
    variant = variant_for(item, Platform.INSTAGRAM)
    media_in_place(item, variant)
    media_in_place(item, variant, file="campaigns/media/second.jpg")
    assert as_tuple(one_failure(variant_validate(variant))) == (
        "media",
        "1",
        "2",
        "media: 2 media files, limit 1 (Instagram)",
        INSTAGRAM.media_count_max["feed"].source,
    )


def test_a_carousel_of_one_asks_for_at_least_two(item):
    variant = variant_for(item, Platform.INSTAGRAM, post_type="carousel")
    variant.media.remove(*list(variant.media.all())[1:])
    assert as_tuple(one_failure(variant_validate(variant))) == (
        "media",
        "at least 2",
        "1",
        "media: 1 media files, at least 2 for a “Carousel” (Instagram)",
        INSTAGRAM.media_count_min["carousel"].source,
    )


def test_a_video_on_a_feed_post_names_the_kind_it_takes(item):
    failure = refusal(item, Platform.INSTAGRAM, REEL)
    assert as_tuple(failure) == (
        "media",
        "Image",
        "Video",
        "media: Video, a “Feed post” takes Image (Instagram)",
        INSTAGRAM.media_kinds["feed"].source,
    )


def test_an_image_without_alternative_text_names_the_file(item):
    failure = refusal(item, Platform.INSTAGRAM, {"alt_text": "  "})
    assert as_tuple(failure) == (
        f"{FILE} alt_text",
        "required",
        "missing",
        f"{FILE} alt_text: missing, alternative text required",
        ACCESSIBILITY_SOURCE,
    )


def test_alternative_text_too_long_names_the_file_and_counts_characters(item):
    failure = refusal(item, Platform.INSTAGRAM, {"alt_text": "è" * 1001})
    assert as_tuple(failure) == (
        f"{FILE} alt_text",
        "1,000",
        "1,001",
        f"{FILE} alt_text: 1,001 characters, limit 1,000 (Instagram)",
        INSTAGRAM.alt_text_max.source,
    )


def test_a_video_without_captions_names_the_file(item):
    failure = refusal(item, Platform.INSTAGRAM, {**REEL, "caption_file": ""}, post_type="reel")
    assert as_tuple(failure) == (
        f"{CLIP} caption_file",
        "required",
        "missing",
        f"{CLIP} caption_file: missing, caption file required",
        ACCESSIBILITY_SOURCE,
    )


def test_a_file_never_read_asks_for_an_upload(item):
    failure = refusal(item, Platform.INSTAGRAM, {"probe": {}})
    assert as_tuple(failure) == (
        f"{FILE} probe",
        "required",
        "missing",
        f"{FILE} probe: missing, format read from the file required",
        "media.py",
    )


def test_an_image_format_the_platform_refuses(item):
    failure = refusal(item, Platform.INSTAGRAM, {"mime_type": "image/png"})
    assert as_tuple(failure) == (
        f"{FILE} mime_type",
        "image/jpeg",
        "image/png",
        f"{FILE} mime_type: image/png, allowed image/jpeg (Instagram)",
        INSTAGRAM.image_mime_source,
    )


def test_an_image_too_heavy_counts_bytes(item):
    failure = refusal(item, Platform.INSTAGRAM, {"size_bytes": 8 * MB + 1})
    assert as_tuple(failure) == (
        f"{FILE} size_bytes",
        "8,388,608",
        "8,388,609",
        f"{FILE} size_bytes: 8,388,609 bytes, limit 8,388,608 (Instagram)",
        INSTAGRAM.image_max_bytes.source,
    )


def test_an_image_out_of_aspect_gives_ratio_and_size(item):
    failure = refusal(item, Platform.INSTAGRAM, {"width": 1080, "height": 1500})
    assert as_tuple(failure) == (
        f"{FILE} aspect_ratio",
        "0.80–1.91",
        "0.72 (1080×1500)",
        f"{FILE} aspect_ratio: 0.72 (1080×1500), limit 0.80–1.91 (Instagram)",
        INSTAGRAM.image_aspect["feed"].source,
    )


@pytest.mark.parametrize(("width", "height"), [(None, 1350), (1080, None), (0, 1350)])
def test_an_image_missing_a_dimension_is_refused_not_a_server_error(item, width, height):
    # 0 or None: the ratio cannot be computed, the editor is told what is missing.
    failures = variant_validate(
        _media_variant(item, {"width": width, "height": height}, Platform.INSTAGRAM)
    )
    missing = [f for f in failures if f.field == f"{FILE} aspect_ratio"]
    assert [as_tuple(f) for f in missing] == [
        (
            f"{FILE} aspect_ratio",
            "required",
            "missing",
            f"{FILE} aspect_ratio: missing, width and height required",
            INSTAGRAM.image_aspect["feed"].source,
        )
    ]


def _media_variant(item: Any, media: dict[str, Any], platform: str, **fields: Any) -> Any:
    variant = variant_for(item, platform, **fields)
    media_in_place(item, variant, **media)
    return variant


def test_an_image_too_narrow_gives_its_width_in_px(item):
    failure = refusal(item, Platform.INSTAGRAM, {"width": 319, "height": 398})
    assert as_tuple(failure) == (
        f"{FILE} width",
        "320–1,440 px",
        "319 px",
        f"{FILE} width: 319 px, limit 320–1,440 px (Instagram)",
        INSTAGRAM.image_width_px["feed"].source,
    )


def test_a_reel_too_short_gives_seconds_with_decimals(item):
    failure = refusal(item, Platform.INSTAGRAM, {**REEL, "duration_seconds": 2.5}, post_type="reel")
    assert as_tuple(failure) == (
        f"{CLIP} duration_seconds",
        "3–900 s",
        "2.5 s",
        f"{CLIP} duration_seconds: 2.5 s, limit 3–900 s (Instagram)",
        INSTAGRAM.video_seconds["reel"].source,
    )


def test_a_reel_too_heavy_counts_bytes(item):
    failure = refusal(
        item, Platform.INSTAGRAM, {**REEL, "size_bytes": 300 * MB + 1}, post_type="reel"
    )
    assert as_tuple(failure) == (
        f"{CLIP} size_bytes",
        "314,572,800",
        "314,572,801",
        f"{CLIP} size_bytes: 314,572,801 bytes, limit 314,572,800 (Instagram)",
        INSTAGRAM.video_max_bytes["reel"].source,
    )


@pytest.mark.parametrize(
    ("probe", "mime", "name", "allowed", "actual"),
    [
        ({"video_codec": "vp9"}, "video/mp4", "video_codec", "h264, hevc", "vp9"),
        ({"audio_codec": "opus"}, "video/mp4", "audio_codec", "aac", "opus"),
        ({}, "video/webm", "mime_type", "video/mp4, video/quicktime", "video/webm"),
    ],
)
def test_a_reel_format_the_platform_refuses(item, probe, mime, name, allowed, actual):
    media = {**REEL, "mime_type": mime, "probe": {**REEL["probe"], **probe}}
    failure = refusal(item, Platform.INSTAGRAM, media, post_type="reel")
    source = {
        "video_codec": INSTAGRAM.video_codecs["reel"].source,
        "audio_codec": INSTAGRAM.audio_codecs["reel"].source,
        "mime_type": INSTAGRAM.video_containers["reel"].source,
    }[name]
    assert as_tuple(failure) == (
        f"{CLIP} {name}",
        allowed,
        actual,
        f"{CLIP} {name}: {actual}, allowed {allowed} (Instagram)",
        source,
    )


def test_a_reel_frame_rate_out_of_range_gives_fps(item):
    media = {**REEL, "probe": {**REEL["probe"], "fps": 22.5}}
    failure = refusal(item, Platform.INSTAGRAM, media, post_type="reel")
    assert as_tuple(failure) == (
        f"{CLIP} fps",
        "23–60 FPS",
        "22.5 FPS",
        f"{CLIP} fps: 22.5 FPS, limit 23–60 FPS (Instagram)",
        INSTAGRAM.video_fps["reel"].source,
    )


def test_a_reel_too_wide_gives_its_width(item):
    failure = refusal(item, Platform.INSTAGRAM, {**REEL, "width": 2160}, post_type="reel")
    assert as_tuple(failure) == (
        f"{CLIP} width",
        "1,920",
        "2,160",
        f"{CLIP} width: 2,160 px, limit 1,920 (Instagram)",
        INSTAGRAM.video_max_width_px["reel"].source,
    )


def test_asset_failures_checks_one_file_for_the_variant_it_would_join(item):
    variant = variant_for(item, Platform.INSTAGRAM)
    fine = media_in_place(item, variant)
    png = media_in_place(item, variant, file="campaigns/media/b.png", mime_type="image/png")
    assert asset_failures(asset=fine, variant=variant) == []
    assert [f.field for f in asset_failures(asset=png, variant=variant)] == [
        "campaigns/media/b.png mime_type"
    ]


def test_a_probed_duration_is_shown_to_three_decimals(item):
    # ffprobe gives microseconds; the editor reads milliseconds, and 2.9994 s is still short.
    media = {**REEL, "duration_seconds": 2.9994}
    failure = refusal(item, Platform.INSTAGRAM, media, post_type="reel")
    assert (failure.actual, str(failure)) == (
        "2.999 s",
        f"{CLIP} duration_seconds: 2.999 s, limit 3–900 s (Instagram)",
    )


def test_the_editors_counter_shows_whole_utf16_units(item):
    # An emoji outside the BMP is two UTF-16 units; the counter never shows half a unit.
    variant = variant_for(item, Platform.TIKTOK, caption="🙂" * 1100 + "é!")
    counter = draft_counters(variant)[0]
    kept = added_length(variant.account)
    assert (counter.field, counter.value, counter.over, counter.text) == (
        "caption",
        2202,
        True,
        f"2,202 / {2200 - kept:,} UTF-16 units ({kept} more for the links quartieri adds)",
    )
    assert type(counter.as_json()["value"]) is int


def test_an_italian_editor_reads_the_field_in_italian(item):
    tags = " ".join(f"#tag{n}" for n in range(6))
    with translation.override("it"):
        failure = refusal(item, Platform.INSTAGRAM, None, caption=tags)
        assert str(failure) == "hashtag: 6 hashtag, limite 5 (Instagram)"
    assert failure.field == "hashtags"


def test_a_caption_with_no_limit_is_still_counted_for_the_editor(item):
    # Facebook sets no caption limit: the counter names the caption and shows no limit.
    variant = variant_for(item, Platform.FACEBOOK, caption="Baggio, il lago")
    counter = draft_counters(variant)[0]
    assert (counter.field, counter.value, counter.limit, counter.over) == (
        "caption",
        15,
        None,
        False,
    )


def test_a_video_without_its_duration_names_the_rule_it_cannot_check(item):
    failure = refusal(
        item, Platform.INSTAGRAM, {**REEL, "duration_seconds": None}, post_type="reel"
    )
    assert as_tuple(failure) == (
        f"{CLIP} duration_seconds",
        "required",
        "missing",
        f"{CLIP} duration_seconds: missing, duration required",
        INSTAGRAM.video_seconds["reel"].source,
    )


def test_an_image_with_no_recorded_format_shows_a_dash(item):
    failure = refusal(item, Platform.INSTAGRAM, {"mime_type": ""})
    assert (failure.actual, str(failure)) == (
        "",
        f"{FILE} mime_type: —, allowed image/jpeg (Instagram)",
    )


def test_a_variant_without_a_post_type_shows_a_dash(item):
    failure = one_failure(variant_validate(variant_for(item, Platform.FACEBOOK, post_type="")))
    assert (failure.field, failure.actual, str(failure)) == (
        "post_type",
        "",
        "post type: —, allowed feed, photo, video (Facebook)",
    )


def test_a_video_never_read_is_not_judged_by_the_format_its_row_claims(item):
    # The container a hand-made row claims was never read from the file: only the missing
    # reading is reported (upload it through the media page), not a container it may not be.
    media = {**REEL, "mime_type": "video/webm", "probe": {}}
    failure = refusal(item, Platform.INSTAGRAM, media, post_type="reel")
    assert failure.field == f"{CLIP} probe"


def test_an_unsaved_draft_is_checked_without_its_files(item):
    # The live check runs on the form's values before the variant exists (no media yet).
    variant = Variant(
        content_item=item, account=platform_account(Platform.INSTAGRAM), post_type="feed",
        caption="Baggio",
    )  # fmt: skip
    assert [f.field for f in variant_validate(variant)] == ["media"]


def test_listed_hashtags_and_mentions_lose_only_their_sign():
    # Only a leading "#" or "@" goes: a name that starts like a sign's neighbour keeps it.
    variant = Variant(
        caption="Con @Xavier.Milano", hashtags=["#XMilano"], mentions=["Xavier.Milano"]
    )
    assert composed_caption(variant) == "Con @Xavier.Milano\n\n#XMilano"
    assert mention_count(variant) == 1
