"""Which campaign a command means when none is named (posters and mini-sites alike), and
which posters could not be printed."""

from __future__ import annotations

from django.db.models import QuerySet

from quartieri.accounts.models import User
from quartieri.campaigns.models import Campaign, Variant
from quartieri.channels.selectors import Duty, accounts_allowing
from quartieri.lib.commands import UsageError
from quartieri.places.models import Neighbourhood
from quartieri.posters.models import PrintFailure

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


def _scheduled_failures() -> QuerySet[PrintFailure]:
    """Posters that could not be printed, of posts still scheduled, oldest first."""
    return PrintFailure.objects.filter(variant__status=Variant.Status.SCHEDULED).order_by(
        "failed_at", "pk"
    )


def failures_publishable(failures: QuerySet[PrintFailure], *, user: User) -> QuerySet[PrintFailure]:
    """Those of ``failures`` on the accounts where ``user`` may publish (who can try them
    again or move them)."""
    return failures.filter(variant__account__in=accounts_allowing(user=user, duty=Duty.PUBLISH))


def print_failures(*, user: User) -> QuerySet[PrintFailure]:
    """Posters that could not be printed, of posts still scheduled on the accounts where
    ``user`` may publish."""
    return failures_publishable(_scheduled_failures(), user=user).select_related(
        "variant__content_item__campaign", "variant__content_item__neighbourhood"
    )


def poster_failures(*, campaign: Campaign, neighbourhood: Neighbourhood) -> QuerySet[PrintFailure]:
    """The posts of this poster that could not be printed and are still scheduled."""
    return _scheduled_failures().filter(
        variant__content_item__campaign=campaign,
        variant__content_item__neighbourhood=neighbourhood,
    )
