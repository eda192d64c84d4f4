from __future__ import annotations

import io
from collections import Counter

from django.utils import timezone
from rich.console import Console

from quartieri.accounts.models import AuditEvent, User
from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.models import Campaign, Transition, Variant
from quartieri.channels.models import ChannelAccount
from quartieri.core import demo as core_demo


def counts():
    return (
        User.objects.count(),
        ChannelAccount.objects.count(),
        Variant.objects.count(),
        Transition.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_demo_is_idempotent_and_uses_the_workflow(db):
    console = Console(file=io.StringIO())
    core_demo.load(console=console, from_today=False)
    campaigns_demo.load(console=console, from_today=False)
    first = counts()
    campaigns_demo.load(console=console, from_today=False)
    assert counts() == first
    assert Counter(Variant.objects.values_list("status", flat=True)) == {
        "draft": 2,
        "in_review": 1,
        "approved": 1,
        "scheduled": 2,
        "published": 1,
    }
    mayor_account = ChannelAccount.objects.get(kind="personal")
    assert mayor_account.owner.username == "mayor"
    assert mayor_account.owner.role == "approver"
    rejected = Variant.objects.get(review_comment__startswith="Add how")
    assert rejected.transitions.last().action == "reject"


def test_from_today_shifts_the_campaign(db):
    console = Console(file=io.StringIO())
    core_demo.load(console=console, from_today=False)
    campaigns_demo.load(console=console, from_today=True)
    assert Campaign.objects.get().start_date == timezone.localdate()
