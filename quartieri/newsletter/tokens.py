"""Addresses, their suppression hash, and the signed links in every message.

- The unsubscribe/preferences token is per recipient and list: ``<subscriber>-<list>-<mac>``
  with a truncated HMAC-SHA256 (128 bits) keyed from SECRET_KEY. It never expires (a
  one-click unsubscribe must work years later) and is computed per message, so it is cheap.
- The confirmation token (double opt-in) is a timestamped signature that expires after
  NEWSLETTER_CONFIRM_DAYS.
- A suppressed address is kept only as an HMAC of the normalised address. Hashes made with
  an older key (SECRET_KEY_FALLBACKS) still match, so rotating the key loses nothing.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.crypto import salted_hmac

_UNSUBSCRIBE_SALT = "quartieri.newsletter.unsubscribe"
_CONFIRM_SALT = "quartieri.newsletter.confirm"
_SUPPRESS_SALT = "quartieri.newsletter.suppression"
_validate = EmailValidator()


def email_normalise(raw: str) -> str:
    """Trimmed and lower-cased; raises ValidationError for a malformed address."""
    email = raw.strip().lower()
    _validate(email)
    if len(email) > 254:
        raise ValidationError("address longer than 254 characters")
    return email


def _keys() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def email_hashes(email: str) -> list[str]:
    """The suppression hash of an address under every configured key (newest first)."""
    return [
        salted_hmac(_SUPPRESS_SALT, email, secret=key, algorithm="sha256").hexdigest()
        for key in _keys()
    ]


def _mac(payload: str, key: str) -> str:
    digest = salted_hmac(_UNSUBSCRIBE_SALT, payload, secret=key, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def unsubscribe_token(*, subscriber_id: int, list_id: int) -> str:
    payload = f"{subscriber_id}-{list_id}"
    return f"{payload}-{_mac(payload, settings.SECRET_KEY)}"


@dataclass(frozen=True)
class Recipient:
    subscriber_id: int
    list_id: int


def unsubscribe_token_read(token: str) -> Recipient | None:
    """The recipient a token names, or None if it was not made by us."""
    # The MAC is urlsafe base64, which may itself contain "-".
    parts = token.split("-", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    payload = f"{parts[0]}-{parts[1]}"
    if any(hmac.compare_digest(parts[2], _mac(payload, key)) for key in _keys()):
        return Recipient(subscriber_id=int(parts[0]), list_id=int(parts[1]))
    return None


def confirm_token(*, subscriber_id: int, list_id: int) -> str:
    return signing.dumps([subscriber_id, list_id], salt=_CONFIRM_SALT, compress=False)


def confirm_token_read(token: str) -> Recipient | None:
    """The recipient of a confirmation link still valid, else None (bad or expired)."""
    try:
        subscriber_id, list_id = signing.loads(
            token, salt=_CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRM_DAYS * 86400
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Recipient(subscriber_id=int(subscriber_id), list_id=int(list_id))
