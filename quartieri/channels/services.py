"""Writes of the channels app: platform credentials, owned by channel accounts.

The audit actions keep their ``publishing.credential_*`` names: the log's readers and
filters know them so.
"""

from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.channels.base import Capability
from quartieri.channels.connectors.base import TokenSet
from quartieri.channels.models import ChannelAccount, PlatformCredential
from quartieri.channels.registry import slugs_with

# What the audit log may show of a credential: everything except the tokens themselves.
AUDITED_FIELDS = [
    "account",
    "external_id",
    "expires_at",
    "refresh_expires_at",
    "scopes",
    "status",
    "status_reason",
]

# Why tokens are being stored: a person connecting (OAuth or the command) or a refresh.
StoreEvent = Literal["connect", "refresh"]


class CredentialError(ValueError):
    """A credential that cannot be stored; the message names the bad value."""


def _check(*, account: ChannelAccount, tokens: TokenSet) -> None:
    known = slugs_with(Capability.OUTBOX)
    if account.platform not in known:
        raise CredentialError(
            _(
                "%(account)s is on %(platform)r, where quartieri does not publish (known: %(known)s)."
            )
            % {
                "account": account,
                "platform": account.platform,
                "known": ", ".join(known),
            }
        )
    if not tokens.access_token.strip():
        raise CredentialError(_("The access token is empty."))


@transaction.atomic
def credential_store(
    *,
    actor: User | None,
    account: ChannelAccount,
    tokens: TokenSet,
    external_id: str = "",
    event: StoreEvent = "connect",
) -> PlatformCredential:
    """Save a new or refreshed token pair for a channel account, in one transaction.

    The access token, a rotated refresh token and their expiries are written in one row
    update, so a crash can never keep a new access token with a refresh token that the
    platform has already invalidated (TikTok rotates them, platform-apis.md §4). A token
    set without a refresh token (Meta) keeps the stored one instead of wiping it.

    The audit row says ``credential_connect`` (first time), ``credential_reconnect`` (a
    person replaced the tokens) or ``credential_refresh``; it never holds a token.
    """
    _check(account=account, tokens=tokens)
    credential = PlatformCredential.objects.select_for_update().filter(account=account).first()
    before = audit_snapshot(obj=credential, fields=AUDITED_FIELDS) if credential else None
    if credential is None:
        credential = PlatformCredential(account=account)
    credential.access_token = tokens.access_token
    credential.expires_at = tokens.expires_at
    if tokens.refresh_token:
        credential.refresh_token = tokens.refresh_token
        credential.refresh_expires_at = tokens.refresh_expires_at
    if tokens.scopes:
        credential.scopes = list(tokens.scopes)
    credential.external_id = external_id or credential.external_id
    credential.status = PlatformCredential.Status.OK
    credential.status_reason = ""
    credential.save()
    action = "reconnect" if event == "connect" and before is not None else event
    audit_record(
        actor=actor,
        action=f"publishing.credential_{action}",
        target=credential,
        before=before,
        after=audit_snapshot(obj=credential, fields=AUDITED_FIELDS),
    )
    return credential


@transaction.atomic
def credential_mark_reconnect_needed(
    *, actor: User | None, credential_id: int, reason: str
) -> PlatformCredential:
    """Flag an account whose token the platform refused and that no refresh can save."""
    credential = PlatformCredential.objects.select_for_update().get(pk=credential_id)
    before = audit_snapshot(obj=credential, fields=["status", "status_reason"])
    credential.status = PlatformCredential.Status.RECONNECT_NEEDED
    credential.status_reason = reason[:300]
    credential.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="publishing.credential_reconnect_needed",
        target=credential,
        before=before,
        after=audit_snapshot(obj=credential, fields=["status", "status_reason"]),
    )
    return credential


def credential_rotate_keys() -> int:
    """Re-encrypt every stored token with the newest key of ENCRYPTION_KEYS.

    Saving a row encrypts it afresh with the first key, so after this the older keys can
    be removed from the setting. Each row is its own transaction: a crash part-way leaves
    every row readable (old rows still decrypt while the old key is listed).
    """
    rotated = 0
    for pk in PlatformCredential.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            credential = PlatformCredential.objects.select_for_update().get(pk=pk)
            credential.save(update_fields=["access_token", "refresh_token"])
        rotated += 1
    return rotated
