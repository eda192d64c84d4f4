"""Reads for the staff pages: which sites are live, the latest builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from quartieri.campaigns.models import Campaign
from quartieri.minisites import kind
from quartieri.minisites.models import SiteBuild
from quartieri.posters.kind import poster_releases


def preview_root(*, campaign: Campaign) -> Path:
    return Path(settings.BUILD_ROOT) / "preview" / campaign.slug


def campaign_status(*, campaign: Campaign) -> dict[str, Any]:
    now = timezone.now()
    entries = kind.feed_entries(campaign=campaign, now=now)
    released = kind.site_releases(entries)
    posters = poster_releases(campaign=campaign, now=now)
    rows = [
        {
            "neighbourhood": n,
            "released_by": released.get(n.pk),
            "poster_released_by": posters.get(n.pk),
        }
        for n in campaign.neighbourhoods.order_by("name_it")
    ]
    return {
        "rows": rows,
        "entries": entries,
        "builds": list(SiteBuild.objects.filter(campaign=campaign).select_related("built_by")[:10]),
    }
