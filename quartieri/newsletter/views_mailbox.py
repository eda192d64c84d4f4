"""The Mailbox page of a sandbox platform: what the demo's local SMTP sink received.

Messages are read from the sink's folder (NEWSLETTER_MAILBOX_DIR, one ``.eml`` per
recipient); an HTML part is shown in a sandboxed frame with its own no-script policy.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from quartieri.accounts.permissions import require_capability
from quartieri.accounts.roles import Capability
from quartieri.newsletter.views_staff import PREVIEW_CSP

_NAME = re.compile(r"^\d+-\d+$")
SHOWN = 200


@dataclass(frozen=True)
class MailboxEntry:
    key: str
    to: str
    subject: str
    date: str


def _folder() -> Path:
    if not settings.SANDBOX:
        raise Http404("the Mailbox exists on a sandbox platform only")
    return Path(settings.NEWSLETTER_MAILBOX_DIR)


def _read(key: str) -> EmailMessage:
    if not _NAME.match(key):
        raise Http404(key)
    path = _folder() / f"{key}.eml"
    if not path.is_file():
        raise Http404(key)
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        raise Http404(key)
    return message


def mailbox_entries() -> list[MailboxEntry]:
    folder = _folder()
    entries = []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:SHOWN] if folder.is_dir() else []
    for path in paths:
        with path.open("rb") as handle:
            head = email.message_from_binary_file(
                handle, policy=email.policy.default, _class=EmailMessage
            )
        entries.append(
            MailboxEntry(
                key=path.stem,
                to=str(head.get("X-Envelope-To", "")),
                subject=str(head.get("Subject", "")),
                date=str(head.get("Date", "")),
            )
        )
    return entries


@require_capability(Capability.VIEW_CONTENT)
@require_GET
def mailbox_view(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/mailbox.html", {"entries": mailbox_entries()})


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    return str(part.get_content()) if part is not None else ""


@require_capability(Capability.VIEW_CONTENT)
@require_GET
def mailbox_message_view(request: HttpRequest, key: str) -> HttpResponse:
    message = _read(key)
    headers = [(name, str(value)) for name, value in message.items()]
    return render(
        request,
        "newsletter/mailbox_message.html",
        {
            "key": key,
            "headers": headers,
            "subject": str(message.get("Subject", "")),
            "text": _part(message, "plain"),
            "has_html": bool(_part(message, "html")),
        },
    )


@require_capability(Capability.VIEW_CONTENT)
@require_GET
@xframe_options_sameorigin
@csp_override(PREVIEW_CSP)
def mailbox_html_view(request: HttpRequest, key: str) -> HttpResponse:
    return HttpResponse(_part(_read(key), "html"))
