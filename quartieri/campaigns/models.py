"""Campaigns, the channel accounts they post to, and the content that goes out on them.

A ``ContentItem`` is the idea (master texts in Italian and English); each ``Variant`` is
that idea cut for one ``ChannelAccount``, with its own caption, media and workflow status.
Every status change leaves a ``Transition`` row: the timeline shown to staff.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quartieri.channels.rules import PostType


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        FINISHED = "finished", _("Finished")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    neighbourhoods = models.ManyToManyField(
        "places.Neighbourhood",
        verbose_name=_("neighbourhoods"),
        blank=True,
        related_name="campaigns",
    )
    # Slugs of the audiences app's segments (e.g. "international-students"); kept as data so
    # campaigns do not depend on that app's schema.
    audiences: models.JSONField[Any, Any] = models.JSONField(
        _("audiences"), default=list, blank=True
    )
    objective = models.TextField(_("objective"), blank=True)
    budget = models.DecimalField(_("budget (EUR)"), max_digits=12, decimal_places=2, default=0)
    plan = models.ForeignKey(
        "planner.SavedPlan",
        verbose_name=_("saved plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="campaigns_campaign_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ContentItem(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood",
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="content_items",
    )
    tour = models.ForeignKey(
        "places.Tour",
        verbose_name=_("tour"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="content_items",
    )
    playlist = models.ForeignKey(
        "places.Playlist",
        verbose_name=_("playlist"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="content_items",
    )
    title = models.CharField(_("title"), max_length=200)
    master_text_it = models.TextField(_("master text (Italian)"), blank=True)
    master_text_en = models.TextField(_("master text (English)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="content_items",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "title", "pk"]
        verbose_name = _("content item")
        verbose_name_plural = _("content items")

    def __str__(self) -> str:
        return self.title


class MediaAsset(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    content_item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    file = models.FileField(_("file"), upload_to="campaigns/media/")
    alt_text = models.TextField(_("alternative text"), blank=True)
    caption_file = models.FileField(_("caption file"), upload_to="campaigns/captions/", blank=True)
    width = models.PositiveIntegerField(_("width (px)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height (px)"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    mime_type = models.CharField(_("MIME type"), max_length=100)
    # What campaigns.media.media_probe read from the file's content (format, codecs, frame
    # rate, caption cues); empty for a row made by hand, which scheduling then refuses.
    probe: models.JSONField[Any, Any] = models.JSONField(
        _("format read from the file"), default=dict, blank=True, editable=False
    )
    # A small JPEG of the picture, or a frame of the video (campaigns.library); blank until
    # made (rows older than the media library: ``quartieri campaigns thumbnails``).
    thumbnail = models.FileField(
        _("thumbnail"), upload_to="campaigns/media/thumbs/", blank=True, editable=False
    )

    class Meta:
        ordering = ["content_item", "pk"]
        verbose_name = _("media asset")
        verbose_name_plural = _("media assets")

    def __str__(self) -> str:
        return self.file.name or f"{self.kind} #{self.pk}"


class Variant(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        # Kept from the status list; variant_reject returns the variant to DRAFT
        # with the reviewer's comment, so no service currently leaves a variant here.
        REJECTED = "rejected", _("Rejected")

    content_item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="variants")
    account = models.ForeignKey(
        "channels.ChannelAccount", on_delete=models.PROTECT, related_name="variants"
    )
    post_type = models.CharField(_("post type"), max_length=20, choices=PostType)
    # A photo post's title where the kind has one (TikTok, ≤ 90); elsewhere unused.
    title = models.CharField(_("title"), max_length=200, blank=True)
    caption = models.TextField(_("caption"), blank=True)
    hashtags: models.JSONField[Any, Any] = models.JSONField(_("hashtags"), default=list, blank=True)
    mentions: models.JSONField[Any, Any] = models.JSONField(_("mentions"), default=list, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    media = models.ManyToManyField(
        MediaAsset, verbose_name=_("media"), blank=True, related_name="+"
    )
    # The account's kind's per-post options (ChannelKind.options, e.g. TikTok's privacy
    # level and interactions), as the kind's schema writes them; {} for a kind without.
    options: models.JSONField[Any, Any] = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    review_comment = models.TextField(_("last review comment"), blank=True)
    # SHA-256 of post type, title, caption, hashtags and mentions as last generated from the
    # master texts (compose.py); blank for a variant written by hand. Regenerating refreshes
    # a variant only while its fields still match, so a person's edit is never overwritten.
    generated_digest = models.CharField(
        _("digest of the generated text"), max_length=64, blank=True, editable=False
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafted_variants",
    )
    # Four eyes covers edits too: whoever last changed the text may not approve it.
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        indexes = [
            # The calendar and the spacing check read an account's posts by time.
            models.Index(fields=["account", "scheduled_at"], name="campaigns_variant_acct_time"),
        ]

    def __str__(self) -> str:
        return f"{self.content_item} → {self.account}"


class Transition(models.Model):
    """One status change of a variant, for its timeline (the audit log keeps snapshots)."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, choices=Variant.Status)
    to_status = models.CharField(_("to"), max_length=20, choices=Variant.Status)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variant_transitions",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.from_status} → {self.to_status}"

    @property
    def summary(self) -> str:
        """The timeline's line: "Draft → In review"; a record that moved no status (the
        variant's creation, recorded as draft → draft) says what happened, not an arrow."""
        if self.from_status == self.to_status:
            return str(_UNMOVED.get(self.action, self.get_to_status_display()))
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


_UNMOVED = {"create": _("Created as a draft")}


class VariantComment(models.Model):
    """One message of a variant's review thread; ``mentioned`` are the colleagues named with
    @username in it, who were notified."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="variant_comments",
    )
    body = models.TextField(_("comment"))
    mentioned = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mentioned"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["variant", "created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.body[:40]}"


class ApiToken(models.Model):
    """A bearer token for the REST API, acting as its user with that user's role and grants.

    Only a SHA-256 of the token is stored: a leaked database does not leak working tokens,
    and the token is shown once, when created (``quartieri api-token create``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token SHA-256"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["user", "name"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"
