"""Single messages: the double opt-in confirmation and the staff test-send.

They go through the same SMTP servers as the issues (QUARTIERI_SMTP_URL; in the demo the
local sink, so the link shows up in the Mailbox page), or Django's mailer when no
newsletter server is configured.
"""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from quartieri.lib.loop_thread import run_async
from quartieri.newsletter.message import MessageTemplate, Personal, domain_of
from quartieri.newsletter.models import Issue, Subscription
from quartieri.newsletter.smtp import Outcome, Outgoing, Pool, smtp_servers
from quartieri.newsletter.tokens import confirm_token


class MailError(Exception):
    """The server did not take the message; the text says what it answered."""


def _send_raw(*, recipient: str, data: bytes) -> None:
    servers = smtp_servers(settings.NEWSLETTER_SMTP_URLS)[:1]
    pool = Pool([replace(s, connections=1) for s in servers])

    async def once() -> str:
        try:
            results = await pool.send(
                [Outgoing(0, settings.NEWSLETTER_BOUNCE_EMAIL, recipient, data)]
            )
        finally:
            await pool.close()
        result = results[0]
        return "" if result.outcome == Outcome.SENT else f"{result.outcome}: {result.detail}"

    problem = run_async(once())
    if problem:
        raise MailError(problem)


def _send_text(*, recipient: str, subject: str, body: str, sender_name: str) -> None:
    if not settings.NEWSLETTER_SMTP_URLS:
        send_mail(subject, body, settings.NEWSLETTER_FROM_EMAIL, [recipient])
        return
    message = EmailMessage()
    message["From"] = formataddr((sender_name, settings.NEWSLETTER_FROM_EMAIL))
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=domain_of(settings.NEWSLETTER_FROM_EMAIL))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    _send_raw(
        recipient=recipient, data=message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    )


def confirmation_send(*, subscription_id: int) -> str:
    subscription = (
        Subscription.objects.select_related("subscriber", "newsletter_list")
        .filter(pk=subscription_id, status=Subscription.Status.PENDING)
        .first()
    )
    if subscription is None:
        return "nothing to confirm"
    subscriber, newsletter_list = subscription.subscriber, subscription.newsletter_list
    token = confirm_token(subscriber_id=subscriber.pk, list_id=newsletter_list.pk)
    link = settings.PUBLIC_URL + reverse("newsletter:confirm", args=[token])
    with translation.override(subscriber.language):
        subject = _("Confirm your subscription to %(list)s") % {"list": newsletter_list.name}
        body = render_to_string(
            "newsletter/email/confirm.txt",
            {"list": newsletter_list, "link": link, "days": settings.NEWSLETTER_CONFIRM_DAYS},
        )
    _send_text(
        recipient=subscriber.email,
        subject=subject,
        body=body,
        sender_name=newsletter_list.from_name,
    )
    return "sent"


def issue_test_send(*, issue: Issue, recipient: str, name: str, language: str) -> None:
    """The issue as a subscriber would get it, to a member of staff (no ledger row)."""
    template = MessageTemplate(issue=issue, language=language)
    data = template.render(Personal(subscriber_id=0, email=recipient, name=name))
    if not settings.NEWSLETTER_SMTP_URLS:
        raise MailError(_("No newsletter SMTP server is configured (QUARTIERI_SMTP_URL)."))
    _send_raw(recipient=recipient, data=data)
