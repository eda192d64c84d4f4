"""Demo: the print channel, and one released poster per neighbourhood for the 2021 campaign
and for the current one.

The campaign's posters came from a student design marathon (MISSION.md); the demo does not
copy them: each neighbourhood's poster here is quartieri's own map layout. A posters
channel account is added beside the campaigns demo's accounts, with the same grants, and
one poster post per neighbourhood and campaign is drafted, submitted, approved and
scheduled on the campaign's first day at 09:00 through the real workflow; once that time
has come the mini-sites demo (or later a worker) releases them (minisites.release: print
files, the sites' downloads). Idempotent.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.models import Campaign, Variant
from quartieri.campaigns.scheduling import schedule_resolve
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.posters.kind import PLATFORM

CAMPAIGNS = (campaigns_demo.SLUG, campaigns_demo.CURRENT_SLUG)


def _account(*, editor: User, approver: User) -> ChannelAccount:
    account, _created = ChannelAccount.objects.get_or_create(
        platform=PLATFORM,
        handle="posters",
        defaults={"display_name": "Posters at tram stops (print)", "kind": "institutional"},
    )
    AccountGrant.objects.get_or_create(account=account, user=editor, defaults={"can_draft": True})
    AccountGrant.objects.get_or_create(
        account=account,
        user=approver,
        defaults={"can_draft": True, "can_approve": True, "can_publish": True},
    )
    return account


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    campaigns = Campaign.objects.filter(slug__in=CAMPAIGNS).order_by("start_date")
    if not campaigns:
        return
    editor = User.objects.get(username="editor")
    approver = User.objects.get(username="approver")
    account = _account(editor=editor, approver=approver)
    released = sum(
        _posters(campaign, account=account, editor=editor, approver=approver)
        for campaign in campaigns
    )
    console.print(f"Posters: {released} poster posts scheduled on the print channel.")


def _posters(campaign: Campaign, *, account: ChannelAccount, editor: User, approver: User) -> int:
    made = 0
    for neighbourhood in campaign.neighbourhoods.order_by("name_it"):
        item = campaigns_demo.item_for(campaign, neighbourhood)
        if Variant.objects.filter(content_item=item, account=account).exists():
            continue
        variant = variant_create(
            actor=editor,
            content_item=item,
            account=account,
            post_type="photo",
            caption=f"Poster: {neighbourhood.name_en or neighbourhood.name_it}",
        )
        variant = variant_submit(actor=editor, variant=variant)
        variant = variant_approve(actor=approver, variant=variant)
        at = schedule_resolve(date=campaign.start_date, wall_time=dt.time(9, 0)).at
        # 2021 is history, and today's 09:00 may be gone: only the demo may schedule so.
        variant_schedule(actor=approver, variant=variant, at=at, allow_past=True)
        made += 1
    return made
