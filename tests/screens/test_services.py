"""Displays, groups, schedules and slides through the services: checks before writes.

Uploads are real files (Pillow images, ffmpeg test videos); every refusal also checks that
nothing was written: no row, no file, no audit event.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from quartieri.accounts.models import AuditEvent
from quartieri.analytics.tracking import Link
from quartieri.screens import services, slides
from quartieri.screens.models import ContentVersion, Display, RetiredToken, Schedule, Slide
from tests.screens.conftest import image_bytes, upload

pytestmark = pytest.mark.django_db

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="Debian package ffmpeg missing"
)


def stored_files(settings: Any) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


class Nothing:
    """A refused call wrote no slide, no file and no audit event."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.slides = Slide.objects.count()
        self.files = stored_files(settings)
        self.audit = AuditEvent.objects.count()

    def check(self) -> None:
        assert Slide.objects.count() == self.slides
        assert stored_files(self.settings) == self.files
        assert AuditEvent.objects.count() == self.audit


# --- Displays --------------------------------------------------------------------------------
def test_a_display_at_a_stop_takes_the_stop_s_coordinates_and_neighbourhood(stop, group):
    display = services.display_create(
        actor=None, name="Stop", width=1920, height=1080, place=stop, groups=[group]
    )
    assert (display.lat, display.lon) == (stop.lat, stop.lon)
    assert display.neighbourhood == stop.neighbourhood
    assert display.place_label == "Borgo (M9)"
    assert list(display.groups.all()) == [group]


def test_a_display_with_no_known_place_has_no_coordinates(db):
    display = services.display_create(actor=None, name="Somewhere", width=1920, height=1080)
    assert display.lat is None
    assert display.lon is None


def test_moving_a_display_to_another_stop_takes_that_stop_s_position(display, stop, area):
    other = type(stop).objects.create(
        neighbourhood=area, category=stop.category, name_it="Altro (M9)", lat=45.4071, lon=9.1081,
        source="test-metro", source_record="2", licence=stop.licence,
    )  # fmt: skip
    moved = services.display_update(actor=None, display=display, place=other)
    assert (moved.lat, moved.lon, moved.place_label) == (45.4071, 9.1081, "Altro (M9)")


@pytest.mark.parametrize(
    ("size", "orientation", "field"),
    [
        ((1080, 1920), "landscape", "orientation"),
        ((1920, 1080), "portrait", "orientation"),
        ((100, 50), "landscape", "width"),
    ],
    ids=["tall_landscape_case", "wide_portrait_case", "too_small_case"],
)
def test_a_display_whose_resolution_contradicts_it_is_refused(db, size, orientation, field):
    with pytest.raises(ValidationError) as refused:
        services.display_create(
            actor=None, name="Bad", width=size[0], height=size[1], orientation=orientation
        )
    assert field in refused.value.message_dict
    assert Display.objects.count() == 0


def test_people_without_the_screens_capability_change_nothing(editor, analyst, display):
    before = (Display.objects.get(pk=display.pk).token_hash, AuditEvent.objects.count())
    for person in (editor, analyst):
        with pytest.raises(PermissionDenied):
            services.display_rotate_token(actor=person, display=display)
        with pytest.raises(PermissionDenied):
            services.display_create(actor=person, name="X", width=1920, height=1080)
        with pytest.raises(PermissionDenied):
            services.display_push(actor=person)
    assert (Display.objects.get(pk=display.pk).token_hash, AuditEvent.objects.count()) == before
    assert Display.objects.count() == 1


def test_rotation_retires_the_old_token_and_audits_without_it(approver, display):
    old_hash, old_path = display.token_hash, services.display_player_path(display)
    services.display_rotate_token(actor=approver, display=display)
    fresh = Display.objects.get(pk=display.pk)
    assert fresh.token_hash != old_hash
    assert RetiredToken.objects.get().token_hash == old_hash
    event = AuditEvent.objects.filter(action="screens.display.rotate_token").get()
    assert event.actor == approver
    assert old_path.split("/")[-2] not in str(event.after)
    assert services.display_player_path(fresh).split("/")[-2] not in str(event.after)


