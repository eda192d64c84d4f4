"""One short sentence per channel of a plan, from the figures the plan carries.

"TikTok: reaches 41 % of international students for €2,000 (source: Censis 2021)." Every
figure in it is a field of ``ChannelPlan`` (reach share, money, hours, sources) or the name
of an audience of ``PlanResult``: the long reason, with every figure's source, stays one
click away on the page. Written in the active language (Italian by default for staff).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from quartieri.planner.explain import pct, people, short_source
from quartieri.planner.result import ChannelPlan, PlanResult


def _mid_sentence(name: str) -> str:
    """'International students' → 'international students'; 'TikTok' and 'EU' stay."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def _audience(plan: PlanResult) -> str:
    return " + ".join(_mid_sentence(a.name or a.slug) for a in plan.audiences)


def _money(amount: float) -> str:
    # Whole euros, grouped as the language groups a count of people.
    return _("€%(amount)s") % {"amount": people(amount)}


def _cost(channel: ChannelPlan) -> str:
    hours = pct(channel.hours_per_week)  # one decimal at most, as the language writes it
    if channel.budget > 0 and channel.hours_per_week > 0:
        return _("for %(money)s and %(hours)s hours of work a week") % {
            "money": _money(channel.budget),
            "hours": hours,
        }
    if channel.budget > 0:
        return _("for %(money)s") % {"money": _money(channel.budget)}
    if channel.hours_per_week > 0:
        return _("with %(hours)s hours of work a week") % {"hours": hours}
    return ""


def _sources(channel: ChannelPlan) -> str:
    names = list(dict.fromkeys(short_source(s.source, s.year) for s in channel.sources))
    if names:
        return ngettext("source: %(names)s", "sources: %(names)s", len(names)) % {
            "names": ", ".join(names)
        }
    if channel.assumptions:
        return _("an assumption, not a measured figure")
    return ""


def channel_sentence(*, plan: PlanResult, channel: ChannelPlan) -> str:
    """The channel's place in the plan in one sentence, its sources named in brackets."""
    if not channel.recommended:
        return _("%(channel)s: left out of this plan.") % {
            "channel": channel.name or channel.channel
        }
    text = _("%(channel)s: reaches %(pct)s %% of %(audience)s") % {
        "channel": channel.name or channel.channel,
        "pct": pct(channel.reach_pct),
        "audience": _audience(plan),
    }
    cost = _cost(channel)
    sources = _sources(channel)
    return text + (f" {cost}" if cost else "") + (f" ({sources})" if sources else "") + "."
