"""Uploading images and videos: read from their content, checked whole, stored, attached.

Real files: images made with Pillow, videos with ffmpeg's test sources (Debian's ffmpeg).
Every refusal also checks that nothing was written: no row, no file, no audit event.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.media import caption_parse, media_attach, media_delete, media_upload
from quartieri.campaigns.models import MediaAsset, Variant
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import VTT, Unchanged, image_bytes, make_video, stored_files, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="Debian package ffmpeg missing"),
]

SRT = b"1\n00:00:00,000 --> 00:00:00,900\nParco delle Cave\n\n2\n00:00:00,900 --> 00:00:01,000\nBaggio\n"


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


class Nothing:
    """Asserts a refused upload wrote no row, no file and no audit event."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.audit = AuditEvent.objects.count()
        self.rows = MediaAsset.objects.count()  # rows made by hand (give_media) have no file

    def check(self) -> None:
        assert MediaAsset.objects.count() == self.rows
        assert stored_files(self.settings) == []
        assert AuditEvent.objects.count() == self.audit


# --- Images -----------------------------------------------------------------------------------
def test_an_image_is_known_by_its_content_not_its_name(item, editor, settings):
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(image_bytes("PNG", (1200, 800)), "Parco delle Cave.jpg"),
        alt_text="  Il laghetto del Parco delle Cave  ",
    )

    stored = MediaAsset.objects.get()
    assert stored == asset
    assert (stored.kind, stored.mime_type, stored.width, stored.height) == (
        "image",
        "image/png",
        1200,
        800,
    )
    assert stored.size_bytes == len(image_bytes("PNG", (1200, 800)))
    assert stored.alt_text == "Il laghetto del Parco delle Cave"
    assert stored.probe == {"format": "png"}
    # Unguessable name (22 random characters), extension from the content, never ".jpg".
    assert re.fullmatch(r"campaigns/media/[\w-]{22}-parco-delle-cave\.png", stored.file.name)
    # ... and a JPEG thumbnail for the media library, as unguessable.
    assert re.fullmatch(r"campaigns/media/thumbs/[\w-]{22}\.jpg", stored.thumbnail.name)
    assert stored_files(settings) == sorted([stored.file.name, stored.thumbnail.name])
    event = AuditEvent.objects.get(action="campaigns.media.upload")
    assert event.after["original_name"] == "Parco delle Cave.jpg"


def test_two_uploads_of_one_file_get_different_names(item, editor):
    first = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    second = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    assert first.file.name != second.file.name


def test_an_exif_rotated_photo_reports_the_size_people_see(item, editor):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    Image.new("RGB", (1350, 1080)).save(buffer, format="JPEG", exif=exif)
    asset = media_upload(
        actor=editor, content_item=item, file=upload(buffer.getvalue(), "p.jpg"), alt_text="A"
    )
    assert (asset.width, asset.height) == (1080, 1350)


