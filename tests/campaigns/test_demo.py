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


def statuses(slug):
    return Counter(Variant.objects.filter(content_item__campaign__slug=slug).values_list(
        "status", flat=True))  # fmt: skip


def test_the_demo_is_idempotent_and_uses_the_workflow(db):
    console = Console(file=io.StringIO())
    core_demo.load(console=console, from_today=False)
    campaigns_demo.load(console=console, from_today=False)
    first = counts()
    campaigns_demo.load(console=console, from_today=False)
    assert counts() == first
    # 2021 is history: everything went out.
    assert statuses(campaigns_demo.SLUG) == {"published": len(campaigns_demo.HISTORY)}
    # The current campaign has a bit of every step.
    assert statuses(campaigns_demo.CURRENT_SLUG) == {
        "draft": 2,
        "in_review": 2,
        "approved": 1,
        "scheduled": 3,
    }
    mayor_account = ChannelAccount.objects.get(kind="personal")
    assert mayor_account.owner.username == "mayor"
    assert mayor_account.owner.role == "approver"
    rejected = Variant.objects.get(review_comment=campaigns_demo.SENT_BACK)
    assert rejected.transitions.last().action == "reject"


def test_2021_is_dated_in_2021_and_the_current_campaign_runs_from_today(db):
    console = Console(file=io.StringIO())
    core_demo.load(console=console, from_today=False)
    campaigns_demo.load(console=console, from_today=True)  # the flag changes nothing now
    history = Campaign.objects.get(slug=campaigns_demo.SLUG)
    assert (history.start_date, history.status) == (campaigns_demo.START, "finished")
    steps = Transition.objects.filter(variant__content_item__campaign=history)
    assert {step.at.year for step in steps} == {2021}
    for variant in Variant.objects.filter(content_item__campaign=history):
        published = variant.transitions.get(action="publish")
        assert published.at == variant.scheduled_at
        assert variant.created_at < published.at
    current = Campaign.objects.get(slug=campaigns_demo.CURRENT_SLUG)
    assert current.start_date == timezone.localdate()
    assert current.status == "active"
    scheduled = Variant.objects.filter(content_item__campaign=current, status="scheduled")
    assert all(variant.scheduled_at > timezone.now() for variant in scheduled)
    # Italian accounts speak Italian: the city's accounts carry no English demo caption.
    city = Variant.objects.filter(content_item__campaign=current, account__handle="ComunediMilano")
    assert all(" il " in v.caption or " un " in v.caption for v in city)
