"""Reads of notifications: the bell's count, the list page, and what an inbox shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from quartieri.accounts.models import User
from quartieri.notifications.messages import notification_sentence
from quartieri.notifications.models import Event, Notification


@dataclass(frozen=True)
class NotificationEntry:
    """One notification as a page shows it, in the reader's language."""

    pk: int
    event: str
    event_label: str
    sentence: str
    detail: str
    url: str
    created_at: dt.datetime
    unread: bool


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_entry(row: Notification) -> NotificationEntry:
    return NotificationEntry(
        pk=row.pk,
        event=row.event,
        event_label=str(row.get_event_display()),
        sentence=notification_sentence(row),
        detail=row.detail,
        url=row.url,
        created_at=row.created_at,
        unread=row.read_at is None,
    )


def notification_list(
    *, user: User, unread_only: bool = False, limit: int = 100
) -> list[NotificationEntry]:
    """``user``'s newest notifications (one query), each with its sentence."""
    if unread_only:
        rows = notifications_unread(user=user)
    else:
        rows = Notification.objects.filter(recipient=user).select_related("actor")
        rows = rows.order_by("-created_at", "-pk")
    return [notification_entry(row) for row in rows[:limit]]


def notifications_unread(
    *, user: User, events: Iterable[Event] | None = None
) -> QuerySet[Notification]:
    """``user``'s unread notifications, newest first, optionally of some ``events`` only: a
    queryset, so an inbox counts them in one query (``notification_sentence`` words a row).
    The "Da fare" inbox takes the events no other queue lists (mentions and comments: posts
    to review, sent back or failed have their own queues there)."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if events is not None:
        rows = rows.filter(event__in=list(events))
    return rows.select_related("actor").order_by("-created_at", "-pk")


def notification_inbox(*, user: User, limit: int = 20) -> list[NotificationEntry]:
    """What a person's "to do" inbox shows of their notifications: the unread ones, newest
    first. The one function an inbox page or card needs from this app."""
    return notification_list(user=user, unread_only=True, limit=limit)
