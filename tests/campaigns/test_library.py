"""The campaign's media library: thumbnails of pictures and video frames, a file reused by
variants of other content items, its alternative text and captions edited once for all."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.library import media_describe, media_library, variant_media_set
from quartieri.campaigns.media import media_upload
from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Variant
from quartieri.campaigns.thumbnails import THUMBNAIL_SIDE, media_thumbnail_make
from tests.campaigns.conftest import VTT, Unchanged, image_bytes, make_video, upload

S = Variant.Status


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("library-videos")


@pytest.fixture
def other_item(item: ContentItem, editor) -> ContentItem:
    return ContentItem.objects.create(
        campaign=item.campaign, title="Isola – BAM", created_by=editor
    )


def _picture(
    item: ContentItem, editor, name: str = "cave.jpg", alt: str = "Il laghetto"
) -> MediaAsset:
    return media_upload(
        actor=editor, content_item=item, file=upload(image_bytes(), name), alt_text=alt
    )


def _opened(field) -> Image.Image:
    with field.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def test_a_picture_gets_a_jpeg_thumbnail_no_larger_than_the_grid_needs(item, editor):
    asset = _picture(item, editor)
    thumb = _opened(asset.thumbnail)
    assert thumb.format == "JPEG"
    assert max(thumb.size) == THUMBNAIL_SIDE
    assert thumb.size == (384, 480)  # 1080 × 1350 kept at 4:5


def test_a_video_gets_a_frame_from_ffmpeg(item, editor, videos):
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(make_video(videos, size="640x360"), "v.mp4"),
        caption_file=upload(VTT, "c.vtt"),
    )
    thumb = _opened(asset.thumbnail)
    assert thumb.format == "JPEG"
    assert thumb.size == (480, 270)


def test_an_older_file_gets_its_thumbnail_once(item, editor):
    asset = _picture(item, editor)
    asset.thumbnail.delete(save=True)
    assert media_thumbnail_make(asset=asset) is True
    assert media_thumbnail_make(asset=asset) is False  # already has one
    asset.refresh_from_db()
    assert asset.thumbnail.name.startswith("campaigns/media/thumbs/")


def test_a_file_of_another_item_is_reused_by_a_variant(
    item, other_item, editor, instagram, make_variant
):
    asset = _picture(item, editor)
    variant = make_variant(item=other_item, account=instagram, by=editor)
    variant_media_set(actor=editor, variant=variant, assets=[asset])
    assert list(variant.media.all()) == [asset]
    [row] = media_library(campaign=item.campaign)
    assert row.asset == asset
    assert row.used_by == [variant]
    event = AuditEvent.objects.get(action="campaigns.variant.media", target_id=str(variant.pk))
    assert (event.before, event.after) == ({"media": []}, {"media": [asset.pk]})


def test_a_file_of_another_campaign_is_refused_and_nothing_changes(
    item, editor, instagram, make_variant
):
    elsewhere = Campaign.objects.create(
        name="Altro",
        slug="altro",
        start_date=item.campaign.start_date,
        end_date=item.campaign.end_date,
    )
    foreign = _picture(
        ContentItem.objects.create(campaign=elsewhere, title="X", created_by=editor), editor
    )
    mine = _picture(item, editor, "mine.jpg")
    variant = make_variant(item=item, account=instagram, by=editor, status="approved")
    variant.media.set([mine])  # instead of the file the helper gave it
    unchanged = Unchanged(variant)
    with pytest.raises(ValidationError) as refused:
        variant_media_set(actor=editor, variant=variant, assets=[mine, foreign])
    assert "belongs to another campaign" in refused.value.messages[0]
    assert list(variant.media.all()) == [mine]
    unchanged.check()


def test_choosing_the_same_files_again_keeps_the_approval(item, editor, instagram, make_variant):
    asset = _picture(item, editor)
    variant = make_variant(item=item, account=instagram, by=editor, status="approved")
    variant.media.set([asset])  # instead of the file the helper gave it
    unchanged = Unchanged(variant)
    variant_media_set(actor=editor, variant=variant, assets=[asset])
    unchanged.check()


def test_new_alt_text_reaches_every_variant_and_sends_approved_ones_back(
    item, other_item, editor, instagram, make_variant
):
    asset = _picture(item, editor)
    draft = make_variant(item=item, account=instagram, by=editor)
    approved = make_variant(item=other_item, account=instagram, by=editor, status="approved")
    draft.media.add(asset)
    approved.media.set([asset])  # instead of the file the helper gave it
    sent_back = media_describe(
        actor=editor, asset=asset, alt_text="Il laghetto di cava al tramonto"
    )
    assert [v.pk for v in sent_back] == [approved.pk]
    approved.refresh_from_db()
    assert approved.status == S.IN_REVIEW
    assert approved.last_edited_by == editor
    for variant in (draft, approved):
        assert variant.media.get().alt_text == "Il laghetto di cava al tramonto"
    event = AuditEvent.objects.get(action="campaigns.media.describe")
    assert event.after["alt_text"] == "Il laghetto di cava al tramonto"


def test_an_image_keeps_its_alt_text_when_the_new_one_is_empty(item, editor):
    asset = _picture(item, editor)
    with pytest.raises(ValidationError) as refused:
        media_describe(actor=editor, asset=asset, alt_text="  ")
    assert "alt_text" in refused.value.message_dict
    asset.refresh_from_db()
    assert asset.alt_text == "Il laghetto"


def test_describing_a_file_used_where_one_may_not_draft_is_refused(
    item, editor, other_editor, instagram, tiktok, make_variant
):
    asset = _picture(item, editor)
    variant = make_variant(item=item, account=instagram, by=editor)  # Luca: no grant here
    variant.media.add(asset)
    audit = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        media_describe(actor=other_editor, asset=asset, alt_text="Altro")
    asset.refresh_from_db()
    assert asset.alt_text == "Il laghetto"
    assert AuditEvent.objects.count() == audit


def test_a_video_takes_a_new_caption_file_in_one_place(
    item, editor, videos, django_capture_on_commit_callbacks
):
    asset = media_upload(
        actor=editor,
        content_item=item,
        file=upload(make_video(videos), "v.mp4"),
        caption_file=upload(VTT, "c.vtt"),
    )
    old = asset.caption_file.name
    new = b"WEBVTT\n\n00:00:00.000 --> 00:00:00.800\nIl Parco delle Cave\n"
    with django_capture_on_commit_callbacks(execute=True):
        media_describe(actor=editor, asset=asset, alt_text="", caption_file=upload(new, "n.vtt"))
    asset.refresh_from_db()
    assert asset.caption_file.name != old
    assert asset.caption_file.read() == new
    assert not asset.caption_file.storage.exists(old)


def test_the_library_page_shows_thumbnails_alt_text_and_where_each_file_is_used(
    client_for, item, editor, analyst, instagram, make_variant
):
    asset = _picture(item, editor)
    variant = make_variant(item=item, account=instagram, by=editor)
    variant.media.add(asset)
    page = client_for(analyst).get(reverse("campaigns:media_library", args=[item.campaign.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'src="{asset.thumbnail.url}" alt="Il laghetto"' in html
    assert str(variant.account) in html
    # Reading is not editing: the analyst has no description form.
    describe = reverse("campaigns:media_describe", args=[asset.pk])
    assert client_for(analyst).post(describe, {"alt_text": "x"}).status_code == 403
    asset.refresh_from_db()
    assert asset.alt_text == "Il laghetto"


def test_the_describe_page_saves_and_returns_to_the_library(client_for, item, editor):
    asset = _picture(item, editor)
    describe = reverse("campaigns:media_describe", args=[asset.pk])
    answer = client_for(editor).post(describe, {"alt_text": "Cigni sul laghetto"})
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"#media-{asset.pk}")
    asset.refresh_from_db()
    assert asset.alt_text == "Cigni sul laghetto"


def test_the_command_makes_the_missing_thumbnails_and_names_a_bad_campaign(item, editor, capsys):
    with_one = _picture(item, editor)
    without = _picture(item, editor, "older.jpg")
    without.thumbnail.delete(save=True)
    broken = MediaAsset.objects.create(
        content_item=item, kind="image", file="campaigns/media/gone.jpg", mime_type="image/jpeg"
    )
    broken.file.storage.save(broken.file.name, io.BytesIO(b"not a picture"))
    call_command("campaigns", "--format", "json", "thumbnails", item.campaign.slug)
    assert json.loads(capsys.readouterr().out) == {"without": 2, "made": 1, "failed": 1}
    without.refresh_from_db()
    assert without.thumbnail.name
    assert with_one.thumbnail.name != without.thumbnail.name
    with pytest.raises(CommandError) as refused:
        call_command("campaigns", "thumbnails", "nope")
    assert refused.value.returncode == 2
    assert "nope" in str(refused.value)
