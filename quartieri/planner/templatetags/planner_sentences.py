from __future__ import annotations

from django import template

from quartieri.planner.result import ChannelPlan, PlanResult
from quartieri.planner.sentences import channel_sentence as sentence

register = template.Library()


@register.simple_tag
def channel_sentence(plan: PlanResult, channel: ChannelPlan) -> str:
    """``{% channel_sentence plan c %}``: the channel's one-sentence reason."""
    return sentence(plan=plan, channel=channel)