# --- Schedules --------------------------------------------------------------------------------
def test_a_schedule_needs_a_target_days_and_hours_in_order(playlist):
    before = (Schedule.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.schedule_save(
            actor=None, name="Bad", playlist=playlist, weekdays=[], start_date=dt.date(2026, 6, 2),
            end_date=dt.date(2026, 6, 1), start_time=dt.time(22), end_time=dt.time(6),
        )  # fmt: skip
    errors = refused.value.message_dict
    assert set(errors) == {"displays", "weekdays", "end_date", "end_time"}
    assert "make two schedules" in errors["end_time"][0]
    assert (Schedule.objects.count(), AuditEvent.objects.count()) == before


def test_every_change_a_player_must_see_moves_the_content_version(playlist, make_slide, group):
    def version() -> int:
        return ContentVersion.objects.get(pk=1).value

    start = version()
    services.playlist_set_items(actor=None, playlist=playlist, items=[(make_slide("New"), 4)])
    assert version() == start + 2  # the new slide, then the playlist
    services.schedule_save(
        actor=None,
        schedule=playlist.schedules.get(),
        name="Renamed",
        playlist=playlist,
        groups=[group],
    )
    assert version() == start + 3


def test_a_playlist_refuses_a_duration_out_of_range(playlist, make_slide):
    slide = make_slide("Long")
    with pytest.raises(ValidationError, match="from 1 to 3600 seconds"):
        services.playlist_set_items(actor=None, playlist=playlist, items=[(slide, 0)])
    assert playlist.items.count() == 2


# --- Slides -----------------------------------------------------------------------------------
def test_an_image_slide_is_read_from_its_content(settings, area):
    slide = slides.slide_create(
        actor=None, kind=Slide.Kind.IMAGE, name="Parco", alt_text="Il parco",
        upload=upload(image_bytes("PNG", (2400, 1600)), "parco.jpg"),
    )  # fmt: skip
    assert (slide.media_type, slide.media_width, slide.media_height) == ("image/png", 2400, 1600)
    assert slide.media.name.startswith("screens/slides/")
    assert slide.media.name.endswith("-parco.png")
    rendition = slides.rendition_for(slide=slide, width=1280, height=720)
    assert rendition.content_type == "image/jpeg"
    from PIL import Image

    with rendition.file.open("rb") as handle, Image.open(handle) as scaled:
        assert scaled.size == (1080, 720)  # fitted inside the display, never stretched


@pytest.mark.parametrize(
    ("kind", "data", "name", "message"),
    [
        (Slide.Kind.IMAGE, b"just text", "notes.jpg", "notes.jpg: not a JPEG, PNG or WebP image"),
        (
            Slide.Kind.IMAGE,
            image_bytes("JPEG")[:400],
            "cut.jpg",
            "cut.jpg: the image cannot be read",
        ),
        (Slide.Kind.IMAGE, b"", "empty.png", "empty.png: the file is empty"),
        (Slide.Kind.LAYOUT, b"%PDF-1.4", "flyer.pdf", "flyer.pdf: not a JPEG, PNG or WebP image"),
    ],
    ids=["text_case", "truncated_jpeg_case", "empty_case", "pdf_photo_case"],
)
def test_a_wrong_or_corrupt_upload_is_refused_with_the_reason(
    settings, db, kind, data, name, message
):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        slides.slide_create(
            actor=None, kind=kind, name="X", title="X", alt_text="x", upload=upload(data, name)
        )
    assert message in refused.value.message_dict["media"][0]
    nothing.check()


def test_an_image_over_the_cap_is_refused_before_it_is_read(settings, db):
    settings.MEDIA_MAX_IMAGE_BYTES = 1000
    nothing = Nothing(settings)
    with pytest.raises(
        ValidationError,
        match=r"big\.jpg: 0\.0 MB, the limit for this kind of slide is 0\.000953674 MB",
    ):
        slides.slide_create(
            actor=None,
            kind=Slide.Kind.IMAGE,
            name="X",
            alt_text="x",
            upload=upload(image_bytes(), "big.jpg"),
        )
    nothing.check()


def test_a_slide_without_alternative_text_or_title_is_refused(settings, db):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        slides.slide_create(
            actor=None, kind=Slide.Kind.LAYOUT, name="X", alt_text="  ", show_map=True
        )
    assert set(refused.value.message_dict) == {"alt_text", "title", "show_map"}
    nothing.check()


def test_a_slide_s_qr_code_is_a_tracked_link_and_a_refused_target_writes_nothing(
    settings, area, campaign
):
    nothing = Nothing(settings)
    with pytest.raises(ValidationError) as refused:
        slides.slide_create(actor=None, kind=Slide.Kind.LAYOUT, name="X", title="X",
                            alt_text="X", qr_target="https://evil.example/win")  # fmt: skip
    [message] = refused.value.message_dict["qr_target"]
    assert message.startswith("The QR code cannot lead there: 'evil.example' is not one of")
    nothing.check()
    assert not Link.objects.exists()

    slide = slides.slide_create(
        actor=None, kind=Slide.Kind.LAYOUT, name="Borgo", title="Borgo", alt_text="Borgo",
        qr_target=f"{settings.PUBLIC_URL}/q/borgo/it/", neighbourhood=area, campaign=campaign,
    )  # fmt: skip
    link = Link.objects.get()
    assert slide.qr_link == f"{settings.PUBLIC_URL}/l/{link.code}"
    assert (link.channel, link.placement, link.campaign, link.neighbourhood) == (
        "screens", f"slide-{slide.pk}", campaign, area
    )  # fmt: skip
    svg = slides.rendition_for(slide=slide, width=1280, height=720).file.open("rb").read()
    assert f"{settings.PUBLIC_URL}/l/{link.code}".split("://")[1].encode() in svg
    # Saved again unchanged, it keeps its link; another target is another link.
    slides.slide_update(actor=None, slide=slide, title="Borgo!")
    assert Slide.objects.get(pk=slide.pk).qr_link == slide.qr_link
    slides.slide_update(actor=None, slide=slide, qr_target=f"{settings.PUBLIC_URL}/q/borgo/en/")
    assert Link.objects.count() == 2


def make_video(folder: Path, *, seconds: float, audio: bool = False) -> Path:
    path = folder / f"clip-{seconds}-{audio}.mp4"
    command = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc=duration={seconds}:size=320x180:rate=10",
    ]
    if audio:
        command += ["-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-shortest", "-c:a", "aac"]
    command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(command, check=True, timeout=60)
    return path


