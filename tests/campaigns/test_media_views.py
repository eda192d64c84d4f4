"""The media page of a content item, its forms, and the public /media/ files."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quartieri.accounts.models import AuditEvent
from quartieri.accounts.roles import ROLE_CAPABILITIES, Role
from quartieri.campaigns.media import media_upload
from quartieri.campaigns.models import MediaAsset, Variant
from tests.accessibility import axe_violations
from tests.campaigns.conftest import VTT, image_bytes, make_video, stored_files, upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="Debian package ffmpeg missing"),
]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def page_url(item) -> str:
    return f"/campaigns/items/{item.pk}/media/"


def test_an_analyst_sees_the_files_but_no_form(client_for, analyst, item, editor):
    media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="Lago"
    )
    page = client_for(analyst).get(page_url(item), **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'alt="Lago"' in html
    assert 'data-testid="media-upload-form"' not in html
    assert 'data-testid="tiktok-creator"' not in html


def test_an_editor_uploads_an_image_and_uses_it_in_a_variant(
    client_for, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)
    client = client_for(editor)
    answer = client.post(
        f"/campaigns/items/{item.pk}/media/upload/",
        {
            "file": upload(image_bytes(), "cave.jpg"),
            "alt_text": "Il laghetto",
            "variants": [variant.pk],
        },
        **EN,
    )
    assert answer.status_code == 302
    assert answer["Location"] == page_url(item)
    asset = MediaAsset.objects.get()
    assert list(variant.media.all()) == [asset]
    assert "Uploaded: campaigns/media/" in client.get(page_url(item), **EN).content.decode()


def test_a_refused_upload_shows_the_reason_by_its_field_and_keeps_the_text(
    client_for, editor, item, settings
):
    answer = client_for(editor).post(
        f"/campaigns/items/{item.pk}/media/upload/",
        {
            "file": upload(image_bytes(), "cave.jpg"),
            "alt_text": "Il laghetto del Parco delle Cave",
            "caption_file": upload(VTT, "c.vtt"),
        },
        **EN,
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'id="id_caption_file_error"' in html
    assert "Only a video takes a caption file." in html
    assert 'aria-describedby="id_caption_file_helptext id_caption_file_error"' in html
    assert "Il laghetto del Parco delle Cave</textarea>" in html
    assert MediaAsset.objects.count() == 0
    assert stored_files(settings) == []


def test_an_analyst_cannot_upload(client_for, analyst, item, settings):
    answer = client_for(analyst).post(
        f"/campaigns/items/{item.pk}/media/upload/",
        {"file": upload(image_bytes(), "a.jpg"), "alt_text": "A"},
    )
    assert answer.status_code == 403
    assert MediaAsset.objects.count() == 0
    assert stored_files(settings) == []


def test_the_page_saves_where_a_file_is_used_and_deletes_an_unused_one(
    client_for, editor, item, instagram, make_variant, settings
):
    variant = make_variant(item=item, account=instagram, by=editor)
    asset = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    client = client_for(editor)

    client.post(f"/campaigns/media/{asset.pk}/variants/", {"variants": [variant.pk]})
    assert list(variant.media.all()) == [asset]

    refused = client.post(f"/campaigns/media/{asset.pk}/delete/", follow=True, **EN)
    assert "take it off those variants first" in refused.content.decode()
    assert MediaAsset.objects.filter(pk=asset.pk).exists()

    # a form that did not show the variant takes nothing off it (no silent detaching)
    client.post(f"/campaigns/media/{asset.pk}/variants/", {})
    assert list(variant.media.all()) == [asset]
    # unticked where the form showed it: taken off
    client.post(f"/campaigns/media/{asset.pk}/variants/", {"shown": [variant.pk]})
    assert list(variant.media.all()) == []
    with_commit = client.post(f"/campaigns/media/{asset.pk}/delete/")
    assert with_commit.status_code == 302
    assert not MediaAsset.objects.exists()
    assert AuditEvent.objects.filter(action="campaigns.media.delete").count() == 1


def test_an_analyst_cannot_attach_or_delete(
    client_for, analyst, editor, item, instagram, make_variant
):
    variant = make_variant(item=item, account=instagram, by=editor)
    asset = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    client = client_for(analyst)
    assert (
        client.post(
            f"/campaigns/media/{asset.pk}/variants/", {"variants": [variant.pk]}
        ).status_code
        == 403
    )
    assert client.post(f"/campaigns/media/{asset.pk}/delete/").status_code == 403
    assert list(variant.media.all()) == []
    assert MediaAsset.objects.filter(pk=asset.pk).exists()


# --- Public files ---------------------------------------------------------------------------
def test_media_files_are_public_for_platforms_to_fetch(client, item, editor):
    asset = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    answer = client.get(f"/media/{asset.file.name}")  # nobody signed in
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == asset.file.open("rb").read()
    assert answer["Content-Type"] == "image/jpeg"


def test_no_folder_listing_and_nothing_outside_the_public_folders(client, item, editor, settings):
    media_upload(actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A")
    private = Path(settings.MEDIA_ROOT) / "exports" / "subscribers.csv"
    private.parent.mkdir(parents=True)
    private.write_text("a@example.org\n")
    assert client.get("/media/campaigns/media/").status_code == 404
    assert client.get("/media/campaigns/media/../../exports/subscribers.csv").status_code == 404
    assert (
        client.get("/media/campaigns/media/%2e%2e/%2e%2e/exports/subscribers.csv").status_code
        == 404
    )
    assert client.get("/media/exports/subscribers.csv").status_code == 404


def test_media_serving_can_be_left_to_a_proxy(client, item, editor, settings):
    asset = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    settings.MEDIA_SERVE = False
    assert client.get(f"/media/{asset.file.name}").status_code == 404


def test_the_page_points_at_the_public_media_url_when_one_is_set(
    client_for, editor, item, settings
):
    settings.PUBLISHING_MEDIA_URL = "https://media.example.org/"
    asset = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    html = client_for(editor).get(page_url(item)).content.decode()
    assert f'src="https://media.example.org/{asset.file.name}"' in html


def _settings_with(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    code = "from django.conf import settings; print(settings.PUBLISHING_MEDIA_URL, settings.SECURE_CSP['img-src'][-1], settings.MEDIA_SERVE)"
    environment = {**os.environ, "QUARTIERI_DATA_DIR": str(tmp_path), **env}
    environment["DJANGO_SETTINGS_MODULE"] = "quartieri.settings"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )


def test_the_public_media_url_is_normalised_and_allowed_by_the_csp(tmp_path):
    done = _settings_with(tmp_path, QUARTIERI_MEDIA_PUBLIC_URL="https://media.example.org/q")
    assert done.stdout.split() == [
        "https://media.example.org/q/",
        "https://media.example.org",
        "True",
    ]


def test_a_bucket_without_django_storages_stops_with_one_clear_line(tmp_path):
    if importlib.util.find_spec("storages") is not None:
        pytest.skip("django-storages is installed here")
    done = _settings_with(
        tmp_path,
        QUARTIERI_MEDIA_S3_BUCKET="quartieri-media",
        QUARTIERI_MEDIA_PUBLIC_URL="https://media.example.org/",
    )
    assert done.returncode != 0
    assert (
        "QUARTIERI_MEDIA_S3_BUCKET is set but django-storages[s3] is not installed" in done.stderr
    )


# --- Captions for the previews' <track> ------------------------------------------------------
SRT = b"1\n00:00:00,000 --> 00:00:00,600\nParco delle Cave\n\n2\n00:00:00,600 --> 00:00:00,900\nBaggio\n"


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


def video_with(editor, item, videos: Path, captions: bytes, name: str) -> MediaAsset:
    return media_upload(
        actor=editor,
        content_item=item,
        file=upload(make_video(videos), "baggio.mp4"),
        caption_file=upload(captions, name),
    )


def test_the_preview_plays_an_srt_file_as_webvtt_and_platforms_still_get_the_srt(
    client_for, client, editor, analyst, item, tiktok, make_variant, videos
):
    variant = make_variant(item=item, account=tiktok, by=editor)
    asset = video_with(editor, item, videos, SRT, "baggio.srt")
    variant.media.add(asset)
    url = f"/campaigns/media/{asset.pk}/captions.vtt"
    review = client_for(analyst).get(f"/campaigns/variants/{variant.pk}/review/")
    assert f'<track kind="captions" src="{url}"' in review.content.decode()

    answer = client_for(analyst).get(url)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/vtt; charset=utf-8"
    assert answer.content.decode() == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:00.600\nParco delle Cave\n\n"
        "00:00:00.600 --> 00:00:00.900\nBaggio\n"
    )
    # The stored file, the one platforms fetch, is the SRT as uploaded.
    original = client.get(f"/media/{asset.caption_file.name}")
    assert b"".join(original.streaming_content) == SRT


def test_a_webvtt_file_reaches_the_preview_from_this_platform_as_stored(
    client_for, editor, item, videos, settings
):
    settings.PUBLISHING_MEDIA_URL = "https://media.example.org/"  # another origin
    asset = video_with(editor, item, videos, VTT, "baggio.vtt")
    answer = client_for(editor).get(f"/campaigns/media/{asset.pk}/captions.vtt")
    assert answer["Content-Type"] == "text/vtt; charset=utf-8"
    assert answer.content == VTT


def test_captions_only_for_whoever_may_see_the_preview(
    client_for, client, editor, analyst, item, videos, monkeypatch
):
    asset = video_with(editor, item, videos, SRT, "baggio.srt")
    image = media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), "a.jpg"), alt_text="A"
    )
    url = f"/campaigns/media/{asset.pk}/captions.vtt"
    signed_out = client.get(url)
    assert (signed_out.status_code, signed_out["Location"]) == (302, f"/accounts/login/?next={url}")
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.ANALYST, frozenset())  # a role without it
    assert client_for(analyst).get(url).status_code == 403
    assert client_for(editor).get(f"/campaigns/media/{image.pk}/captions.vtt").status_code == 404
    assert client_for(editor).get("/campaigns/media/999999/captions.vtt").status_code == 404
    assert client_for(editor).post(url).status_code == 405


# --- In the browser ---------------------------------------------------------------------------


LOADED = "t => t.readyState >= 2"  # HTMLTrackElement: 2 LOADED, 3 ERROR


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_uploads_a_video_with_captions_in_the_browser(
    page, login, editor, item, tiktok, make_variant, tmp_path
):
    variant = make_variant(item=item, account=tiktok, by=editor)
    video = make_video(tmp_path)
    captions = tmp_path / "baggio.srt"  # SubRip: the preview plays it all the same
    captions.write_bytes(SRT)
    login(editor)
    page.goto(page_url(item))
    assert axe_violations(page) == []

    # a video without captions is refused next to the caption field, nothing stored
    page.set_input_files("#id_file", str(video))
    page.click('[data-testid="media-upload-form"] button[type=submit]')
    page.wait_for_load_state()
    assert page.locator("#id_caption_file_error").is_visible()
    assert MediaAsset.objects.count() == 0
    assert axe_violations(page) == []

    page.set_input_files("#id_file", str(video))
    page.set_input_files("#id_caption_file", str(captions))
    checkbox = page.locator(f'input[name="variants"][value="{variant.pk}"]')
    page.click(f'label[for="{checkbox.get_attribute("id")}"]')  # Bootstrap Italia styles it
    assert checkbox.is_checked()
    page.click('[data-testid="media-upload-form"] button[type=submit]')
    page.wait_for_load_state()
    asset = MediaAsset.objects.get()
    assert page.locator(f"#media-{asset.pk}").is_visible()
    assert list(Variant.objects.get(pk=variant.pk).media.all()) == [asset]
    assert axe_violations(page) == []

    # The variant's preview plays the SRT file's two cues (a browser's <track> reads WebVTT).
    page.goto(f"/campaigns/variants/{variant.pk}/edit/")
    track = page.locator("#preview-live video track")
    assert track.count() == 1
    page.wait_for_function(LOADED, arg=track.element_handle())  # shown by default: loaded
    assert track.evaluate("t => [t.readyState, t.track.mode, t.track.cues.length]") == [
        2,
        "showing",
        2,
    ]
    assert track.evaluate("t => t.track.cues[1].text") == "Baggio"
