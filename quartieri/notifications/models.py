"""Notifications: what a person should know about the work of others, in the app and by mail.

An app that has news for people calls ``services.notification_send``; a row per recipient is
written in the caller's transaction (a change that rolls back notifies nobody) and its
e-mail is sent by a task after the commit. The sentence shown is built when read, in the
reader's language, from the event and the row's data (``messages.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    TO_REVIEW = "to_review", _("To review")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")
    PUBLISHED = "published", _("Published")
    MENTION = "mention", _("Mentioned you")
    COMMENT = "comment", _("Comment")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("event"), max_length=20, choices=Event)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What it is about, as its app names it ("Isola – BAM → @comunedimilano (TikTok)"),
    # and the words that came with it (a reviewer's comment, a failure's reason).
    subject = models.CharField(_("about"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    url = models.CharField(_("link"), max_length=500)
    # Groups the notifications about one thing ("campaigns.variant:12"), so that its app can
    # settle them once they no longer need anybody (a variant approved: its "to review").
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The e-mail is sent at most once: a task claims the row (compare-and-swap on
    # email_claimed_at) before it sends, then records emailed_at.
    email_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The bell's unread count on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notifications_unread",
            ),
            models.Index(fields=["topic", "event"], name="notifications_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.event} {self.subject}"
