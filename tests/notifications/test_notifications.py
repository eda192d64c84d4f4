"""Notifications: who gets one, the e-mail sent at most once in the reader's language, the
bell and the list page, each person reading only their own."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import translation

from quartieri.notifications import services
from quartieri.notifications.models import Event, Notification
from quartieri.notifications.selectors import (
    notification_inbox,
    notification_unread_count,
    notifications_unread,
)
from quartieri.notifications.services import (
    notification_email_send,
    notification_send,
    notifications_mark_read,
    notifications_settle,
)
from quartieri.notifications.tasks import send_notification_emails


@pytest.fixture(autouse=True)
def _mail_on(settings: Any) -> None:
    settings.NOTIFICATIONS_EMAIL = True
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    send_notification_emails.get_backend().clear()


def _send(*recipients: Any, actor: Any = None, **extra: Any) -> list[Notification]:
    return notification_send(
        recipients=recipients,
        event=extra.pop("event", Event.TO_REVIEW),
        subject="Isola – BAM → @comunedimilano (TikTok)",
        url="/campaigns/variants/7/review/",
        actor=actor,
        topic="campaigns.variant:7",
        **extra,
    )


def _queued() -> list[dict[str, Any]]:
    backend = send_notification_emails.get_backend()
    return [r.kwargs for r in backend.results if r.status == TaskResultStatus.READY]


def test_each_recipient_is_told_once_never_the_actor_nor_an_inactive_account(
    approver, editor, other_editor, admin_user, django_capture_on_commit_callbacks
):
    other_editor.is_active = False
    other_editor.save()
    with django_capture_on_commit_callbacks(execute=True):
        sent = _send(approver, approver, editor, other_editor, admin_user, None, actor=admin_user)
    assert sorted(n.recipient.username for n in sent) == ["giulia", "marco"]
    # One task, enqueued after the commit, for the e-mails.
    assert _queued() == [{"notification_ids": [n.pk for n in sent]}]
    assert mail.outbox == []  # nothing is mailed inside the request


def test_a_rolled_back_change_notifies_nobody(approver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send(approver)
    assert len(callbacks) == 1  # the e-mail task waits for a commit that never comes here
    assert _queued() == []


def test_the_email_goes_once_even_when_the_task_runs_twice(approver, editor):
    [notification] = _send(approver, actor=editor, detail="Controlla la didascalia.")
    assert send_notification_emails.call(notification_ids=[notification.pk]) == 1
    assert send_notification_emails.call(notification_ids=[notification.pk]) == 0
    [message] = mail.outbox
    assert message.to == ["giulia@example.org"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_a_send_that_crashes_is_not_repeated(approver, editor):
    [notification] = _send(approver, actor=editor)
    with (
        mock.patch.object(services, "send_mail", side_effect=OSError("SMTP down")),
        pytest.raises(OSError, match="SMTP down"),
    ):
        notification_email_send(notification_id=notification.pk)
    # Claimed before the send: a re-queued task does not mail anybody twice.
    assert notification_email_send(notification_id=notification.pk) is False
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.email_claimed_at is not None
    assert notification.emailed_at is None


def test_the_email_speaks_the_recipients_language_and_links_to_the_platform(
    approver, editor, settings
):
    settings.PUBLIC_URL = "https://quartieri.comune.example"
    approver.language = "en"
    approver.save()
    editor.language = "it"
    editor.save()
    for notification in _send(approver, editor, actor=None, event=Event.FAILED, detail="Token"):
        notification_email_send(notification_id=notification.pk)
    by_person = {message.to[0]: message for message in mail.outbox}
    english = by_person["giulia@example.org"]
    assert english.subject == (
        "[quartieri] “Isola – BAM → @comunedimilano (TikTok)” could not be published."
    )
    assert "https://quartieri.comune.example/campaigns/variants/7/review/" in english.body
    assert "Token" in english.body
    italian = by_person["marco@example.org"]
    assert "non è stato pubblicato" in italian.subject


def test_nobody_is_mailed_when_the_setting_is_off(
    approver, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_EMAIL = False
    with django_capture_on_commit_callbacks(execute=True):
        _send(approver)
    assert _queued() == []
    assert notification_unread_count(user=approver) == 1


def test_settling_a_topic_marks_its_notifications_read_for_everyone(approver, admin_user, editor):
    _send(approver, admin_user)
    _send(editor, event=Event.REJECTED)
    assert notifications_settle(topic="campaigns.variant:7", events=[Event.TO_REVIEW]) == 2
    assert notification_unread_count(user=approver) == 0
    assert notification_unread_count(user=editor) == 1  # another event: still to read


def test_one_marks_only_their_own_notifications_read(approver, editor):
    [mine] = _send(approver)
    [theirs] = _send(editor)
    assert notifications_mark_read(user=approver, ids=[mine.pk, theirs.pk]) == 1
    assert notification_unread_count(user=editor) == 1
    assert [entry.pk for entry in notification_inbox(user=editor)] == [theirs.pk]
    assert notification_inbox(user=approver) == []


def test_the_bell_counts_the_unread_on_every_page(client_for, approver, editor):
    _send(approver, actor=editor)
    _send(approver, actor=editor, event=Event.MENTION)
    page = client_for(approver).get(reverse("campaigns:campaign_list")).content.decode()
    assert 'data-testid="bell-count">2</span>' in page


def test_the_list_shows_sentences_in_the_readers_language(client_for, approver, editor):
    _send(approver, actor=editor, event=Event.MENTION, detail="@giulia guarda qui")
    with translation.override("it"):
        page = client_for(approver).get(reverse("notifications:list")).content.decode()
    assert "Marco ti ha menzionato in “Isola – BAM → @comunedimilano (TikTok)”." in page
    assert "@giulia guarda qui" in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client_for, approver):
    [notification] = _send(approver)
    answer = client_for(approver).get(reverse("notifications:open", args=[notification.pk]))
    assert answer.status_code == 302
    assert answer["Location"] == "/campaigns/variants/7/review/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_persons_notification_is_not_found_and_stays_unread(client_for, approver, editor):
    [notification] = _send(approver)
    answer = client_for(editor).get(reverse("notifications:open", args=[notification.pk]))
    assert answer.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_stored_link_never_leads_off_the_platform(client_for, approver):
    [notification] = notification_send(
        recipients=[approver], event=Event.COMMENT, subject="x", url="//evil.example/"
    )
    answer = client_for(approver).get(reverse("notifications:open", args=[notification.pk]))
    assert answer["Location"] == "/"


def test_mark_all_read_by_post(client_for, approver):
    _send(approver)
    _send(approver, event=Event.PUBLISHED)
    client = client_for(approver)
    assert client.get(reverse("notifications:read")).status_code == 405
    answer = client.post(reverse("notifications:read"), {"all": "1"})
    assert answer.status_code == 302
    assert notification_unread_count(user=approver) == 0


def test_the_inbox_takes_the_unread_of_the_events_it_asks_for(approver, editor):
    _send(approver, actor=editor)  # to review: the campaigns queue lists those
    [mention] = _send(approver, actor=editor, event=Event.MENTION)
    [comment] = _send(approver, actor=editor, event=Event.COMMENT)
    _send(editor, actor=approver, event=Event.MENTION)  # someone else's
    notifications_mark_read(user=approver, ids=[comment.pk])
    rows = notifications_unread(user=approver, events=[Event.MENTION, Event.COMMENT])
    assert list(rows) == [mention]
    assert rows.count() == 1
    assert len(notifications_unread(user=approver)) == 2


def test_without_an_smtp_host_the_mail_stays_on_this_machine(approver, editor, settings, tmp_path):
    """The demo sets no SMTP host: settings.py then files every message under DATA_DIR."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIERI_SMTP")}
    env |= {
        "QUARTIERI_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "quartieri.settings",
    }
    shown = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", "from django.conf import settings; print(settings.MAILERS)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    mailers = ast.literal_eval(shown.strip())
    assert mailers["default"]["BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    settings.MAILERS = mailers
    [notification] = _send(approver, actor=editor)
    assert notification_email_send(notification_id=notification.pk) is True
    [written] = (tmp_path / "data" / "outbox-mail").iterdir()
    assert "giulia@example.org" in written.read_text()
