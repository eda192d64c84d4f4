"""Reads for the staff pages: which campaign, which sites are live, the latest builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from quartieri.campaigns.models import Campaign
from quartieri.minisites import kind
from quartieri.minisites.models import SiteBuild
from quartieri.posters.kind import poster_releases

DEMO_CAMPAIGN = "milano-quartieri-spring-summer-2021"


def campaign_for(*, slug: str = "") -> Campaign | None:
    """The named campaign; else the demo campaign, else the only active one."""
    if slug:
        return Campaign.objects.filter(slug=slug).first()
    demo = Campaign.objects.filter(slug=DEMO_CAMPAIGN).first()
    if demo is not None:
        return demo
    active = list(Campaign.objects.filter(status=Campaign.Status.ACTIVE)[:2])
    return active[0] if len(active) == 1 else None


def preview_root(*, campaign: Campaign) -> Path:
    return Path(settings.BUILD_ROOT) / "preview" / campaign.slug


def campaign_status(*, campaign: Campaign) -> dict[str, Any]:
    entries = kind.feed_entries(campaign=campaign, now=timezone.now())
    released = kind.site_releases(entries)
    posters = poster_releases(campaign=campaign)
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