def test_an_image_without_alternative_text_is_refused(item, editor, settings):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(
            actor=editor, content_item=item, file=upload(image_bytes(), "cave.jpg"), alt_text=" "
        )
    assert refused.value.message_dict == {
        "alt_text": ["cave.jpg: an image needs alternative text (what it shows)."]
    }
    nothing.check()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        pytest.param(
            b"<html>not a picture</html>",
            "cave.jpg",
            "cave.jpg: not a JPEG, PNG or WebP image, nor an MP4 or MOV video",
            id="text_named_jpg_case",
        ),
        pytest.param(
            image_bytes("GIF", (10, 10)),
            "anim.gif",
            "anim.gif: not a JPEG, PNG or WebP image",
            id="gif_case",
        ),
        pytest.param(
            image_bytes()[:2000],
            "cut.jpg",
            "cut.jpg: the image cannot be read (",
            id="truncated_jpeg_case",
        ),
        pytest.param(b"", "empty.png", "empty.png: the file is empty.", id="empty_case"),
        pytest.param(
            b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64,
            "broken.mp4",
            "broken.mp4: the video cannot be read (",
            id="broken_mp4_case",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_naming_it(
    item, editor, settings, data, name, expected
):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(actor=editor, content_item=item, file=upload(data, name), alt_text="A")
    [message] = refused.value.message_dict["file"]
    assert message.startswith(expected)
    assert "quartieri-upload-" not in message  # the server's temporary file is not shown
    nothing.check()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's own notice
def test_a_decompression_bomb_is_refused_before_decoding(item, editor, settings, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100 - 1)
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(
            actor=editor, content_item=item, file=upload(image_bytes(size=(100, 100)), "b.png")
        )
    assert refused.value.message_dict == {
        "file": ["b.png: the image cannot be read (100×100 pixels)."]
    }
    nothing.check()


def test_the_upload_cap_comes_from_settings(item, editor, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 1024 * 1024
    big = image_bytes("PNG") + b"\x00" * (1024 * 1024)  # trailing bytes: still a PNG
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(actor=editor, content_item=item, file=upload(big, "huge.png"), alt_text="A")
    [message] = refused.value.message_dict["file"]
    assert message.startswith("huge.png: ")
    assert message.endswith("the upload limit is 1 MB.")
    nothing.check()


def test_an_analyst_uploads_nothing(item, analyst, settings):
    nothing = Nothing(settings)
    with pytest.raises(PermissionDenied):
        media_upload(actor=analyst, content_item=item, file=upload(image_bytes(), "a.jpg"))
    nothing.check()


# --- Videos -----------------------------------------------------------------------------------
def test_a_video_is_read_with_ffprobe(item, editor, videos, settings):
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(make_video(videos), "Baggio tour.mp4"),
        caption_file=upload(VTT, "baggio.vtt"),
    )
    assert (asset.kind, asset.mime_type, asset.width, asset.height) == (
        "video",
        "video/mp4",
        360,
        640,
    )
    assert asset.duration_seconds == pytest.approx(1.0, abs=0.1)
    assert asset.probe == {
        "format": "mp4",
        "video_codec": "h264",
        "audio_codec": "aac",
        "fps": 25.0,
        "caption_format": "vtt",
        "caption_cues": 1,
    }
    assert re.fullmatch(r"campaigns/captions/[\w-]{22}-baggio\.vtt", asset.caption_file.name)
    assert asset.caption_file.read() == VTT
    assert sorted(stored_files(settings)) == sorted(
        [asset.file.name, asset.caption_file.name, asset.thumbnail.name]
    )


def test_a_mov_hevc_silent_video_with_srt_captions(item, editor, videos):
    video = make_video(videos, codec="libx265", audio=None, suffix="mov")
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(video, "clip.mp4"),  # the name lies: the content says QuickTime
        caption_file=upload(SRT, "clip.srt"),
    )
    assert asset.mime_type == "video/quicktime"
    assert asset.file.name.endswith(".mov")
    assert asset.probe["video_codec"] == "hevc"
    assert asset.probe["audio_codec"] is None
    assert asset.probe["caption_format"] == "srt"


def test_a_portrait_phone_video_reports_its_displayed_size(item, editor, videos, tmp_path):
    landscape = make_video(videos, size="640x360")
    rotated = tmp_path / "rotated.mp4"
    subprocess.run(  # noqa: S603
        ["ffmpeg", "-v", "error", "-y", "-i", str(landscape), "-c", "copy"]  # noqa: S607
        + ["-metadata:s:v:0", "rotate=90", str(rotated)],
        check=True,
    )
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(rotated, "phone.mp4"),
        caption_file=upload(VTT, "c.vtt"),
    )
    assert (asset.width, asset.height) == (360, 640)


@pytest.mark.parametrize(
    ("recipe", "expected"),
    [
        pytest.param(
            {"codec": "mpeg4"},
            "clip.mp4: video codec mpeg4, accepted H.264, HEVC (H.265).",
            id="mpeg4_video_case",
        ),
        pytest.param(
            {"audio": "libmp3lame"},
            "clip.mp4: audio codec mp3, accepted AAC.",
            id="mp3_audio_case",
        ),
    ],
)
def test_a_video_in_a_codec_the_platforms_do_not_take_is_refused(
    item, editor, videos, settings, recipe, expected
):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(
            actor=editor,
            content_item=item,
            file=upload(make_video(videos, **recipe), "clip.mp4"),
            caption_file=upload(VTT, "c.vtt"),
        )
    assert refused.value.message_dict == {"file": [expected]}
    nothing.check()


def test_a_video_without_a_caption_file_is_refused(item, editor, videos, settings):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(actor=editor, content_item=item, file=upload(make_video(videos), "v.mp4"))
    assert list(refused.value.message_dict) == ["caption_file"]
    assert "A video needs a caption file" in refused.value.message_dict["caption_file"][0]
    nothing.check()


