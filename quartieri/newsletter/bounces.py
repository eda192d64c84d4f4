"""Bounces, complaints and mailed unsubscribes, read from the bounce mailbox over IMAP.

The envelope sender of every issue is NEWSLETTER_BOUNCE_EMAIL, so servers return their
delivery status notifications there, and the ``mailto:`` of List-Unsubscribe points there
too. Each message is one of:

- a DSN (RFC 3464: ``multipart/report; report-type=delivery-status``): per recipient,
  ``Action: failed`` with a 5.x.x status is a hard bounce, 4.x.x or ``delayed`` a soft one;
- a feedback report (RFC 5965 ARF, ``report-type=feedback-report``): a complaint; the
  recipient is the ``To`` of the returned message (or its Message-ID, which names the
  subscriber: message.message_id);
- an unsubscribe request: subject ``unsubscribe-<token>`` (the List-Unsubscribe mailto).

Anything else is left unread for a person. Handled messages are flagged ``\\Seen`` and
``\\Deleted`` and expunged, so a message is handled once.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import re
from dataclasses import dataclass, replace
from email.message import Message
from urllib.parse import unquote, urlsplit

from django.conf import settings

from quartieri.newsletter.models import BounceEvent, Subscriber
from quartieri.newsletter.services import bounce_record, subscription_unsubscribe
from quartieri.newsletter.tokens import unsubscribe_token_read

logger = logging.getLogger(__name__)
_MESSAGE_ID = re.compile(r"<n(\d+)\.(\d+)@")
_UNSUBSCRIBE = re.compile(r"unsubscribe-(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: str  # BounceEvent.Kind, or "unsubscribe"
    email: str = ""
    detail: str = ""
    token: str = ""
    issue_id: int | None = None  # named by the returned message's Message-ID


def _address(value: str) -> str:
    # "rfc822; someone@example.org" → someone@example.org
    return value.split(";", 1)[-1].strip().strip("<>").lower()


def _status_blocks(report: Message) -> list[Message]:
    """The per-recipient field blocks of a message/delivery-status part."""
    payload = report.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    blocks = [email.message_from_string(b.strip() + "\n") for b in re.split(r"\n\s*\n", text)]
    return [b for b in blocks if b.keys()]


def _dsn(message: Message) -> list[Finding]:
    findings = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _status_blocks(part)[1:] or _status_blocks(part):
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient")
            action, status = (block.get("Action") or "").lower(), block.get("Status") or ""
            if not recipient or action not in {"failed", "delayed"}:
                continue
            hard = action == "failed" and status.startswith("5")
            detail = f"{status} {block.get('Diagnostic-Code') or ''}".strip()
            kind = BounceEvent.Kind.HARD if hard else BounceEvent.Kind.SOFT
            findings.append(Finding(kind, _address(str(recipient)), detail))
    return findings


def _returned_headers(message: Message) -> Message | None:
    """The headers of the message a report returns (RFC 3464 §2, RFC 5965 §2)."""
    for part in message.walk():
        if part.get_content_type() in {"message/rfc822", "text/rfc822-headers"}:
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            return first if isinstance(first, Message) else email.message_from_string(str(inner))
    return None


def _returned_ids(message: Message) -> tuple[int, int] | None:
    """(issue id, subscriber id) from the returned message's Message-ID (message_id)."""
    returned = _returned_headers(message)
    match = _MESSAGE_ID.search(str(returned.get("Message-ID") or "")) if returned else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def _returned_recipient(message: Message) -> str:
    """The recipient of the message a report returns: its To, else its Message-ID."""
    returned = _returned_headers(message)
    if returned is None:
        return ""
    to = email.utils.parseaddr(str(returned.get("To") or ""))[1]
    if to:
        return to.lower()
    ids = _returned_ids(message)
    found = Subscriber.objects.filter(pk=ids[1]).first() if ids else None
    return found.email if found else ""


def message_findings(raw: bytes) -> list[Finding]:
    """What one message of the bounce mailbox tells, or [] if it is none of ours."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    report_type = (message.get_param("report-type") or "") if message.is_multipart() else ""
    ids = _returned_ids(message) if message.get_content_type() == "multipart/report" else None
    issue_id = ids[0] if ids else None
    if message.get_content_type() == "multipart/report" and report_type == "delivery-status":
        return [replace(finding, issue_id=issue_id) for finding in _dsn(message)]
    if message.get_content_type() == "multipart/report" and report_type == "feedback-report":
        recipient = _returned_recipient(message)
        return (
            [Finding(BounceEvent.Kind.COMPLAINT, recipient, "feedback report", issue_id=issue_id)]
            if recipient
            else []
        )
    match = _UNSUBSCRIBE.search(str(message.get("Subject") or ""))
    if match:
        return [Finding("unsubscribe", token=match.group(1))]
    return []


def finding_apply(finding: Finding, *, source: str) -> bool:
    if finding.kind == "unsubscribe":
        recipient = unsubscribe_token_read(finding.token)
        if recipient is None:
            return False
        subscription_unsubscribe(
            subscriber_id=recipient.subscriber_id, list_id=recipient.list_id, source="mailto"
        )
        return True
    return (
        bounce_record(
            email=finding.email,
            kind=finding.kind,
            source=source,
            detail=finding.detail,
            issue_id=finding.issue_id,
        )
        is not None
    )


@dataclass(frozen=True)
class ImapMailbox:
    host: str
    port: int
    tls: bool
    username: str
    password: str
    folder: str


def imap_mailbox_parse(url: str) -> ImapMailbox:
    parts = urlsplit(url)
    if parts.scheme not in {"imap", "imaps"} or not parts.hostname:
        raise ValueError(f"{url!r} is not imap[s]://user:password@host[:port]/FOLDER")
    return ImapMailbox(
        host=parts.hostname,
        port=parts.port or (993 if parts.scheme == "imaps" else 143),
        tls=parts.scheme == "imaps",
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def bounces_read(*, mailbox: ImapMailbox) -> int:
    """Handle every unread message of the mailbox; returns how many were ours."""
    client_class = imaplib.IMAP4_SSL if mailbox.tls else imaplib.IMAP4
    handled = 0
    with client_class(mailbox.host, mailbox.port, timeout=30) as client:
        client.login(mailbox.username, mailbox.password)
        client.select(mailbox.folder)
        _status, data = client.uid("SEARCH", "UNSEEN")
        for raw_uid in (data[0] or b"").split():
            uid = raw_uid.decode()
            _status, fetched = client.uid("FETCH", uid, "(RFC822)")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), b"")
            findings = message_findings(raw)
            if not findings:
                continue
            for finding in findings:
                finding_apply(finding, source="imap")
            client.uid("STORE", uid, "+FLAGS", "(\\Seen \\Deleted)")
            handled += 1
        client.expunge()
    return handled


def bounces_read_configured() -> int:
    if not settings.NEWSLETTER_BOUNCE_IMAP_URL:
        return 0
    return bounces_read(mailbox=imap_mailbox_parse(settings.NEWSLETTER_BOUNCE_IMAP_URL))
