"""Which campaign a command means when none is named (posters and mini-sites alike)."""

from __future__ import annotations

from quartieri.campaigns.models import Campaign
from quartieri.lib.commands import UsageError

# The default: the demo campaign when it is loaded, else the only running one.
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


def campaign_arg(slug: str) -> Campaign:
    """``campaign_for`` for a command's --campaign: a UsageError naming what is wrong."""
    campaign = campaign_for(slug=slug)
    if campaign is None:
        if slug:
            raise UsageError(f"--campaign {slug}: no campaign has that slug")
        raise UsageError(
            "no demo campaign and not exactly one active campaign: pass --campaign SLUG"
        )
    return campaign