@pytest.mark.parametrize(
    ("captions", "expected"),
    [
        pytest.param(b"WEBVTT\n\nnot a timing\nHello\n", "c.vtt, line 3: “not a timing” is not a cue timing such as 00:00:01.000 --> 00:00:04.000.", id="bad_timing_case"),
        pytest.param(b"WEBVTT\n\n00:00:00.800 --> 00:00:00.200\nHello\n", "c.vtt, line 3: the cue ends before it starts.", id="backwards_case"),
        pytest.param(b"WEBVTT\n\n00:00:00.000 --> 00:00:00.500\n", "c.vtt, line 3: the cue has no text.", id="no_text_case"),
        pytest.param(b"WEBVTT\n\nNOTE only a note\n", "c.vtt: the file has no cue.", id="no_cue_case"),
        pytest.param(b"Hello there\n", "c.vtt: neither WebVTT (first line “WEBVTT”) nor SRT (numbered cues).", id="neither_case"),
        pytest.param("WEBVTT\n\n00:00:00.000 --> 00:00:00.500\nCiào\n".encode("latin-1"), "c.vtt: not UTF-8 text.", id="latin1_case"),
        pytest.param(b"WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nLater\n", "c.vtt, line 3: the cue starts at 5 s, after the video ends (1.", id="after_the_end_case"),
        pytest.param(b"1\n00:00:00.000 --> 00:00:00.500\nDot, not comma\n", "c.vtt, line 2: “00:00:00.000 --> 00:00:00.500” is not a cue timing such as 00:00:01,000 --> 00:00:04,000.", id="srt_with_dots_case"),
    ],
)  # fmt: skip
def test_a_caption_file_is_parsed_and_checked(item, editor, videos, settings, captions, expected):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(
            actor=editor,
            content_item=item,
            file=upload(make_video(videos), "v.mp4"),
            caption_file=upload(captions, "c.vtt"),
        )
    [message] = refused.value.message_dict["caption_file"]
    assert message.startswith(expected)
    nothing.check()


def test_caption_parse_reads_identifiers_settings_and_crlf():
    data = (
        b"\xef\xbb\xbfWEBVTT - Baggio\r\n\r\nNOTE a note\r\n\r\nintro\r\n"
        b"00:01.000 --> 00:02.500 align:start\r\nCiao\r\n\r\n01:00:00.000 --> 01:00:01.000\r\nFine\r\n"
    )
    captions = caption_parse(data=data, name="c.vtt")
    assert captions.format == "vtt"
    assert [(cue.line, cue.start, cue.end) for cue in captions.cues] == [
        (6, 1.0, 2.5),
        (9, 3600.0, 3601.0),
    ]


def test_an_image_takes_no_caption_file(item, editor, settings):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(
            actor=editor,
            content_item=item,
            file=upload(image_bytes(), "a.jpg"),
            alt_text="A",
            caption_file=upload(VTT, "c.vtt"),
        )
    assert refused.value.message_dict == {"caption_file": ["Only a video takes a caption file."]}
    nothing.check()


# --- Attaching to variants --------------------------------------------------------------------
def test_an_upload_for_a_variant_meets_its_platform_rules_or_nothing_is_written(
    item, instagram, editor, make_variant, settings
):
    variant = make_variant(item=item, account=instagram, by=editor)
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(
            actor=editor,
            content_item=item,
            file=upload(image_bytes("PNG", (1080, 1920)), "story.png"),
            alt_text="A",
            variants=[variant],
        )
    messages = refused.value.message_dict["variants"]
    assert "story.png mime_type: image/png, allowed image/jpeg (Instagram)" in messages
    assert "story.png aspect_ratio: 0.56 (1080×1920), limit 0.80–1.91 (Instagram)" in messages
    nothing.check()
    assert list(variant.media.all()) == []


def test_an_upload_is_attached_to_the_chosen_variant(item, instagram, editor, make_variant):
    variant = make_variant(item=item, account=instagram, by=editor)
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(image_bytes(), "feed.jpg"),
        alt_text="A",
        variants=[variant],
    )
    assert list(variant.media.all()) == [asset]
    event = AuditEvent.objects.filter(action="campaigns.variant.media").get()
    assert (event.before, event.after) == ({"media": []}, {"media": [asset.pk]})


