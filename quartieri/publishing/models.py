from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from quartieri.lib.fields import EncryptedTextField


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
        "campaigns.ChannelAccount",
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


class OutboxEntry(models.Model):
    """One variant going out on one channel account: the outbox row the workers act on.

    States: ``scheduled → submitting → submitted → published | failed | unconfirmed`` (and
    ``cancelled``). ``submitting`` is committed *before* the platform is called, so a worker
    that dies mid-call leaves a trace that is reconciled, never blindly re-submitted; the
    platform's handle is saved (``submitted``) before any polling. ``version`` grows on every
    reschedule and cancel: a task carries the version it was enqueued for, and a stale task
    sees the mismatch and does nothing.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        SUBMITTING = "submitting", _("being sent")
        SUBMITTED = "submitted", _("sent, being processed")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("failed")
        UNCONFIRMED = "unconfirmed", _("not confirmed")
        CANCELLED = "cancelled", _("cancelled")

    variant = models.ForeignKey(
        "campaigns.Variant", on_delete=models.CASCADE, related_name="outbox_entries"
    )
    account = models.ForeignKey(
        "campaigns.ChannelAccount", on_delete=models.PROTECT, related_name="outbox_entries"
    )
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.SCHEDULED)
    version = models.PositiveIntegerField(_("version"), default=1)
    # TikTok publish_id, Instagram container id or Facebook post/video id: what status polls.
    publish_id = models.CharField(_("platform handle"), max_length=200, blank=True)
    platform_post_id = models.CharField(_("post id on the platform"), max_length=200, blank=True)
    permalink = models.URLField(_("link to the post"), max_length=500, blank=True)
    # The string put in the post's text so that reconcile can recognise the post.
    marker = models.CharField(_("reconciliation marker"), max_length=300, blank=True)
    attempts = models.PositiveIntegerField(_("submit attempts"), default=0)
    polls = models.PositiveIntegerField(_("status checks"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_by = models.CharField(_("claimed by worker"), max_length=100, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # When the last submit began: reconcile looks for the post from this instant on.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox entries")
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "account"], name="publishing_outbox_variant_account"
            )
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="publishing_outbox_state_due")]

    def __str__(self) -> str:
        return f"{self.variant_id} → {self.account_id} ({self.state})"


class AccountState(models.Model):
    """What the outbox knows about one channel account: paused by a rate limit, or
    waiting for a person to reconnect it, and the platform's own count of its posts
    against the daily limit when the platform gives one (Instagram's
    ``content_publishing_limit``, read before each ``media_publish``)."""

    account = models.OneToOneField(
        "campaigns.ChannelAccount", on_delete=models.CASCADE, related_name="publishing_state"
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
