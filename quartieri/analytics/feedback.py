"""Feedback to the planner: what a finished campaign measured becomes planner data.

Saving writes, in one transaction with an audit row:

1. a ``PlannerFeedback`` row: per channel, measured reach (with how it was measured), the
   planned spend, the cost per 1,000 people reached at that spend, visits through tracked
   links;
2. the same reach and cost as ``audiences.AudienceCount`` rows, the planner catalogue's
   sourced counts (as "the Facebook page reached 6,293,000 people in Feb 2021" is), with
   the campaign and its dates as their source;
3. the catalogue figures the planner's model reads that a measurement gives directly, each
   only if the person ticked it: a channel's ``click_rate`` (visits through its tracked
   links ÷ measured reach) and an owned channel's ``owned_audience`` (its accounts'
   followers at the campaign's end). They replace the figure used so far (often an
   assumption) and name the campaign as their source, so the next plan starts from what
   happened; the audit row keeps the value they replaced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.accounts.services import audit_record
from quartieri.analytics.kind import PLATFORM_OF_PLANNER_CHANNEL
from quartieri.analytics.measures import Measure, campaign_accounts, campaign_measures
from quartieri.analytics.models import AccountMetric
from quartieri.analytics.plan_actual import PlanActualRow, plan_versus_actual
from quartieri.analytics.tracking import PlannerFeedback
from quartieri.audiences.models import AudienceCount, Channel, ChannelFigure, FigureKey
from quartieri.campaigns.models import Campaign


class FeedbackError(ValueError):
    """The campaign cannot give feedback (yet); the message says why."""


@dataclass(frozen=True)
class Proposal:
    """One catalogue figure a measurement can replace."""

    channel: str  # planner channel slug
    key: str  # FigureKey value
    value: float
    current: float | None
    current_source: str
    derivation: str

    @property
    def ident(self) -> str:
        return f"{self.channel}:{self.key}"


def feedback_label(campaign: Campaign) -> str:
    return _("quartieri measurement of campaign “%(name)s”, %(first)s – %(last)s") % {
        "name": campaign.name,
        "first": campaign.start_date.isoformat(),
        "last": campaign.end_date.isoformat(),
    }


def campaign_finished(campaign: Campaign) -> bool:
    return campaign.end_date < timezone.localdate() or campaign.status in {
        Campaign.Status.FINISHED,
        Campaign.Status.ARCHIVED,
    }


def feedback_preview(*, campaign: Campaign) -> tuple[list[PlanActualRow], list[Proposal]]:
    measures = campaign_measures(campaign=campaign)
    rows = [r for r in plan_versus_actual(campaign=campaign, measures=measures) if r.measured_reach]
    return rows, _proposals(campaign, rows, measures)


def _proposals(
    campaign: Campaign, rows: list[PlanActualRow], measures: list[Measure]
) -> list[Proposal]:
    channels = {c.slug: c for c in Channel.objects.prefetch_related("figures")}
    visits: dict[str, int] = {}
    for m in measures:
        if m.day is None and m.name in {"clicks", "scans"}:
            visits[m.channel] = visits.get(m.channel, 0) + m.value
    proposals = []
    for row in rows:
        channel = channels.get(row.channel)
        if channel is None or not row.measured_reach:
            continue  # not a channel of the catalogue: nothing the planner could read
        figures = {f.key: f for f in channel.figures.all()}
        platform = PLATFORM_OF_PLANNER_CHANNEL.get(row.channel, row.channel)
        arrived = visits.get(platform, 0)
        if arrived:
            proposals.append(
                _proposal(
                    row.channel,
                    FigureKey.CLICK_RATE,
                    min(1.0, round(arrived / row.measured_reach, 5)),
                    figures,
                    _("%(v)s visits through tracked links ÷ %(r)s measured reach")
                    % {"v": arrived, "r": row.measured_reach},
                )
            )
        followers = _followers(campaign, platform) if channel.owned else None
        if followers:
            proposals.append(
                _proposal(
                    row.channel,
                    FigureKey.OWNED_AUDIENCE,
                    float(followers[0]),
                    figures,
                    _("followers of the campaign's accounts on %(day)s, as the platform reported")
                    % {"day": followers[1]},
                )
            )
    return proposals


def _proposal(
    channel: str, key: str, value: float, figures: dict[str, ChannelFigure], derivation: str
) -> Proposal:
    current = figures.get(key)
    return Proposal(
        channel=channel,
        key=key,
        value=value,
        current=current.value if current else None,
        current_source=(current.source or _("assumption")) if current else "",
        derivation=derivation,
    )


def _followers(campaign: Campaign, platform: str) -> tuple[int, str] | None:
    """The latest follower count within the campaign, summed over its accounts there."""
    accounts = [a for a in campaign_accounts(campaign) if a.platform == platform]
    latest = (
        AccountMetric.objects.filter(
            account__in=accounts, name="followers", day__lte=campaign.end_date
        )
        .order_by("-day")
        .first()
    )
    if latest is None:
        return None
    total = sum(
        AccountMetric.objects.filter(
            account__in=accounts, name="followers", day=latest.day
        ).values_list("value", flat=True)
    )
    return total, latest.day.isoformat()


@transaction.atomic
def planner_feedback_save(*, actor: User, campaign: Campaign, apply: set[str]) -> PlannerFeedback:
    """Save a finished campaign's measured reach and cost as planner data (see module)."""
    if not user_can(actor, Capability.APPROVE_CONTENT):
        raise PermissionDenied(_("Only the comms office may change what the planner believes."))
    if not campaign_finished(campaign):
        raise FeedbackError(_("The campaign has not finished: its figures are still growing."))
    rows, proposals = feedback_preview(campaign=campaign)
    if not rows:
        raise FeedbackError(_("Nothing was measured for this campaign."))
    label = feedback_label(campaign)
    applied = [_apply(p, label=label, campaign=campaign) for p in proposals if p.ident in apply]
    counts = _audience_counts(campaign, rows, label=label)
    feedback = PlannerFeedback.objects.create(
        campaign=campaign,
        first_day=campaign.start_date,
        last_day=campaign.end_date,
        label=label,
        figures=[_figure(row) for row in rows],
        applied=applied,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="planner.feedback",
        target=feedback,
        after={"label": label, "channels": len(rows), "counts": counts, "applied": applied},
    )
    return feedback