def test_a_video_with_captions_goes_straight_into_a_tiktok_variant(
    item, tiktok, editor, make_variant, videos
):
    variant = make_variant(item=item, account=tiktok, by=editor)
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(make_video(videos), "v.mp4"),
        caption_file=upload(VTT, "c.vtt"),
        variants=[variant],
    )
    assert list(variant.media.all()) == [asset]
    assert asset.caption_file.name.startswith("campaigns/captions/")


def test_changing_the_media_of_an_approved_variant_sends_it_back_to_review(
    item, instagram, editor, approver, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor, status="approved")
    asset = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )

    media_attach(actor=editor, asset=asset, add=[variant])

    variant.refresh_from_db()
    assert variant.status == Variant.Status.IN_REVIEW
    assert variant.last_edited_by == editor  # four eyes: the editor may not approve it now
    assert asset in variant.media.all()


def test_media_attach_refuses_to_remove_from_variants_the_actor_may_not_draft_on(
    item, instagram, editor, other_editor, make_variant
):
    # other_editor has no grant on the Instagram account
    insta = make_variant(item=item, account=instagram, by=editor)
    asset = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    insta.media.add(asset)
    unchanged = Unchanged(insta)

    with pytest.raises(ValidationError):
        media_attach(actor=other_editor, asset=asset, remove=[insta])

    assert list(insta.media.all()) == [asset]
    unchanged.check()


def _users(asset: MediaAsset) -> set[int]:
    return set(Variant.objects.filter(media=asset).values_list("pk", flat=True))


def test_media_attach_adds_and_removes_only_the_variants_it_names(
    item, tiktok, instagram, editor, make_variant
):
    # given a photo used by two drafts
    insta = make_variant(item=item, account=instagram, by=editor)
    photo = make_variant(item=item, account=tiktok, by=editor, post_type="photo")
    other = make_variant(item=item, account=tiktok, by=editor, post_type="photo")
    asset = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    insta.media.add(asset)
    photo.media.add(asset)

    # when the editor adds it to a third and names nobody to remove
    media_attach(actor=editor, asset=asset, add=[other])

    # then the two it already had keep it (it used to be "exactly these": both lost it)
    assert _users(asset) == {insta.pk, photo.pk, other.pk}

    # and removing one takes it off that one only
    media_attach(actor=editor, asset=asset, remove=[insta])
    assert _users(asset) == {photo.pk, other.pk}

    # and naming a variant in both lists is refused, changing nothing
    with pytest.raises(ValidationError):
        media_attach(actor=editor, asset=asset, add=[insta], remove=[insta])
    assert _users(asset) == {photo.pk, other.pk}


def test_an_upload_for_a_variant_on_its_way_leaves_no_file(
    item, tiktok, editor, approver, make_variant, videos, settings
):
    variant = make_variant(item=item, account=tiktok, by=editor, status="scheduled")
    OutboxEntry.objects.filter(variant=variant).update(state=OutboxEntry.State.SUBMITTING)
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        media_upload(
            actor=approver,
            content_item=item,
            file=upload(make_video(videos), "v.mp4"),
            caption_file=upload(VTT, "c.vtt"),
            variants=[variant],
        )
    # the checks passed; the edit of the variant refused once the file was already stored
    assert refused.value.messages == [
        "This post is already being published and can no longer be edited."
    ]
    nothing.check()
    variant.refresh_from_db()
    assert variant.status == Variant.Status.SCHEDULED


def test_a_file_in_use_cannot_be_deleted(item, instagram, editor, make_variant, settings):
    variant = make_variant(item=item, account=instagram, by=editor)
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(image_bytes(), "a.jpg"),
        alt_text="A",
        variants=[variant],
    )
    with pytest.raises(ValidationError) as refused:
        media_delete(actor=editor, asset=asset)
    assert "take it off those variants first" in refused.value.messages[0]
    assert MediaAsset.objects.filter(pk=asset.pk).exists()
    assert stored_files(settings) == sorted([asset.file.name, asset.thumbnail.name])


def test_deleting_removes_the_row_and_its_files(
    item, editor, videos, settings, django_capture_on_commit_callbacks
):
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(make_video(videos), "v.mp4"),
        caption_file=upload(VTT, "c.vtt"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        media_delete(actor=editor, asset=asset)
    assert not MediaAsset.objects.exists()
    assert stored_files(settings) == []
    assert AuditEvent.objects.filter(action="campaigns.media.delete").count() == 1
