"""Print (posters) as a channel kind (registered in ``channels/registry.py``).

A poster is released by a variant of a ``posters`` channel account for a content item
about its neighbourhood: drafted, approved (four eyes) and scheduled like a post, shown in
the calendar. At its scheduled time it is released to the print shop: its print-ready PDFs
are written to the campaign's print folder (``services.poster_print``), its mini-site
offers it for download, and the variant is recorded published. A poster whose files cannot
be made is not released: it stays scheduled with the reason (``models.PrintFailure``). The mini-sites app does
that on time for both kinds (``minisites.release``): a released poster changes its
neighbourhood's site, and that app is the one above both. What it reports: QR scans of the
posters' tracked links (``analytics.measures.LinkSource``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import Q

from quartieri.campaigns.models import Campaign, Variant
from quartieri.channels.base import (
    Appearance,
    Capability,
    MetricDefinition,
    MetricKind,
    MetricScope,
)
from quartieri.channels.kinds.own import OwnChannelKind
from quartieri.channels.registry import Platform

PLATFORM = Platform.POSTERS
QR_SCANS = "redirects of the poster's tracked QR link, bots excluded (docs/analytics.md)"


class PostersKind(OwnChannelKind):
    slug = Platform.POSTERS
    label = Platform.POSTERS.label
    appearance = Appearance(colour="#a61d24", icon="it-print")
    rules_label = "Posters"
    preview_template = "channels/preview/posters.html"  # an A3 portrait sheet
    capabilities = frozenset({Capability.DELIVERS, Capability.METRICS})
    delivery_path = "quartieri.minisites.release.RELEASE"
    metrics = {(MetricScope.POST, "scans"): MetricDefinition("scans", MetricKind.DAILY, QR_SCANS)}


def poster_releases(
    *, campaign: Campaign, now: dt.datetime, printed: Collection[int] = ()
) -> dict[int, int]:
    """{neighbourhood id: id of the variant that released its poster} (one query).

    Released means its print files were made: the variant is published (the release
    records that only after writing them), or is one of ``printed``, those the running
    release has just written and will record once the sites are built. A poster post
    still scheduled, due or not, is not released: its files may never be made
    (``models.PrintFailure``), and no site may link a PDF that is not there."""
    rows = (
        Variant.objects.filter(
            Q(status=Variant.Status.PUBLISHED) | Q(pk__in=list(printed)),
            content_item__campaign=campaign,
            content_item__neighbourhood__isnull=False,
            account__platform=PLATFORM,
            scheduled_at__lte=now,
        )
        .order_by("scheduled_at", "pk")
        .values_list("content_item__neighbourhood_id", "pk")
    )
    released: dict[int, int] = {}
    for neighbourhood_id, variant_id in rows:
        released.setdefault(neighbourhood_id, variant_id)
    return released
