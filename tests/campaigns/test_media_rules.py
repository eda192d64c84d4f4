"""Per-platform format checks on probed files, and scheduling refusing media a platform
cannot take (naming the file, the limit and the value) with no outbox row written."""

from __future__ import annotations

import shutil

import pytest
from django.core.exceptions import ValidationError

from quartieri.campaigns.media import media_upload
from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.campaigns.services import variant_schedule
from quartieri.campaigns.validation import asset_failures, variant_validate
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import IN_WINDOW, VTT, Unchanged, image_bytes, make_video, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="Debian package ffmpeg missing"),
]


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("rule-videos")


def _video(item, editor, path, name="clip.mp4") -> MediaAsset:
    return media_upload(
        actor=editor,
        content_item=item,
        file=upload(path, name),
        caption_file=upload(VTT, "clip.vtt"),
    )


def _fields(failures) -> dict[str, tuple[str, str]]:
    return {failure.field.split()[-1]: (failure.limit, failure.actual) for failure in failures}


def test_an_unfit_video_cannot_be_scheduled_and_no_outbox_row_exists(
    item, tiktok, editor, approver, make_variant, videos
):
    # given an approved TikTok video post, whose file is then swapped behind the workflow's
    # back (an administrator): 320×240 at 15 FPS, below TikTok's 360 px and 23 FPS (§1.5)
    variant = make_variant(item=item, account=tiktok, by=editor, status="approved")
    asset = _video(item, editor, make_video(videos, size="320x240", rate=15), "small.mp4")
    variant.media.set([asset])  # in place of the fitting one
    unchanged = Unchanged(variant)

    # when
    with pytest.raises(ValidationError) as refused:
        variant_schedule(actor=approver, variant=variant, at=IN_WINDOW)

    # then: every reason names the file, the limit and the actual value
    name = asset.file.name
    assert sorted(refused.value.messages) == sorted(
        [
            f"{name} fps: 15 FPS, limit 23–60 FPS (TikTok)",
            f"{name} width: 320 px, limit 360–4,096 px (TikTok)",
            f"{name} height: 240 px, limit 360–4,096 px (TikTok)",
        ]
    )
    unchanged.check()
    assert not OutboxEntry.objects.filter(variant=variant).exists()


def test_a_fit_video_is_scheduled_into_the_outbox(
    item, tiktok, editor, approver, make_variant, videos
):
    variant = make_variant(item=item, account=tiktok, by=editor, status="approved")
    variant.media.set([_video(item, editor, make_video(videos))])

    variant_schedule(actor=approver, variant=variant, at=IN_WINDOW)

    assert Variant.objects.get(pk=variant.pk).status == Variant.Status.SCHEDULED
    assert OutboxEntry.objects.filter(variant=variant).count() == 1


def test_a_file_never_read_from_its_content_cannot_be_scheduled(
    item, tiktok, editor, approver, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status="approved")
    by_hand = MediaAsset.objects.create(
        content_item=item,
        kind="video",
        file="campaigns/media/by-hand.mp4",
        caption_file="campaigns/captions/by-hand.vtt",
        mime_type="video/mp4",
    )
    variant.media.set([by_hand])
    with pytest.raises(ValidationError) as refused:
        variant_schedule(actor=approver, variant=variant, at=IN_WINDOW)
    assert refused.value.messages == [
        "campaigns/media/by-hand.mp4 probe: missing, format read from the file required"
    ]
    assert not OutboxEntry.objects.filter(variant=variant).exists()


@pytest.mark.parametrize(
    ("recipe", "expected"),
    [
        pytest.param(
            {"seconds": 2, "audio": None},
            {"duration_seconds": ("3–900 s", "2 s")},
            id="too_short_case",
        ),
        pytest.param(
            {"rate": 60, "seconds": 3},
            {},
            id="fit_case",
        ),
        pytest.param(
            {"size": "1928x240", "seconds": 3},
            {"width": ("1,920", "1,928")},
            id="too_wide_case",
        ),
        pytest.param(
            {"rate": 20, "seconds": 3}, {"fps": ("23–60 FPS", "20 FPS")}, id="slow_fps_case"
        ),
    ],
)
def test_instagram_reels_rules_on_real_files(
    item, instagram, editor, make_variant, videos, recipe, expected
):
    variant = make_variant(item=item, account=instagram, by=editor, post_type="reel")
    asset = _video(item, editor, make_video(videos, **recipe))
    assert _fields(asset_failures(asset=asset, variant=variant)) == expected


def test_a_reel_in_a_codec_instagram_does_not_take(item, instagram, editor, make_variant):
    # A WebM/VP9 file (TikTok takes it, Reels do not): upload refuses it anyway, so the rule
    # is checked on the row the way an older import would have left it.
    variant = make_variant(item=item, account=instagram, by=editor, post_type="reel")
    asset = MediaAsset(
        content_item=item,
        kind="video",
        file="campaigns/media/x.webm",
        mime_type="video/webm",
        width=1080,
        height=1920,
        duration_seconds=10,
        probe={"video_codec": "vp9", "audio_codec": "opus", "fps": 30},
    )
    assert _fields(asset_failures(asset=asset, variant=variant)) == {
        "mime_type": ("video/mp4, video/quicktime", "video/webm"),
        "video_codec": ("h264, hevc", "vp9"),
        "audio_codec": ("aac", "opus"),
        "caption_file": ("required", "missing"),
    }


def test_a_story_image_is_not_held_to_the_feed_aspect(item, instagram, editor, make_variant):
    story = make_variant(item=item, account=instagram, by=editor, post_type="story")
    feed = make_variant(item=item, account=instagram, by=editor, post_type="feed")
    tall = media_upload(
        actor=editor,
        content_item=item,
        file=upload(image_bytes(size=(1080, 1920)), "tall.jpg"),
        alt_text="A",
    )
    assert asset_failures(asset=tall, variant=story) == []
    assert set(_fields(asset_failures(asset=tall, variant=feed))) == {"aspect_ratio"}


def test_an_instagram_feed_image_must_be_320_to_1440_wide(item, instagram, editor, make_variant):
    variant = make_variant(item=item, account=instagram, by=editor)
    wide = media_upload(
        actor=editor,
        content_item=item,
        file=upload(image_bytes(size=(2000, 2000)), "wide.jpg"),
        alt_text="A",
    )
    variant.media.add(wide)
    failures = variant_validate(variant)
    assert _fields(failures) == {"width": ("320–1,440 px", "2,000 px")}
    assert failures[0].source == "§2.2 image width 320–1440 px [V]"
