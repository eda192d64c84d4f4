"""The newsletter's figures for a campaign (an analytics measure source, analytics/measures.py).

A campaign's issues are the issues that carried at least one of its variants (the list's
own items, delivery.py). Per issue, on its day, and in total over them:

- ``sent``: ledger rows the SMTP server accepted (250 after the end of data) or whose end
  of data was written before the worker died (``unconfirmed``: the server has them);
- ``bounced``: people whose message came back undeliverable for good (hard bounces, named
  by the returned Message-ID or, failing that, the last issue they were sent); soft bounces
  are delays the servers retry, and are not counted;
- ``delivered``: sent minus bounced (the sender cannot know inbox from spam folder);
- ``unsubscribed``: people who left the list on the issue's day (one click, preferences
  page, mailed request);
- ``reach`` (total only): distinct people delivered at least one of the campaign's issues.

Clicks are not counted here: the issue's links are analytics' tracked links of the
newsletter channel, which ``LinkSource`` reports (aggregate, never per person).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from quartieri.analytics.measures import Measure
from quartieri.campaigns.models import Campaign
from quartieri.channels.registry import Platform
from quartieri.newsletter.models import BounceEvent, ConsentRecord, Delivery, Issue

_DELIVERED_STATES = [Delivery.State.SENT, Delivery.State.UNCONFIRMED]
BASIS = {
    "sent": _("messages the mail server accepted for the issue (the send ledger)"),
    "bounced": _("messages returned as undeliverable for good (hard bounces)"),
    "delivered": _("sent minus bounced: not returned by the receiving servers"),
    "unsubscribed": _("people who left the list on the day of the issue"),
}
FIGURES = tuple(BASIS)
_SUMMED = _("summed over the campaign's issues")


def _hard_bounce(issue_ref: OuterRef | int) -> QuerySet[BounceEvent]:
    return BounceEvent.objects.filter(
        issue=issue_ref, subscriber=OuterRef("subscriber"), kind=BounceEvent.Kind.HARD
    )


def _people(rows: QuerySet[Any], *, per: str) -> Coalesce:
    """A subquery: how many distinct subscribers ``rows`` (of one issue) name, grouped by
    ``per`` (one group: ``rows`` is filtered to it). A subquery, not a join, so that the
    deliveries counted beside it are not multiplied."""
    counted = (
        rows.order_by()
        .values(per)
        .annotate(people=Count("subscriber", distinct=True))
        .values("people")
    )
    return Coalesce(Subquery(counted), 0)


def _issue_figures(issue: Issue) -> dict[str, int]:
    """``issue`` as ``campaign_issues`` gives it, its figures counted already."""
    sent: int = issue.rows  # type: ignore[attr-defined]
    bounced: int = issue.bounced  # type: ignore[attr-defined]
    return {
        "sent": sent,
        "bounced": bounced,
        "delivered": max(0, sent - bounced),
        "unsubscribed": issue.unsubscribed,  # type: ignore[attr-defined]
    }


def campaign_issues(campaign: Campaign) -> QuerySet[Issue]:
    """The campaign's issues that went out, one per list and day at most in practice, with
    their figures: ``rows`` sent, ``bounced`` (hard, distinct people) and ``unsubscribed``
    (distinct people who left the list on the issue's day, Europe/Rome)."""
    carried = Issue.objects.filter(variants__content_item__campaign=campaign).values("pk")
    hard = BounceEvent.objects.filter(issue=OuterRef("pk"), kind=BounceEvent.Kind.HARD)
    left = ConsentRecord.objects.filter(
        newsletter_list=OuterRef("newsletter_list"),
        action=ConsentRecord.Action.UNSUBSCRIBED,
        at__date=OuterRef("date"),
    )
    return (
        Issue.objects.filter(pk__in=carried)
        .annotate(
            rows=Count("deliveries", filter=Q(deliveries__state__in=_DELIVERED_STATES)),
            bounced=_people(hard, per="issue"),
            unsubscribed=_people(left, per="newsletter_list"),
        )
        .filter(rows__gt=0)
        .select_related("newsletter_list__account")
        .order_by("date", "pk")
    )


class NewsletterSource:
    slug = "newsletter"
    label = _("Newsletter")

    def measures(self, *, campaign: Campaign) -> list[Measure]:
        issues = list(campaign_issues(campaign))
        if not issues:
            return []
        rows: list[Measure] = []
        totals = dict.fromkeys(FIGURES, 0)
        for issue in issues:
            figures = _issue_figures(issue)
            rows += [self._measure(name, value, issue=issue) for name, value in figures.items()]
            for name, value in figures.items():
                totals[name] += value
        rows += [self._measure(name, value) for name, value in totals.items()]
        rows.append(self._reach(issues))
        return rows

    def _measure(self, name: str, value: int, *, issue: Issue | None = None) -> Measure:
        day: dt.date | None = issue.date if issue else None
        return Measure(
            source=self.slug,
            channel=Platform.NEWSLETTER,
            name=name,
            value=value,
            basis=BASIS[name] if issue else format_lazy("{} ({})", BASIS[name], _SUMMED),
            day=day,
            account=str(issue.newsletter_list.account) if issue else "",
        )

    def _reach(self, issues: list[Issue]) -> Measure:
        delivered = Delivery.objects.filter(
            issue__in=issues, state__in=_DELIVERED_STATES, subscriber__isnull=False
        ).exclude(Exists(_hard_bounce(OuterRef("issue"))))
        return Measure(
            source=self.slug,
            channel=Platform.NEWSLETTER,
            name="reach",
            value=delivered.values("subscriber").distinct().count(),
            basis=_(
                "people the campaign's issues were delivered to (accepted by the mail server "
                "and not returned), each counted once however many issues they received"
            ),
        )


SOURCES = [NewsletterSource()]
