"""The channel network: the city's accounts on every kind of channel, who may act on them,
and how quartieri reaches them (credentials, encrypted) and what it knows of their state.

Moved here from ``campaigns`` (ChannelAccount, AccountGrant) and ``publishing``
(PlatformCredential, AccountState) with their tables, rows and ids (migrations
``channels.0001``, ``campaigns.0005``–``0007``, ``publishing.0007``–``0008``); constraint
names keep their old prefixes because the database has them so.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quartieri.channels.registry import kind_choices
from quartieri.lib.fields import EncryptedTextField


class Language(models.TextChoices):
    IT = "it", _("Italian")
    EN = "en", _("English")


class ChannelAccount(models.Model):
    class Kind(models.TextChoices):
        INSTITUTIONAL = "institutional", _("Institutional")
        # A personal account (the mayor's Instagram) is approved and published by its
        # owner only, whatever grants others hold (services._account_gate).
        PERSONAL = "personal", _("Personal")

    platform = models.CharField(_("platform"), max_length=20, choices=kind_choices)
    handle = models.CharField(_("handle"), max_length=200)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.INSTITUTIONAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_channel_accounts",
    )
    # Preferred posting times, "HH:MM" wall-clock in Europe/Rome.
    posting_slots: models.JSONField[Any, Any] = models.JSONField(
        _("posting time slots"), default=list, blank=True
    )
    min_spacing_minutes = models.PositiveIntegerField(_("minimum minutes between posts"), default=0)
    # The language the account speaks to its followers: variants generated for it start from
    # that master text of the content item (compose.py); a generation run may override it.
    language = models.CharField(_("language"), max_length=2, choices=Language, default=Language.IT)

    class Meta:
        ordering = ["platform", "handle"]
        verbose_name = _("channel account")
        verbose_name_plural = _("channel accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "handle"], name="campaigns_account_platform_handle"
            ),
            models.CheckConstraint(
                condition=~Q(kind="personal") | Q(owner__isnull=False),
                name="campaigns_personal_account_has_owner",
            ),
        ]

    def __str__(self) -> str:
        # A city channel's one account carries its kind's slug as handle ("newsletter"):
        # "Newsletter", not "Newsletter newsletter".
        if self.handle in ("", self.platform):
            return str(self.get_platform_display())
        return f"{self.get_platform_display()} {self.handle}"

    @property
    def is_personal(self) -> bool:
        return self.kind == self.Kind.PERSONAL


class AccountGrant(models.Model):
    """What one person may do on one channel account, on top of their role."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_grants"
    )
    can_draft = models.BooleanField(_("may draft"), default=False)
    can_approve = models.BooleanField(_("may approve"), default=False)
    can_publish = models.BooleanField(_("may schedule and publish"), default=False)

    class Meta:
        ordering = ["account", "user"]
        verbose_name = _("account grant")
        verbose_name_plural = _("account grants")
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="campaigns_grant_account_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.account}"


class PlatformCredential(models.Model):
    """The tokens with which quartieri acts for one channel account on its platform.

    Owned by the ``ChannelAccount`` (one-to-one): the account says which platform and handle,
    so renaming a handle never orphans its tokens. Tokens are encrypted at rest
    (``EncryptedTextField``); they are written only by ``credential_store`` so that an access
    token and a rotated refresh token are always saved together.
    """

    class Status(models.TextChoices):
        OK = "ok", _("connected")
        RECONNECT_NEEDED = "reconnect_needed", _("reconnect needed")

    # Deleting an account deletes its tokens: nothing may act for an account that is gone.
    account = models.OneToOneField(
        ChannelAccount,
        verbose_name=_("channel account"),
        on_delete=models.CASCADE,
        related_name="credential",
    )
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

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle}"

    # Read-only views of the owning account, for code and templates that name a credential.
    @property
    def platform(self) -> str:
        return str(self.account.platform)

    @property
    def handle(self) -> str:
        return str(self.account.handle)


class AccountState(models.Model):
    """What the outbox knows about one channel account: paused by a rate limit, or
    waiting for a person to reconnect it, and the platform's own count of its posts
    against the daily limit when the platform gives one (Instagram's
    ``content_publishing_limit``, read before each ``media_publish``)."""

    account = models.OneToOneField(
        ChannelAccount, on_delete=models.CASCADE, related_name="publishing_state"
    )
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    reconnect_needed = models.BooleanField(_("reconnect needed"), default=False)
    last_error = models.TextField(_("last error"), blank=True)
    # The platform's figures as last read (null: never read); written by account_call.
    quota_usage = models.PositiveIntegerField(
        _("posts counted by the platform"), null=True, blank=True
    )
    quota_total = models.PositiveIntegerField(
        _("posts allowed by the platform"), null=True, blank=True
    )
    quota_read_at = models.DateTimeField(_("platform quota read at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("account publishing state")
        verbose_name_plural = _("account publishing states")

    def __str__(self) -> str:
        return f"{self.account_id}: paused until {self.paused_until}"
