from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
        "channels.ChannelAccount", on_delete=models.PROTECT, related_name="outbox_entries"
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
