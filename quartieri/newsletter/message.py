"""The bytes of each message: built once per issue and language, personalised per recipient.

toolbox.md measured Python building an ``EmailMessage`` per recipient at ≈ 500 msg/s and
pre-serialised bytes at ≈ 2,900 msg/s: so the headers common to everyone, the encoded
subject and the MIME structure are made once (``MessageTemplate``), and each message only
replaces the placeholders (name, unsubscribe and preferences links) and quoted-printable
encodes its two parts, all in C-level bytes operations.

Headers (docs/newsletter.md, "The rules"): ``From`` on the configured domain, ``To``,
``Subject``, ``Date``, ``Message-ID`` (derived from issue and subscriber: a DSN that quotes
it names both), ``List-Unsubscribe`` (HTTPS one-click URL and mailto),
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), ``List-Id``. With a DKIM
key the signature covers From, To, Subject, Date, Message-ID and both List-Unsubscribe
headers (RFC 8058 §4 asks that they be signed).
"""

from __future__ import annotations

import binascii
import html
import time
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate
from functools import lru_cache
from pathlib import Path

import dkim
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from quartieri.newsletter.models import Issue, NewsletterList
from quartieri.newsletter.rendering import NAME, PREFERENCES_URL, UNSUBSCRIBE_URL
from quartieri.newsletter.tokens import unsubscribe_token

_SIGNED = [
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"list-id",
    b"mime-version",
    b"content-type",
]


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1]


def message_id(*, issue_id: int, subscriber_id: int) -> str:
    return f"<n{issue_id}.{subscriber_id}@{domain_of(settings.NEWSLETTER_FROM_EMAIL)}>"


def unsubscribe_url(token: str) -> str:
    return settings.PUBLIC_URL + reverse("newsletter:unsubscribe", args=[token])


def preferences_url(token: str) -> str:
    return settings.PUBLIC_URL + reverse("newsletter:preferences", args=[token])


def _url_around(name: str) -> tuple[str, str]:
    """The text before and after the token in a link (reverse() once, not per message)."""
    before, after = reverse(name, args=["TOKEN"]).split("TOKEN")
    return settings.PUBLIC_URL + before, after


@lru_cache(maxsize=1)
def _dkim_key(path: str) -> bytes:
    return Path(path).read_bytes()


def _qp(text: str) -> bytes:
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True)
    return encoded.replace(b"\n", b"\r\n")


@lru_cache(maxsize=4)
def _date_header(second: int) -> str:
    return formatdate(second, localtime=False, usegmt=True)


@dataclass(frozen=True)
class Personal:
    subscriber_id: int
    email: str
    name: str


class MessageTemplate:
    """One issue in one language, ready to be personalised."""

    def __init__(self, *, issue: Issue, language: str) -> None:
        newsletter_list: NewsletterList = issue.newsletter_list
        self.issue_id = issue.pk
        self.list_id = newsletter_list.pk
        with translation.override(language):
            self.anonymous = _("reader")
        subject = issue.subject_it if language == "it" else issue.subject_en
        self.html = issue.html_it if language == "it" else issue.html_en
        self.text = issue.text_it if language == "it" else issue.text_en
        self.boundary = f"=_q{get_random_string(24)}"
        sender = formataddr((newsletter_list.from_name, settings.NEWSLETTER_FROM_EMAIL))
        domain = domain_of(settings.NEWSLETTER_FROM_EMAIL)
        self.common = (
            f"From: {Header(sender, 'utf-8').encode() if not sender.isascii() else sender}\r\n"
            f"Subject: {Header(subject, 'utf-8').encode()}\r\n"
            f"List-Id: {newsletter_list.slug} <{newsletter_list.slug}.{domain}>\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            "Auto-Submitted: no\r\n"
        ).encode()
        self.unsubscribe_mailto = f"mailto:{settings.NEWSLETTER_BOUNCE_EMAIL}?subject=unsubscribe-"
        self.dkim_domain = domain.encode()
        self.unsubscribe_around = _url_around("newsletter:unsubscribe")
        self.preferences_around = _url_around("newsletter:preferences")

    def render(self, recipient: Personal) -> bytes:
        token = unsubscribe_token(subscriber_id=recipient.subscriber_id, list_id=self.list_id)
        unsubscribe = token.join(self.unsubscribe_around)
        preferences = token.join(self.preferences_around)
        name = recipient.name or self.anonymous
        text = (
            self.text.replace(NAME, name)
            .replace(UNSUBSCRIBE_URL, unsubscribe)
            .replace(PREFERENCES_URL, preferences)
        )
        body_html = (
            self.html.replace(NAME, html.escape(name))
            .replace(UNSUBSCRIBE_URL, unsubscribe)
            .replace(PREFERENCES_URL, preferences)
        )
        headers = (
            f"To: <{recipient.email}>\r\n"
            f"Date: {_date_header(int(time.time()))}\r\n"
            f"Message-ID: {message_id(issue_id=self.issue_id, subscriber_id=recipient.subscriber_id)}\r\n"
            f"List-Unsubscribe: <{unsubscribe}>, <{self.unsubscribe_mailto}{token}>\r\n"
        ).encode()
        boundary = self.boundary.encode()
        message = b"".join(
            [
                headers,
                self.common,
                b"\r\n--",
                boundary,
                b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
                b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                _qp(text),
                b"\r\n--",
                boundary,
                b"\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                _qp(body_html),
                b"\r\n--",
                boundary,
                b"--\r\n",
            ]
        )
        return self._signed(message)

    def _signed(self, message: bytes) -> bytes:
        if not settings.NEWSLETTER_DKIM_KEY_FILE:
            return message
        signature = dkim.sign(
            message,
            settings.NEWSLETTER_DKIM_SELECTOR.encode(),
            self.dkim_domain,
            _dkim_key(settings.NEWSLETTER_DKIM_KEY_FILE),
            include_headers=_SIGNED,
        )
        header = bytes(signature).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        return header + message
