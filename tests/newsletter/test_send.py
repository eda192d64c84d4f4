"""Sending an issue through a real SMTP server: the ledger, headers, privacy, failures."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from quartieri.accounts.models import AuditEvent
from quartieri.analytics.tracking import Link
from quartieri.newsletter.issues import issue_pause, issue_send_start
from quartieri.newsletter.models import Delivery, Issue, SendBatch, Subscriber, Subscription
from quartieri.newsletter.sending import batch_claim, batch_send, issue_progress


def _start(issue, approver):
    return issue_send_start(actor=approver, issue=issue)


def _send_all(issue, worker="w1"):
    for batch in SendBatch.objects.filter(issue=issue).order_by("pk"):
        batch_send(batch_id=batch.pk, worker=worker)


def test_every_eligible_subscriber_gets_one_message_and_a_sent_ledger_row(
    sink, approved_issue, approver, subscribe_people, settings
):
    settings.NEWSLETTER_BATCH_SIZE = 4
    settings.NEWSLETTER_RESERVE = 3
    readers = subscribe_people(10)
    subscribe_people(2, prefix="gone", subscription=Subscription.Status.UNSUBSCRIBED)
    subscribe_people(2, prefix="bounced", status=Subscriber.Status.BOUNCED)

    issue = _start(approved_issue, approver)
    assert issue.audience_size == 10
    assert SendBatch.objects.filter(issue=issue).count() == 3
    _send_all(issue)

    assert sink.received == {r.email: 1 for r in readers}
    assert set(Delivery.objects.filter(issue=issue).values_list("state", flat=True)) == {"sent"}
    assert Delivery.objects.filter(issue=issue).count() == 10
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    progress = issue_progress(issue_id=issue.pk)
    assert (progress.sent, progress.failed, progress.uncertain, progress.remaining) == (10, 0, 0, 0)


def test_a_batch_run_twice_sends_nothing_twice(sink, approved_issue, approver, subscribe_people):
    subscribe_people(5)
    issue = _start(approved_issue, approver)
    _send_all(issue, worker="w1")
    _send_all(issue, worker="w2")  # a second worker, or the sweeper's re-queued task
    assert set(sink.received.values()) == {1}
    assert len(sink.received) == 5


def test_a_batch_held_by_a_live_worker_is_not_taken(
    sink, approved_issue, approver, subscribe_people, settings
):
    subscribe_people(3)
    issue = _start(approved_issue, approver)
    batch = SendBatch.objects.get(issue=issue)
    assert batch_claim(batch_id=batch.pk, worker="w1") is not None
    # w1 holds it and touched it just now: w2 does not take it over.
    assert batch_claim(batch_id=batch.pk, worker="w2") is None
    assert batch_send(batch_id=batch.pk, worker="w2") == "not claimed"
    assert sink.received == {}


def test_reservations_of_a_dead_worker_whose_journal_is_elsewhere_are_never_resent(
    sink, approved_issue, approver, subscribe_people, settings
):
    # Given a worker that reserved two rows and died before confirming them (its claim
    # is older than the stale window and it has no heartbeat), on another machine: its
    # send journal is not here, so whether those messages left cannot be known.
    settings.WORKER_STALE_SECONDS = 2
    readers = subscribe_people(4)
    issue = _start(approved_issue, approver)
    batch = SendBatch.objects.get(issue=issue)
    batch_claim(batch_id=batch.pk, worker="dead")
    import datetime as dt

    from django.utils import timezone

    for reader in readers[:2]:
        Delivery.objects.create(
            issue=issue, subscriber=reader, worker="dead", reserved_at=timezone.now()
        )
    SendBatch.objects.filter(pk=batch.pk).update(
        touched_at=timezone.now() - dt.timedelta(seconds=60)
    )

    # When another worker runs the batch,
    assert batch_send(batch_id=batch.pk, worker="alive") == "done"

    # then the two may-have-left messages are not sent again, the others are sent once.
    assert sink.received == {readers[2].email: 1, readers[3].email: 1}
    states = dict(Delivery.objects.filter(issue=issue).values_list("subscriber__email", "state"))
    assert states == {
        readers[0].email: "uncertain",
        readers[1].email: "uncertain",
        readers[2].email: "sent",
        readers[3].email: "sent",
    }
    assert issue_progress(issue_id=issue.pk).uncertain == 2
    assert set(Delivery.objects.filter(state="uncertain").values_list("error", flat=True)) == {
        "worker died; its send journal is not on this machine"
    }


def test_a_paused_issue_stops_between_reservations_and_resumes_without_resending(
    sink, approved_issue, approver, subscribe_people, settings
):
    settings.NEWSLETTER_RESERVE = 2
    readers = subscribe_people(6)
    issue = _start(approved_issue, approver)
    batch = SendBatch.objects.get(issue=issue)
    import quartieri.newsletter.sending as sending

    real_chunk = sending._chunk
    calls = []

    def chunk_then_pause(run):
        calls.append(1)
        result = real_chunk(run)
        if len(calls) == 1:
            issue_pause(actor=approver, issue=Issue.objects.get(pk=issue.pk))
        return result

    sending._chunk = chunk_then_pause
    try:
        assert batch_send(batch_id=batch.pk, worker="w1") == "paused"
    finally:
        sending._chunk = real_chunk
    assert sum(sink.received.values()) == 2
    batch.refresh_from_db()
    assert (batch.state, batch.claimed_by) == ("pending", "")

    from quartieri.newsletter.issues import issue_resume

    issue_resume(actor=approver, issue=Issue.objects.get(pk=issue.pk))
    assert batch_send(batch_id=batch.pk, worker="w2") == "done"
    assert sink.received == {r.email: 1 for r in readers}


def test_an_issue_not_approved_is_refused_and_nothing_is_sent(
    sink, daily, day_content, editor, approver, subscribe_people
):
    from quartieri.newsletter.issues import issue_compose

    subscribe_people(2)
    issue = issue_compose(actor=editor, newsletter_list=daily, date=day_content)
    with pytest.raises(ValidationError, match="not approved"):
        issue_send_start(actor=approver, issue=issue)
    assert not SendBatch.objects.exists()
    assert sink.received == {}


def test_the_editor_may_not_approve_nor_send(approved_issue, editor, daily, day_content):
    from quartieri.newsletter.issues import issue_approve, issue_compose, issue_submit

    with pytest.raises(PermissionDenied):
        issue_send_start(actor=editor, issue=approved_issue)
    draft = issue_submit(
        actor=editor, issue=issue_compose(actor=editor, newsletter_list=daily, date=day_content)
    )
    with pytest.raises(PermissionDenied):
        issue_approve(actor=editor, issue=draft)
    draft.refresh_from_db()
    assert draft.status == Issue.Status.IN_REVIEW


def test_the_message_carries_the_bulk_sender_headers(
    sink, approved_issue, approver, subscribe_people
):
    reader = subscribe_people(1)[0]
    issue = _start(approved_issue, approver)
    _send_all(issue)
    envelope = sink.messages[0]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert envelope.mail_from == "bounces@comune.example.org"
    assert message["From"] == "Comune di Milano <newsletter@comune.example.org>"
    assert message["To"] == reader.email
    assert message["Message-ID"] == f"<n{issue.pk}.{reader.pk}@comune.example.org>"
    assert message["Date"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
    assert links[0].startswith("https://quartieri.example.org/newsletter/u/")
    assert links[1].startswith("mailto:bounces@comune.example.org?subject=unsubscribe-")
    # The visible link and the one-click link are the same per-recipient page.
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert links[0] in html
    assert links[0] in text
    assert "/newsletter/p/" in html  # preferences
    assert reader.name in html
    assert reader.name in text
    # No open pixel, no per-recipient link other than unsubscribe/preferences.
    assert "<img" not in html.lower()
    token = links[0].rstrip("/").rsplit("/", 1)[1]
    assert html.count(token) == 2
    # The content of the day: the newsletter's variant and the Instagram post, no draft.
    assert "Baggio" in text
    assert "Isola" in text
    assert "DRAFT TEXT" not in text
    # Its links are tracked links of the newsletter channel, the same for every recipient.
    link = Link.objects.get(target="https://example.org/baggio")
    assert (link.channel, link.medium, link.placement) == ("newsletter", "email", "daily")
    assert f"https://quartieri.example.org/l/{link.code}" in html


def test_dkim_signature_verifies(
    sink, approved_issue, approver, subscribe_people, settings, tmp_path
):
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    (tmp_path / "dkim.pem").write_bytes(pem)
    settings.NEWSLETTER_DKIM_KEY_FILE = str(tmp_path / "dkim.pem")
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    subscribe_people(1)
    _send_all(_start(approved_issue, approver))
    raw = sink.messages[0].content
    assert raw.startswith(b"DKIM-Signature:")
    signed = (
        raw.split(b"\r\n\r\n", 1)[0]
        .split(b"h=", 1)[1]
        .split(b";", 1)[0]
        .replace(b" ", b"")
        .replace(b"\r\n", b"")
        .replace(b"\t", b"")
    )
    assert b"list-unsubscribe" in signed
    assert b"list-unsubscribe-post" in signed
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)


def test_send_start_is_in_the_audit_log(sink, approved_issue, approver, subscribe_people):
    subscribe_people(1)
    _start(approved_issue, approver)
    assert AuditEvent.objects.filter(action="newsletter.issue.send", actor=approver).exists()
