"""Subscribers and their consent, lists, issues and the per-recipient send ledger.

A ``Subscriber`` is one person (one normalised address); a ``Subscription`` puts them on a
``NewsletterList``. Every opt-in and opt-out leaves a ``ConsentRecord`` naming the exact
``ConsentWording`` shown (versioned, never edited). An ``Issue`` is one day's newsletter of a
list; sending it writes one ``Delivery`` per (issue, subscriber) *before* the message is
handed to SMTP, confirmed after (docs/newsletter.md, "Exactly once").
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from quartieri.campaigns.models import Variant
from quartieri.channels.models import ChannelAccount, Language


class NewsletterList(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The channel account (platform "newsletter") this list is: its grants say who drafts,
    # approves and sends an issue, and its scheduled variants join the day's issue
    # (kind.py, delivery.py). An account with a list cannot be deleted.
    account = models.OneToOneField(
        ChannelAccount,
        verbose_name=_("channel account"),
        on_delete=models.PROTECT,
        related_name="newsletter_list",
    )
    from_name = models.CharField(_("sender name"), max_length=100)
    # When the daily issue goes out (Europe/Rome); empty: only sent by hand.
    send_time = models.TimeField(_("daily send time"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("newsletter list")
        verbose_name_plural = _("newsletter lists")

    def __str__(self) -> str:
        return self.name


class ConsentWording(models.Model):
    """The exact text shown where someone subscribes; a new text is a new version."""

    newsletter_list = models.ForeignKey(
        NewsletterList, on_delete=models.PROTECT, related_name="wordings"
    )
    language = models.CharField(_("language"), max_length=2, choices=Language)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["newsletter_list", "language", "-version"]
        verbose_name = _("consent wording")
        verbose_name_plural = _("consent wordings")
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter_list", "language", "version"], name="newsletter_wording_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.newsletter_list.slug} {self.language} v{self.version}"


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")

    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language, default="it")
    # Neighbourhood slugs and theme words the person asked for.
    interests: models.JSONField[Any, Any] = models.JSONField(
        _("interests"), default=list, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PENDING, db_index=True
    )
    soft_bounces = models.PositiveIntegerField(_("soft bounces in a row"), default=0)
    created_at = models.DateTimeField(_("signed up"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter_list = models.ForeignKey(
        NewsletterList, on_delete=models.CASCADE, related_name="subscriptions"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["newsletter_list", "subscriber"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter_list", "subscriber"], name="newsletter_subscription_once"
            )
        ]
        indexes = [
            # The send reads a list's confirmed subscribers in subscriber-id ranges.
            models.Index(
                fields=["newsletter_list", "status", "subscriber"], name="newsletter_sub_send"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} @ {self.newsletter_list_id}"


class ConsentRecord(models.Model):
    """One opt-in or opt-out: when, how, the wording shown, the list (GDPR Art. 7(1))."""

    class Action(models.TextChoices):
        REQUESTED = "requested", _("Subscription requested")
        CONFIRMED = "confirmed", _("Subscription confirmed")
        IMPORTED = "imported", _("Imported with consent")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        SUPPRESSED = "suppressed", _("Suppressed (bounce or complaint)")

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="consent_records"
    )
    newsletter_list = models.ForeignKey(
        NewsletterList, on_delete=models.PROTECT, related_name="consent_records"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action)
    at = models.DateTimeField(_("at"), db_index=True)
    # The form or import, e.g. "minisite:isola:en", "import:daily-2024.csv", "one-click".
    source = models.CharField(_("source"), max_length=200)
    wording = models.ForeignKey(
        ConsentWording,
        verbose_name=_("wording shown"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Suppression(models.Model):
    """An address that is never mailed again, kept only as a keyed hash (tokens.py).

    Hard bounces, complaints and erasures land here; imports and the subscribe form
    consult it, so a suppressed address stays suppressed even when re-imported.
    """

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        SOFT_BOUNCES = "soft_bounces", _("Too many soft bounces")
        COMPLAINT = "complaint", _("Spam complaint")
        ERASED = "erased", _("Erased on request")

    email_hash = models.CharField(_("address hash"), max_length=64, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")

    def __str__(self) -> str:
        return f"{self.email_hash[:12]}… ({self.reason})"


class Segment(models.Model):
    """A saved audience: the filter form's fields (filters.py), never SQL."""

    newsletter_list = models.ForeignKey(
        NewsletterList, on_delete=models.CASCADE, related_name="segments"
    )
    name = models.CharField(_("name"), max_length=200)
    filters: models.JSONField[Any, Any] = models.JSONField(_("filters"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["newsletter_list", "name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class Issue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")

    newsletter_list = models.ForeignKey(
        NewsletterList, on_delete=models.PROTECT, related_name="issues"
    )
    date = models.DateField(_("date"))
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issues",
    )
    subject_it = models.CharField(_("subject (Italian)"), max_length=200)
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    mjml_it = models.TextField(_("MJML (Italian)"))
    mjml_en = models.TextField(_("MJML (English)"))
    # What the send uses; rendered from the MJML on every save of the text (rendering.py).
    html_it = models.TextField(_("HTML (Italian)"), editable=False)
    html_en = models.TextField(_("HTML (English)"), editable=False)
    text_it = models.TextField(_("plain text (Italian)"), editable=False)
    text_en = models.TextField(_("plain text (English)"), editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    review_comment = models.TextField(_("last review comment"), blank=True)
    composed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # The list's own variants this issue carries (delivery.py): they join when scheduled on
    # its day, leave when withdrawn, and are recorded published when the issue is sent.
    variants = models.ManyToManyField(
        Variant, verbose_name=_("variants carried"), blank=True, related_name="newsletter_issues"
    )
    # The send: its audience counted when it started, the highest subscriber id it covers
    # (later sign-ups wait for the next issue), and when it began and ended.
    audience_size = models.PositiveIntegerField(_("audience at start"), default=0)
    last_subscriber_id = models.BigIntegerField(default=0, editable=False)
    send_started_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    send_finished_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")

    def __str__(self) -> str:
        return f"{self.newsletter_list.name} {self.date:%Y-%m-%d}"


class SendBatch(models.Model):
    """A range of subscriber ids of one issue, sent by one worker task at a time."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="batches")
    first_subscriber_id = models.BigIntegerField()
    last_subscriber_id = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    # The worker id of the task holding it (heartbeats tell whether it is alive).
    claimed_by = models.CharField(max_length=100, blank=True)
    touched_at = models.DateTimeField()
    # Only these subscriber ids, when set: a staff resend of the uncertain deliveries.
    recipients: models.JSONField[Any, Any] = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["issue", "first_subscriber_id"]
        indexes = [
            # Consumers: the periodic check for batches whose task was lost, and progress.
            models.Index(fields=["issue", "state"], name="newsletter_batch_state"),
        ]

    def __str__(self) -> str:
        return f"issue {self.issue_id} [{self.first_subscriber_id}, {self.last_subscriber_id}]"


class Delivery(models.Model):
    """The ledger: one row per (issue, subscriber), written before the SMTP hand-off.

    ``reserved``: written, the message may be on its way; ``sent``: the server said 250;
    ``unconfirmed``: its worker wrote the final dot to the socket and died before reading
    the reply, so the server has it (journal.py); ``failed``: refused for good (5xx) or
    given up; ``uncertain``: whether the server has it cannot be known (the worker died in
    the instant between its journal line and the socket write, the connection broke after
    the dot, or its journal is on another machine). Uncertain rows are never sent again
    automatically (never twice: docs/newsletter.md); staff may resend them.
    """

    class State(models.TextChoices):
        RESERVED = "reserved", _("Handing over")
        SENT = "sent", _("Sent")
        UNCONFIRMED = "unconfirmed", _("Sent, reply not read (worker died)")
        FAILED = "failed", _("Failed")
        UNCERTAIN = "uncertain", _("Uncertain (worker died)")

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    # Erasing a subscriber keeps the row (the count stays right) without the person.
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    state = models.CharField(max_length=12, choices=State, default=State.RESERVED)
    worker = models.CharField(max_length=100, blank=True)
    server = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    reserved_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="newsletter_delivery_once"
            ),
        ]
        indexes = [
            models.Index(fields=["issue", "state"], name="newsletter_delivery_state"),
            # The live rate: rows confirmed in the last seconds.
            models.Index(fields=["issue", "done_at"], name="newsletter_delivery_done"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id}/{self.subscriber_id} {self.state}"


class RateWindow(models.Model):
    """A counter per key and time window, shared by every process (rate limits).

    Keys: ``smtp:<server>`` and ``smtp:*`` for the send caps (per second), and
    ``subscribe:<client pseudonym>`` for the subscribe form (per hour).
    """

    key = models.CharField(max_length=120)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="newsletter_rate_window")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window}: {self.count}"


class BounceEvent(models.Model):
    """A bounce or complaint as read (DSN, feedback report or provider webhook)."""

    class Kind(models.TextChoices):
        HARD = "hard", _("Hard bounce")
        SOFT = "soft", _("Soft bounce")
        COMPLAINT = "complaint", _("Complaint")

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="bounce_events"
    )
    # The issue that bounced: named by the returned message's Message-ID, else the last
    # issue the address was sent (the newsletter's "bounced" figure counts per issue).
    issue = models.ForeignKey(
        Issue, null=True, blank=True, on_delete=models.SET_NULL, related_name="bounces"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    source = models.CharField(_("source"), max_length=50)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("bounce")
        verbose_name_plural = _("bounces")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["hard", "soft", "complaint"]),
                name="newsletter_bounce_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} {self.kind}"
