"""Each platform limit at its exact boundary, through the public API: a value at the limit is
approved, one unit over it is refused with the field, the limit and the actual value.

Written against what people and scripts use (POST /api/v1/variants/{id}/approve and
/schedule, the variant's edit page), not against the rules table, so they keep holding
when the rules move. Media rows carry what ``media_probe`` records for an uploaded file
(format, size, dimensions, duration, codecs); the 8 MB, 100 MB and 20 MB files are not
written to disk, their recorded size is what the rules read.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from quartieri.campaigns.models import ContentItem, MediaAsset, Variant
from quartieri.channels.models import ChannelAccount
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import VTT, Api, added_length, give_media, upload

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
JPEG = {"kind": "image", "mime_type": "image/jpeg", "probe": {"format": "jpeg"}}
REEL = {
    "kind": "video",
    "mime_type": "video/mp4",
    "probe": {"format": "mp4", "video_codec": "h264", "audio_codec": "aac", "fps": 25.0},
}


def asset(item: ContentItem, number: int = 0, **fields: Any) -> MediaAsset:
    values: dict[str, Any] = {
        **JPEG,
        "file": f"campaigns/media/file-{number}.{'mp4' if fields.get('kind') == 'video' else 'jpg'}",
        "alt_text": "The Parco delle Cave lakes at sunset",
        "caption_file": "campaigns/captions/file.vtt",
        "width": 1080,
        "height": 1350,
        "size_bytes": 500_000,
    }
    return MediaAsset.objects.create(content_item=item, **{**values, **fields})


@pytest.fixture
def review(make_variant, item, editor, approver):
    """Put a variant with these media in review, then ask the approver's API to approve it."""

    def run(account: ChannelAccount, media: list[dict[str, Any]], **fields: Any) -> Any:
        variant = make_variant(item=item, account=account, by=editor, **fields)
        if media:
            variant.media.set([asset(item, number, **spec) for number, spec in enumerate(media)])
        else:  # the files the post type needs, fit for it
            give_media(variant)
        # Submit applies the same rules as approval: a refusal comes from the first step.
        response = Api(editor).post(f"/variants/{variant.pk}/submit")
        if response.status_code == 200:
            response = Api(approver).post(f"/variants/{variant.pk}/approve")
        variant.refresh_from_db()
        return response, variant

    return run


def approved(result: tuple[Any, Variant]) -> bool:
    response, variant = result
    assert response.status_code in {200, 422}, response.content
    assert (response.status_code == 200) == (variant.status == Variant.Status.APPROVED)
    return response.status_code == 200


def refusal(result: tuple[Any, Variant]) -> tuple[str, str, str]:
    """The one failure: (last word of its field, limit, actual value)."""
    response, variant = result
    assert response.status_code == 422, response.content
    assert variant.status == Variant.Status.DRAFT  # refused at submit: nothing moved
    [error] = response.json()["errors"]
    return error["field"].split()[-1], error["limit"], error["actual"]


# --- Instagram -------------------------------------------------------------------------------


def test_an_instagram_feed_post_takes_one_image(review, instagram):
    assert approved(review(instagram, [{}]))
    assert refusal(review(instagram, [{}, {}])) == ("media", "1", "2")


def test_an_instagram_carousel_takes_ten(review, instagram):
    assert approved(review(instagram, [{}] * 10, post_type="carousel"))
    assert refusal(review(instagram, [{}] * 11, post_type="carousel")) == ("media", "10", "11")


@pytest.mark.parametrize(
    ("width", "height", "ok"),
    [
        (1337, 700, True),  # 1.91:1 exactly
        (1338, 700, False),  # 1.911
        (800, 1000, True),  # 4:5 exactly
        (799, 1000, False),
    ],
)
def test_instagram_feed_aspect_at_its_edges(review, instagram, width, height, ok):
    result = review(instagram, [{"width": width, "height": height}])
    if ok:
        assert approved(result)
    else:
        field, limit, actual = refusal(result)
        assert (field, limit) == ("aspect_ratio", "0.80–1.91")
        assert actual.endswith(f"({width}×{height})")


