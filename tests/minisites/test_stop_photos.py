"""Photos with tour stops: staff attach a campaign image to a stop; the tour page shows it,
resized for srcset, with its alternative text; an analyst can look but not change."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import ContentItem, MediaAsset
from quartieri.minisites import services
from quartieri.minisites.build import site_build
from quartieri.minisites.models import StopPhoto
from quartieri.places.models import TourStop

pytestmark = pytest.mark.django_db


def tower_photo() -> MediaAsset:
    return MediaAsset.objects.get(alt_text="La torre vista dal parco")


def test_a_stop_photo_appears_with_its_stop_resized_and_described(
    campaign, tour_slug, editor, tmp_path
):
    stop = TourStop.objects.get(poi__name_it="Torre")
    services.stop_photo_add(actor=editor, stop=stop, asset=tower_photo())
    site_build(campaign=campaign, out_dir=tmp_path)
    page = (tmp_path / f"testa-1-ovest/it/tours/{tour_slug}/index.html").read_text()
    section = page.split('<li id="stop-1">', 1)[1].split("</li>", 1)[0]
    assert 'alt="La torre vista dal parco"' in section
    assert 'srcset="../../../../testa-1-ovest/media/' in section
    assert " 480w, " in section
    assert " 960w, " in section
    assert section.count("<img") == 1
    assert AuditEvent.objects.filter(action="minisites.stop_photo_added", actor=editor).count() == 1


def test_an_image_of_another_neighbourhood_is_refused(campaign, editor):
    stop = TourStop.objects.get(poi__name_it="Torre")
    other = ContentItem.objects.create(
        campaign=campaign,
        title="Est",
        neighbourhood=campaign.neighbourhoods.get(slug="testa-2-est"),
    )
    asset = tower_photo()
    asset.pk = None
    asset.content_item = other
    asset.save()
    with pytest.raises(ValidationError, match="about this tour or its neighbourhood"):
        services.stop_photo_add(actor=editor, stop=stop, asset=asset)
    assert not StopPhoto.objects.exists()


def test_an_analyst_sees_the_photos_page_but_cannot_change_it(
    campaign, tour_slug, client_for, analyst
):
    reader = client_for(analyst)
    assert reader.get(f"/sites/tours/{tour_slug}/photos/").status_code == 200
    stop = TourStop.objects.get(poi__name_it="Torre")
    denied = reader.post(
        f"/sites/tours/{tour_slug}/photos/", {"stop": stop.pk, "asset": tower_photo().pk}
    )
    assert denied.status_code == 403
    assert not StopPhoto.objects.exists()


def test_an_editor_adds_and_removes_a_stop_photo(campaign, tour_slug, client_for, editor):
    staff = client_for(editor)
    stop = TourStop.objects.get(poi__name_it="Torre")
    added = staff.post(
        f"/sites/tours/{tour_slug}/photos/", {"stop": stop.pk, "asset": tower_photo().pk}
    )
    assert added.status_code == 302
    photo = StopPhoto.objects.get()
    assert (photo.stop, photo.asset) == (stop, tower_photo())
    staff.post(f"/sites/tours/{tour_slug}/photos/", {"remove": photo.pk})
    assert not StopPhoto.objects.exists()
    assert AuditEvent.objects.filter(action="minisites.stop_photo_removed").count() == 1
