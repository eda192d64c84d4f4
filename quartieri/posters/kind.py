"""The print channel's glue with campaigns: which posters are released.

All that ties posters to ``campaigns`` variants is here, so that it becomes the print
channel kind's declaration in one step when the ``channels`` app lands. A poster is
released by an approved (or scheduled, or published) variant of a ``posters`` channel
account for a content item of that neighbourhood: the same four-eyes workflow as a post,
and it appears in the calendar once scheduled. Staff may render and proof any poster; the
mini-sites offer only released ones for download.
"""

from __future__ import annotations

from quartieri.campaigns.models import Campaign, Platform, Variant

RELEASED_STATUSES = (Variant.Status.APPROVED, Variant.Status.SCHEDULED, Variant.Status.PUBLISHED)
PLATFORM = Platform.POSTERS


def poster_releases(*, campaign: Campaign) -> dict[int, int]:
    """{neighbourhood id: id of the variant that released its poster} (one query)."""
    rows = (
        Variant.objects.filter(
            content_item__campaign=campaign,
            content_item__neighbourhood__isnull=False,
            account__platform=PLATFORM,
            status__in=RELEASED_STATUSES,
        )
        .order_by("pk")
        .values_list("content_item__neighbourhood_id", "pk")
    )
    released: dict[int, int] = {}
    for neighbourhood_id, variant_id in rows:
        released.setdefault(neighbourhood_id, variant_id)
    return released
