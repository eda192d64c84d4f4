"""Writes of notifications: sending one to people, e-mailing it, marking it read."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from quartieri.accounts.models import User
from quartieri.notifications.messages import notification_sentence
from quartieri.notifications.models import Event, Notification

logger = logging.getLogger(__name__)


def notification_send(
    *,
    recipients: Iterable[User | None],
    event: Event,
    subject: str,
    url: str,
    actor: User | None = None,
    detail: str = "",
    topic: str = "",
) -> list[Notification]:
    """Tell each recipient once: never the actor about their own act, nor an inactive account.

    Call it inside the transaction of the change it reports: the rows roll back with it.
    The e-mails are sent by a task enqueued once the transaction commits.
    """
    seen: set[int] = set()
    rows: list[Notification] = []
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        if actor is not None and user.pk == actor.pk:
            continue
        rows.append(
            Notification(
                recipient=user,
                event=event,
                actor=actor,
                subject=subject[:300],
                detail=detail,
                url=url,
                topic=topic,
            )
        )
    created = Notification.objects.bulk_create(rows)
    mailed = [row.pk for row in created if row.recipient.email]
    if mailed and settings.NOTIFICATIONS_EMAIL:
        transaction.on_commit(partial(_enqueue_emails, mailed))
    return created


def _enqueue_emails(notification_ids: list[int]) -> None:
    from quartieri.notifications.tasks import send_notification_emails

    send_notification_emails.enqueue(notification_ids=notification_ids)


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification, at most once: True when this call sent it.

    The row is claimed before sending (a second run, or a re-queued task, finds it claimed
    and sends nothing); a send that fails after the claim is logged and not repeated, so a
    crash never mails anybody twice.
    """
    claimed = Notification.objects.filter(pk=notification_id, email_claimed_at__isnull=True).update(
        email_claimed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient", "actor").get(pk=notification_id)
    recipient = notification.recipient
    if not recipient.email or not recipient.is_active:
        return False
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        sentence = notification_sentence(notification)
        body = render_to_string(
            "notifications/email.txt",
            {
                "sentence": sentence,
                "notification": notification,
                "link": f"{settings.PUBLIC_URL}{notification.url}",
            },
        )
    try:
        send_mail(f"[quartieri] {sentence}", body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    except Exception:
        logger.exception("Notification %s: the e-mail could not be sent", notification_id)
        raise
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark ``user``'s own unread notifications read (``ids`` None: all); how many."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


def notifications_settle(*, topic: str, events: Iterable[Event]) -> int:
    """The matter ``topic`` no longer needs anybody for ``events`` (a variant left review):
    its unread notifications of those events are marked read for everyone."""
    rows = Notification.objects.filter(topic=topic, event__in=list(events), read_at__isnull=True)
    return rows.update(read_at=timezone.now())
