"""Reads: who may act on a list (its channel account's grants), the current consent
wording, a list's export, one person's data (GDPR access)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q, QuerySet

from quartieri.accounts.models import User
from quartieri.channels.models import AccountGrant
from quartieri.channels.selectors import Duty, account_allows
from quartieri.lib.spreadsheet import safe_cell
from quartieri.newsletter.models import (
    ConsentRecord,
    ConsentWording,
    Issue,
    NewsletterList,
    Subscriber,
    Subscription,
)

EXPORT_COLUMNS = [
    "email",
    "name",
    "language",
    "interests",
    "status",
    "subscribed_at",
    "confirmed_at",
]


def list_allows(
    *,
    user: User,
    newsletter_list: NewsletterList,
    duty: Duty,
    grants: dict[int, AccountGrant] | None = None,
) -> str:
    """Empty when ``user`` may do ``duty`` on the list's channel account, else why not
    (``grants``: the person's, from ``channels.selectors.user_grants``, read once for many
    checks)."""
    return account_allows(user=user, account=newsletter_list.account, duty=duty, grants=grants)


def wording_current(*, newsletter_list: NewsletterList, language: str) -> ConsentWording | None:
    return newsletter_list.wordings.filter(language=language).order_by("-version").first()


def lists_with_counts() -> QuerySet[NewsletterList]:
    return NewsletterList.objects.annotate(
        confirmed=Count("subscriptions", filter=Q(subscriptions__status="confirmed")),
        pending=Count("subscriptions", filter=Q(subscriptions__status="pending")),
    )


def issue_list() -> QuerySet[Issue]:
    return Issue.objects.select_related("newsletter_list", "approved_by").order_by("-date", "-pk")


def list_export_rows(*, newsletter_list: NewsletterList) -> Iterator[str]:
    """The list as CSV text, a few thousand rows at a time (any size), formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    subscriptions = (
        Subscription.objects.filter(newsletter_list=newsletter_list)
        .select_related("subscriber")
        .order_by("subscriber_id")
    )
    for number, subscription in enumerate(subscriptions.iterator(chunk_size=2000), start=1):
        person = subscription.subscriber
        writer.writerow(
            safe_cell(cell)
            for cell in (
                person.email,
                person.name,
                person.language,
                ";".join(person.interests),
                subscription.status,
                subscription.created_at.isoformat(),
                subscription.confirmed_at.isoformat() if subscription.confirmed_at else "",
            )
        )
        if number % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def consent_timeline(*, subscriber: Subscriber) -> QuerySet[ConsentRecord]:
    return subscriber.consent_records.select_related("wording", "newsletter_list").order_by(
        "at", "pk"
    )


def subscriber_access(*, subscriber: Subscriber) -> dict[str, Any]:
    """Everything kept about one person (GDPR Art. 15), as JSON-ready data."""
    return {
        "email": subscriber.email,
        "name": subscriber.name,
        "language": subscriber.language,
        "interests": subscriber.interests,
        "status": subscriber.status,
        "signed_up": subscriber.created_at.isoformat(),
        "soft_bounces": subscriber.soft_bounces,
        "subscriptions": [
            {
                "list": s.newsletter_list.slug,
                "status": s.status,
                "since": s.created_at.isoformat(),
                "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
            }
            for s in subscriber.subscriptions.select_related("newsletter_list")
        ],
        "consent_records": [
            {
                "list": r.newsletter_list.slug,
                "action": r.action,
                "at": r.at.isoformat(),
                "source": r.source,
                "wording_version": r.wording.version if r.wording else None,
                "wording": r.wording.text if r.wording else None,
                "note": r.note,
            }
            for r in consent_timeline(subscriber=subscriber)
        ],
        "deliveries": [
            {"issue": d.issue_id, "date": d.issue.date.isoformat(), "state": d.state}
            for d in subscriber.deliveries.select_related("issue").order_by("issue_id")
        ],
        "bounces": [
            {"kind": b.kind, "at": b.at.isoformat(), "source": b.source, "detail": b.detail}
            for b in subscriber.bounce_events.all()
        ],
    }
