"""What a mini-site shows besides places data, and the record of each build.

Events: the campaign's dated happenings ("what's on"). Our sources often give only a month,
a place name without an address, or no time; the model keeps that uncertainty (``precision``,
blank time, ``note_*``) instead of inventing the missing fact.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    class Precision(models.TextChoices):
        DAY = "day", _("Exact day")
        # Only the month is known: first_day holds the month's first day and is shown as
        # "May 2021", never as a date.
        MONTH = "month", _("Month only")

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="site_events"
    )
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood", on_delete=models.PROTECT, related_name="site_events"
    )
    title_it = models.CharField(_("title (Italian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"), null=True, blank=True)
    precision = models.CharField(
        _("date precision"), max_length=10, choices=Precision, default=Precision.DAY
    )
    # Blank: the time is not in our sources (shown as such).
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    place = models.ForeignKey(
        "places.PointOfInterest",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="site_events",
    )
    place_name = models.CharField(_("place name"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places available"), null=True, blank=True)
    note_it = models.TextField(_("what our sources do not say (Italian)"), blank=True)
    note_en = models.TextField(_("what our sources do not say (English)"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["first_day", "title_it", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__isnull=True)
                | models.Q(last_day__gte=models.F("first_day")),
                name="minisites_event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title_it


class SiteBuild(models.Model):
    """One run of the builder: where it wrote, what changed, which sites went live."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="site_builds"
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    out_dir = models.CharField(_("output folder"), max_length=500)
    base_url = models.CharField(_("base URL"), max_length=500)
    pages_written = models.PositiveIntegerField(default=0)
    pages_unchanged = models.PositiveIntegerField(default=0)
    pages_removed = models.PositiveIntegerField(default=0)
    manifest_sha256 = models.CharField(max_length=64)
    # {neighbourhood slug: id of the approved website variant that released it}: the sites
    # this build put live; the others were left out (kind.site_releases).
    released: models.JSONField[Any, Any] = models.JSONField(default=dict)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("site build")
        verbose_name_plural = _("site builds")

    def __str__(self) -> str:
        return f"{self.campaign} @ {self.started_at:%Y-%m-%d %H:%M}"


class StopPhoto(models.Model):
    """One of the campaign's images shown with a tour stop on the mini-site."""

    stop = models.ForeignKey("places.TourStop", on_delete=models.CASCADE, related_name="photos")
    # An image uploaded through the campaigns app (checked, with its alternative text).
    asset = models.ForeignKey(
        "campaigns.MediaAsset", on_delete=models.CASCADE, related_name="stop_photos"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stop", "added_at", "pk"]
        verbose_name = _("stop photo")
        verbose_name_plural = _("stop photos")
        constraints = [
            models.UniqueConstraint(fields=["stop", "asset"], name="minisites_stop_photo_once")
        ]

    def __str__(self) -> str:
        return f"{self.stop} · {self.asset}"
