"""Writes of the mini-sites app made by people: photos shown with tour stops."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record
from quartieri.campaigns.models import MediaAsset
from quartieri.minisites.models import StopPhoto
from quartieri.places.models import TourStop


@transaction.atomic
def stop_photo_add(*, actor: User, stop: TourStop, asset: MediaAsset) -> StopPhoto:
    """Show an image of a campaign about this tour's neighbourhood with the stop."""
    if asset.kind != MediaAsset.Kind.IMAGE or not asset.width or not asset.alt_text.strip():
        raise ValidationError({"asset": [_("Choose an image with its alternative text.")]})
    item = asset.content_item
    if item.neighbourhood_id != stop.tour.neighbourhood_id and item.tour_id != stop.tour_id:
        raise ValidationError(
            {
                "asset": [
                    _("Choose an image of a content item about this tour or its neighbourhood.")
                ]
            }
        )
    photo, created = StopPhoto.objects.get_or_create(stop=stop, asset=asset)
    if created:
        audit_record(
            actor=actor,
            action="minisites.stop_photo_added",
            target=stop.tour,
            after={"stop": stop.pk, "asset": asset.pk},
        )
    return photo


@transaction.atomic
def stop_photo_remove(*, actor: User, photo: StopPhoto) -> None:
    audit_record(
        actor=actor,
        action="minisites.stop_photo_removed",
        target=photo.stop.tour,
        before={"stop": photo.stop_id, "asset": photo.asset_id},
    )
    photo.delete()
