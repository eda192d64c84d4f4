"""Notification tasks: thin, taking ids; safe to run twice (each e-mail is claimed first)."""

from __future__ import annotations

from django.tasks import task

from quartieri.notifications.services import notification_email_send


@task()
def send_notification_emails(*, notification_ids: list[int]) -> int:
    return sum(notification_email_send(notification_id=pk) for pk in notification_ids)