@needs_ffmpeg
def test_a_short_video_is_kept_and_a_long_one_refused(settings, db, tmp_path):
    settings.SCREENS_MAX_VIDEO_SECONDS = 2
    short = slides.slide_create(
        actor=None, kind=Slide.Kind.VIDEO, name="Clip", alt_text="A test pattern",
        upload=upload(make_video(tmp_path, seconds=1).read_bytes(), "clip.mp4"),
    )  # fmt: skip
    assert (short.media_type, short.media_width, short.media_height) == ("video/mp4", 320, 180)
    assert short.media_seconds == pytest.approx(1, abs=0.2)
    nothing = Nothing(settings)
    with pytest.raises(
        ValidationError, match=r"long\.mp4 lasts 3\.0 s; a screen video lasts at most 2 s"
    ):
        slides.slide_create(
            actor=None, kind=Slide.Kind.VIDEO, name="Long", alt_text="x",
            upload=upload(make_video(tmp_path, seconds=3).read_bytes(), "long.mp4"),
        )  # fmt: skip
    with pytest.raises(
        ValidationError, match=r"photo\.png is an image; a video slide needs an MP4 or MOV video"
    ):
        slides.slide_create(
            actor=None,
            kind=Slide.Kind.VIDEO,
            name="Photo",
            alt_text="x",
            upload=upload(image_bytes("PNG"), "photo.png"),
        )
    nothing.check()


def test_a_new_default_slide_replaces_the_old_one(make_slide):
    first = make_slide("First", is_default=True)
    second = make_slide("Second", is_default=True)
    assert list(Slide.objects.filter(is_default=True)) == [second]
    first.refresh_from_db()
    assert first.is_default is False


def test_a_changed_slide_gets_a_new_rendition_and_the_old_file_goes(
    settings, make_slide, django_capture_on_commit_callbacks
):
    slide = make_slide("Title")
    old = slides.rendition_for(slide=slide, width=1280, height=720)
    old_name = old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        slide = slides.slide_update(actor=None, slide=slide, title="Another title")
        new = slides.rendition_for(slide=slide, width=1280, height=720)
    assert new.pk != old.pk
    assert slide.renditions.count() == 1
    assert old_name not in stored_files(settings)
    assert b"Another title" in new.file.open("rb").read()
