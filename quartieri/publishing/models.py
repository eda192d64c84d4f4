from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from quartieri.lib.fields import EncryptedTextField


class PlatformCredential(models.Model):
    """The tokens with which quartieri acts for one account on one platform.

    Tokens are encrypted at rest (``EncryptedTextField``); they are written only by
    ``credential_store`` so that an access token and a rotated refresh token are always
    saved together. Keyed by platform and handle until the campaigns app brings channel
    accounts, which will then own their credential.
    """

    class Status(models.TextChoices):
        OK = "ok", _("connected")
        RECONNECT_NEEDED = "reconnect_needed", _("reconnect needed")

    platform = models.CharField(_("platform"), max_length=32)
    handle = models.CharField(_("account"), max_length=200)
    # Instagram user id, Facebook Page id or TikTok open_id: what the API calls the account.
    external_id = models.CharField(_("account id on the platform"), max_length=200, blank=True)
    access_token = EncryptedTextField(_("access token"))
    refresh_token = EncryptedTextField(_("refresh token"), blank=True, default="")
    # From the platform's expires_in / refresh_expires_in at the time of storing; never
    # computed from a lifetime written in code (platform-apis.md §4). Null: no expiry given.
    expires_at = models.DateTimeField(_("access token expires"), null=True, blank=True)
    refresh_expires_at = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    scopes: models.JSONField[Any, Any] = models.JSONField(
        _("permissions"), default=list, blank=True
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OK)
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("platform credential")
        verbose_name_plural = _("platform credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "handle"], name="publishing_credential_platform_handle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle}"
