"""Reads of the publishing app."""

from __future__ import annotations

from django.db.models import QuerySet

from quartieri.publishing.connectors.base import AccountAuth
from quartieri.publishing.models import PlatformCredential


def credential_list(*, platform: str | None = None) -> QuerySet[PlatformCredential]:
    credentials = PlatformCredential.objects.order_by("platform", "handle")
    return credentials.filter(platform=platform) if platform else credentials


def credential_auth(*, credential: PlatformCredential) -> AccountAuth:
    """What a connector needs to act for this account (the decrypted access token)."""
    return AccountAuth(access_token=credential.access_token, account_id=credential.external_id)