@pytest.mark.parametrize(("width", "ok"), [(320, True), (319, False), (1440, True), (1441, False)])
def test_instagram_feed_width_at_its_edges(review, instagram, width, ok):
    # A square image, so the aspect rule stays out of the way.
    result = review(instagram, [{"width": width, "height": width}])
    if ok:
        assert approved(result)
    else:
        assert refusal(result) == ("width", "320–1,440 px", f"{width:,} px")


def test_an_instagram_image_may_weigh_8_mb_and_not_a_byte_more(review, instagram):
    assert approved(review(instagram, [{"size_bytes": 8 * MB}]))
    assert refusal(review(instagram, [{"size_bytes": 8 * MB + 1}])) == (
        "size_bytes",
        "8,388,608",
        "8,388,609",
    )


def test_an_instagram_image_must_be_a_jpeg(review, instagram):
    png = {"mime_type": "image/png", "probe": {"format": "png"}}
    assert refusal(review(instagram, [png])) == ("mime_type", "image/jpeg", "image/png")


def test_alt_text_may_be_1000_characters(review, instagram):
    assert approved(review(instagram, [{"alt_text": "a" * 1000}]))
    assert refusal(review(instagram, [{"alt_text": "a" * 1001}])) == ("alt_text", "1,000", "1,001")


def test_twenty_mentions_and_five_hashtags_are_the_most(review, instagram):
    twenty = [f"@friend{n}" for n in range(20)]
    assert approved(review(instagram, [{}], mentions=twenty))
    assert refusal(review(instagram, [{}], mentions=[*twenty, "@one_more"])) == (
        "mentions",
        "20",
        "21",
    )
    five = "Baggio " + " ".join(f"#tag{n}" for n in range(5))
    assert approved(review(instagram, [{}], caption=five))
    assert refusal(review(instagram, [{}], caption=five + " #sixth")) == ("hashtags", "5", "6")


@pytest.mark.parametrize(
    ("seconds", "size", "ok"),
    [(60.0, 100 * MB, True), (60.01, 100 * MB, False), (12.0, 100 * MB + 1, False)],
)
def test_an_instagram_story_video_within_60_s_and_100_mb(review, instagram, seconds, size, ok):
    video = {**REEL, "width": 1080, "height": 1920, "duration_seconds": seconds, "size_bytes": size}
    result = review(instagram, [video], post_type="story")
    if ok:
        assert approved(result)
    elif seconds > 60:
        assert refusal(result) == ("duration_seconds", "0–60 s", "60.01 s")
    else:
        assert refusal(result) == ("size_bytes", "104,857,600", "104,857,601")


@pytest.mark.parametrize(("width", "ok"), [(1920, True), (1921, False)])
def test_an_instagram_reel_is_at_most_1920_px_wide(review, instagram, width, ok):
    video = {**REEL, "width": width, "height": 1080, "duration_seconds": 10.0}
    result = review(instagram, [video], post_type="reel")
    if ok:
        assert approved(result)
    else:
        assert refusal(result) == ("width", "1,920", "1,921")


# --- TikTok ----------------------------------------------------------------------------------

TIKTOK_PHOTO = {"post_type": "photo", "title": "Baggio"}
WEBP = {"mime_type": "image/webp", "probe": {"format": "webp"}}


def test_a_tiktok_photo_may_weigh_20_mb_and_not_a_byte_more(review, tiktok):
    assert approved(review(tiktok, [{**WEBP, "size_bytes": 20 * MB}], **TIKTOK_PHOTO))
    assert refusal(review(tiktok, [{**WEBP, "size_bytes": 20 * MB + 1}], **TIKTOK_PHOTO)) == (
        "size_bytes",
        "20,971,520",
        "20,971,521",
    )


def test_a_tiktok_photo_post_takes_35_images_of_jpeg_or_webp(review, tiktok):
    assert approved(review(tiktok, [WEBP] * 34 + [{}], **TIKTOK_PHOTO))
    assert refusal(review(tiktok, [WEBP] * 36, **TIKTOK_PHOTO)) == ("media", "35", "36")
    png = {"mime_type": "image/png", "probe": {"format": "png"}}
    assert refusal(review(tiktok, [png], **TIKTOK_PHOTO)) == (
        "mime_type",
        "image/jpeg, image/webp",
        "image/png",
    )


