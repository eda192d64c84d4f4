from __future__ import annotations

import io

from rich.console import Console

from quartieri.accounts.models import AuditEvent
from quartieri.audiences import demo as audiences_demo
from quartieri.audiences.models import Channel, ChannelFigure, Segment, UsageFigure
from quartieri.planner import demo as planner_demo
from quartieri.planner.models import SavedPlan


def counts():
    return (
        Channel.objects.count(),
        ChannelFigure.objects.count(),
        Segment.objects.count(),
        UsageFigure.objects.count(),
        SavedPlan.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_demo_is_idempotent(db):
    console = Console(file=io.StringIO())
    for _ in range(2):
        audiences_demo.load(console=console, from_today=False)
        planner_demo.load(console=console, from_today=False)
        if _ == 0:
            first = counts()
    assert counts() == first
    plan = SavedPlan.objects.get()
    assert plan.inputs["audiences"] == ["international-students"]
    assert plan.campaign == "Milano quartieri spring-summer 2021"
