"""Bounces and complaints: DSNs and feedback reports read over IMAP (a local server that
speaks the protocol), provider webhooks (django-anymail), the soft-bounce threshold, and
suppression that outlives re-imports."""

from __future__ import annotations

import base64
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from quartieri.newsletter.bounces import ImapMailbox, bounces_read
from quartieri.newsletter.models import BounceEvent, ConsentRecord, Subscriber, Subscription
from quartieri.newsletter.tokens import unsubscribe_token
from tests.newsletter.fake_imap import FakeImap


def dsn(recipient: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@comune.example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: newsletter@comune.example.org\r\nTo: {recipient}\r\nMessage-ID: <n1.1@comune.example.org>\r\n\r\n"
        "--B--\r\n"
    ).encode()


def arf(recipient: str) -> bytes:
    return (
        "From: fbl@isp.example.net\r\nTo: bounces@comune.example.org\r\nSubject: complaint\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; boundary="F"\r\n\r\n'
        "--F\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n\r\n"
        "--F\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: newsletter@comune.example.org\r\nTo: {recipient}\r\nSubject: Daily\r\n\r\nHello\r\n"
        "--F--\r\n"
    ).encode()


@pytest.fixture
def imap():
    with FakeImap() as server:
        yield server


def _mailbox(imap: FakeImap) -> ImapMailbox:
    return ImapMailbox("127.0.0.1", imap.port, False, "bounces", "secret", "INBOX")


def test_a_hard_bounce_suppresses_and_the_message_is_handled_once(
    imap, subscribe_people, daily, tmp_path
):
    reader = subscribe_people(1)[0]
    imap.deliver(dsn(reader.email))
    imap.deliver(b"From: someone@example.net\r\nSubject: hello\r\n\r\nA person wrote to us.\r\n")

    assert bounces_read(mailbox=_mailbox(imap)) == 1
    reader.refresh_from_db()
    assert reader.status == "bounced"
    event = BounceEvent.objects.get()
    assert (event.kind, event.source) == ("hard", "imap")
    assert "5.1.1" in event.detail
    assert ConsentRecord.objects.get(subscriber=reader).action == "suppressed"
    # The DSN was deleted; the person's message stays for a person to read.
    assert [m.uid for m in imap.messages] == [2]
    assert bounces_read(mailbox=_mailbox(imap)) == 0

    # Re-importing the address does not bring it back.
    path = tmp_path / "again.csv"
    path.write_text(f"email,consent\n{reader.email},yes\n")
    out = StringIO()
    call_command(
        "newsletter",
        "import",
        str(path),
        "--list",
        "daily",
        "--consent-note",
        "fair",
        "--format",
        "json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["rejected"] == 1
    reader.refresh_from_db()
    assert reader.status == "bounced"


def test_soft_bounces_suppress_only_past_the_threshold(imap, subscribe_people, settings):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 3
    reader = subscribe_people(1)[0]
    for _ in range(2):
        imap.deliver(dsn(reader.email, action="delayed", status="4.2.2"))
    bounces_read(mailbox=_mailbox(imap))
    reader.refresh_from_db()
    assert (reader.status, reader.soft_bounces) == ("confirmed", 2)  # still mailed: the retry
    imap.deliver(dsn(reader.email, action="failed", status="4.4.7"))
    bounces_read(mailbox=_mailbox(imap))
    reader.refresh_from_db()
    assert (reader.status, reader.soft_bounces) == ("bounced", 3)


def test_a_feedback_report_is_a_complaint(imap, subscribe_people):
    reader = subscribe_people(1)[0]
    imap.deliver(arf(reader.email))
    bounces_read(mailbox=_mailbox(imap))
    reader.refresh_from_db()
    assert reader.status == "complained"


def test_the_mailto_unsubscribe_is_honoured(imap, subscribe_people, daily):
    reader = subscribe_people(1)[0]
    token = unsubscribe_token(subscriber_id=reader.pk, list_id=daily.pk)
    imap.deliver(
        f"From: {reader.email}\r\nTo: bounces@comune.example.org\r\nSubject: unsubscribe-{token}\r\n\r\n".encode()
    )
    bounces_read(mailbox=_mailbox(imap))
    assert Subscription.objects.get(subscriber=reader).status == "unsubscribed"


def test_a_mailbox_that_goes_away_mid_read_loses_nothing(imap, subscribe_people):
    readers = subscribe_people(2)
    imap.deliver(dsn(readers[0].email))
    imap.deliver(dsn(readers[1].email))
    imap.drop_on_fetch = 2
    import imaplib

    with pytest.raises(imaplib.IMAP4.abort):
        bounces_read(mailbox=_mailbox(imap))
    # The first was handled; the second is still unread and is handled next time.
    assert Subscriber.objects.get(pk=readers[0].pk).status == "bounced"
    assert Subscriber.objects.get(pk=readers[1].pk).status == "confirmed"
    imap.drop_on_fetch = None
    bounces_read(mailbox=_mailbox(imap))
    assert Subscriber.objects.get(pk=readers[1].pk).status == "bounced"


def test_a_wrong_password_reads_nothing(imap, subscribe_people):
    import imaplib

    reader = subscribe_people(1)[0]
    imap.deliver(dsn(reader.email))
    with pytest.raises(imaplib.IMAP4.error):
        bounces_read(
            mailbox=ImapMailbox("127.0.0.1", imap.port, False, "bounces", "wrong", "INBOX")
        )
    assert Subscriber.objects.get().status == "confirmed"


def _postmark(client: Client, payload: dict, *, secret: str = "hook:s3cret"):  # noqa: S107
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        "/newsletter/anymail/postmark/tracking/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def test_a_provider_webhook_bounce_suppresses(subscribe_people, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    reader = subscribe_people(1)[0]
    payload = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "Email": reader.email,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Description": "unknown user",
        "Details": "smtp;550 5.1.1",
        "BouncedAt": "2024-05-03T07:00:00Z",
        "Tag": "",
    }
    client = Client(enforce_csrf_checks=True)
    assert _postmark(client, payload, secret="hook:wrong").status_code == 400
    assert Subscriber.objects.get().status == "confirmed"
    assert _postmark(client, payload).status_code == 200
    assert Subscriber.objects.get().status == "bounced"
    assert BounceEvent.objects.get().source == "webhook:postmark"
