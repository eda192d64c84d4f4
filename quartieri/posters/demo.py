"""Demo: the print channel of the 2021 campaign and one released poster per neighbourhood.

The campaign's posters came from a student design marathon (MISSION.md); the demo does not
copy them: each neighbourhood's poster here is quartieri's own map layout. A posters
channel account is added beside the campaigns demo's accounts, with the same grants, and
one poster post per neighbourhood is drafted, submitted, approved and scheduled on the
campaign's first day through the real workflow; being past, the mini-sites demo releases
them (minisites.release: print files, the sites' downloads). Idempotent.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.campaigns.models import Campaign, ContentItem, Variant
from quartieri.campaigns.scheduling import schedule_resolve
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.posters.kind import PLATFORM

CAMPAIGN = "milano-quartieri-spring-summer-2021"


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
    campaign = Campaign.objects.filter(slug=CAMPAIGN).first()
    if campaign is None:
        return
    editor = User.objects.get(username="editor")
    approver = User.objects.get(username="approver")
    account = _account(editor=editor, approver=approver)
    released = 0
    for neighbourhood in campaign.neighbourhoods.order_by("name_it"):
        item, _created = ContentItem.objects.get_or_create(
            campaign=campaign,
            title=neighbourhood.name_it,
            defaults={"neighbourhood": neighbourhood},
        )
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
        # The campaign may be history (2021): only the demo may schedule in the past.
        variant_schedule(actor=approver, variant=variant, at=at, allow_past=True)
        released += 1
    console.print(f"Posters: {released} poster posts scheduled on the print channel.")