def _figure(row: PlanActualRow) -> dict[str, object]:
    return {
        "channel": row.channel,
        "measured_reach": row.measured_reach,
        "basis": row.basis,
        "planned_budget": row.planned_budget,
        "cost_per_thousand_reached": row.measured_cost_per_thousand,
        "simulated": row.simulated,
    }


def _apply(proposal: Proposal, *, label: str, campaign: Campaign) -> dict[str, object]:
    figure, _created = ChannelFigure.objects.update_or_create(
        channel=Channel.objects.get(slug=proposal.channel),
        key=proposal.key,
        defaults={
            "value": proposal.value,
            "source": label[:500],
            "year": campaign.end_date.year,
            "note": proposal.derivation[:500],
        },
    )
    return asdict(proposal) | {"replaced_source": proposal.current_source, "figure": figure.pk}


def _audience_counts(campaign: Campaign, rows: list[PlanActualRow], *, label: str) -> int:
    neighbourhood = campaign.neighbourhoods.first()
    place = neighbourhood.city if neighbourhood else ""
    made = 0
    for row in rows:
        figures = [("people_reached_measured", float(row.measured_reach or 0), "people")]
        if row.measured_cost_per_thousand is not None:
            figures.append(("eur_per_1000_reached_measured", row.measured_cost_per_thousand, "EUR"))
        for metric, value, unit in figures:
            _count, created = AudienceCount.objects.get_or_create(
                place=place,
                subject=f"{row.name} ({row.channel})"[:200],
                metric=f"{metric}: {campaign.slug}"[:100],
                year=str(campaign.end_date.year),
                value=value,
                defaults={"unit": unit, "source": label[:500], "verified": "measured"},
            )
            made += int(created)
    return made
