"""Writes of the publishing app: platform credentials (more arrive with the outbox)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record, audit_snapshot
from quartieri.publishing.connectors import platform_slugs
from quartieri.publishing.connectors.base import TokenSet
from quartieri.publishing.models import PlatformCredential

# What the audit log may show of a credential: everything except the tokens themselves.
AUDITED_FIELDS = [
    "platform",
    "handle",
    "external_id",
    "expires_at",
    "refresh_expires_at",
    "scopes",
    "status",
    "status_reason",
]


class CredentialError(ValueError):
    """A credential that cannot be stored; the message names the bad value."""


def _check(*, platform: str, handle: str, tokens: TokenSet) -> None:
    if platform not in platform_slugs():
        raise CredentialError(
            _("Unknown platform %(platform)r (known: %(known)s).")
            % {"platform": platform, "known": ", ".join(platform_slugs())}
        )
    if not handle.strip():
        raise CredentialError(_("The account handle is empty."))
    if not tokens.access_token.strip():
        raise CredentialError(_("The access token is empty."))


@transaction.atomic
def credential_store(
    *,
    actor: User | None,
    platform: str,
    handle: str,
    tokens: TokenSet,
    external_id: str = "",
) -> PlatformCredential:
    """Save a new or refreshed token pair for an account, in one transaction.

    The access token, a rotated refresh token and their expiries are written in one row
    update, so a crash can never keep a new access token with a refresh token that the
    platform has already invalidated (TikTok rotates them, platform-apis.md §4). A token
    set without a refresh token (Meta) keeps the stored one instead of wiping it.
    """
    _check(platform=platform, handle=handle, tokens=tokens)
    credential = (
        PlatformCredential.objects.select_for_update()
        .filter(platform=platform, handle=handle)
        .first()
    )
    before = audit_snapshot(obj=credential, fields=AUDITED_FIELDS) if credential else None
    if credential is None:
        credential = PlatformCredential(platform=platform, handle=handle)
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
    audit_record(
        actor=actor,
        action="publishing.credential_store",
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