def test_a_tiktok_caption_counts_utf16_units_up_to_2200(review, tiktok):
    room = 2200 - added_length(tiktok)  # the outbox's marker line takes the rest
    assert room % 2 == 0, "the test fills the room with two-unit emoji"
    emoji = "🙂" * (room // 2)  # as many UTF-16 units as the room
    assert approved(review(tiktok, [], caption=emoji))
    assert refusal(review(tiktok, [], caption=emoji + "!")) == (
        "caption",
        f"{room:,}",
        f"{room + 1:,}",
    )


def test_a_tiktok_photo_title_is_90_units(review, tiktok):
    assert approved(review(tiktok, [WEBP], post_type="photo", title="t" * 90))
    assert refusal(review(tiktok, [WEBP], post_type="photo", title="t" * 91)) == (
        "title",
        "90",
        "91",
    )


# --- Files whose dimensions or duration are unknown ------------------------------------------


def test_an_image_without_dimensions_is_refused_clearly(review, instagram):
    field, limit, actual = refusal(review(instagram, [{"width": None, "height": None}]))
    assert (field, limit, actual) == ("aspect_ratio", "required", "missing")


def test_a_video_without_a_duration_is_refused_clearly(review, instagram):
    video = {**REEL, "width": 1080, "height": 1920, "duration_seconds": None}
    assert refusal(review(instagram, [video], post_type="reel")) == (
        "duration_seconds",
        "required",
        "missing",
    )


def test_the_edit_page_lists_the_missing_facts_instead_of_failing(
    client_for, make_variant, item, editor, instagram
):
    variant = make_variant(item=item, account=instagram, by=editor, post_type="reel")
    variant.media.set([asset(item, **REEL, width=None, height=None, duration_seconds=None)])
    page = client_for(editor).get(
        f"/campaigns/variants/{variant.pk}/edit/", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    assert "duration_seconds: missing, duration required" in page.content.decode()


def test_a_file_never_read_cannot_be_scheduled(make_variant, item, editor, approver, instagram):
    # A row made by hand (no format read from the file) on an approved variant.
    variant = make_variant(item=item, account=instagram, by=editor, status="approved")
    variant.media.set([asset(item, probe={})])
    response = Api(approver).post(
        f"/variants/{variant.pk}/schedule", {"date": "2021-05-15", "time": "10:00"}
    )
    assert response.status_code == 422
    assert "probe: missing, format read from the file required" in response.json()["detail"]
    assert not OutboxEntry.objects.exists()
    assert Variant.objects.get(pk=variant.pk).scheduled_at is None


# --- A malformed file's header ---------------------------------------------------------------

FAKE_FFPROBE = """#!/bin/sh
# Answers like ffprobe for a file whose header gives an infinite duration.
cat <<'JSON'
{"streams": [{"codec_type": "video", "codec_name": "h264", "width": 1080, "height": 1920,
  "avg_frame_rate": "25/1", "duration": "inf"}],
 "format": {"duration": "inf", "tags": {"major_brand": "isom"}}}
JSON
"""


def test_a_video_whose_header_says_infinite_duration_is_refused_at_upload(
    item, editor, settings, tmp_path
):
    from quartieri.campaigns.media import media_upload

    fake = tmp_path / "ffprobe"
    fake.write_text(FAKE_FFPROBE)
    fake.chmod(0o755)
    settings.MEDIA_FFPROBE = str(fake)
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(64)
    with pytest.raises(ValidationError) as refused:
        media_upload(actor=editor, content_item=item, file=upload(mp4, "clip.mp4"),
                     caption_file=upload(VTT, "clip.vtt"))  # fmt: skip
    assert refused.value.message_dict["file"] == [
        "clip.mp4: the video has no readable size or duration."
    ]
    assert not MediaAsset.objects.exists()


def test_an_infinite_duration_already_stored_is_refused_not_a_server_error(
    review, client_for, editor, instagram
):
    # Rows stored before uploads refused it: the edit page and the approval say why.
    video = {**REEL, "width": 1080, "height": 1920, "duration_seconds": float("inf")}
    response, variant = review(instagram, [video], post_type="story")
    assert refusal((response, variant)) == ("duration_seconds", "0–60 s", "inf s")
    page = client_for(editor).get(
        f"/campaigns/variants/{variant.pk}/edit/", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    assert "duration_seconds: inf s, limit 0–60 s (Instagram)" in page.content.decode()
