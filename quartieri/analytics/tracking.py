"""Tables of what the platform measures itself: tracked links, their redirects, page views.

Raw events (``LinkEvent``, ``PageView``) are written in batches by the ingestion buffer
(``analytics/ingest.py``), never one transaction per hit, and pruned after
``ANALYTICS_RAW_RETENTION_DAYS``; the figures people read come from ``Rollup``, kept
up to date in the same transaction as each batch. No table holds an IP address or a user
agent: a redirect keeps a coarse device class and a country read from Accept-Language, and
a page view's daily visitor key is a salted hash whose salt is deleted within 48 hours.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Medium(models.TextChoices):
    # utm_medium values (contract 3 of the parallel branches: print, email, screen, social).
    PRINT = "print", _("print (posters, QR codes)")
    EMAIL = "email", _("e-mail")
    SCREEN = "screen", _("city screens")
    SOCIAL = "social", _("social media")
    WEB = "web", _("website")
    LINK = "link", _("other link")


class Link(models.Model):
    """A short link ``/l/<code>`` to an allowed target, with the UTM parameters it adds."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    target = models.URLField(_("target"), max_length=2000)
    channel = models.CharField(_("channel"), max_length=30, blank=True)
    medium = models.CharField(_("medium"), max_length=10, choices=Medium, default=Medium.LINK)
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood",
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    placement = models.CharField(_("placement"), max_length=200, blank=True)
    # SHA-256 of the arguments link_for was called with: the same arguments give the same
    # live link (unique among links not deleted).
    fingerprint = models.CharField(_("fingerprint"), max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("tracked link")
        verbose_name_plural = _("tracked links")
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(deleted_at__isnull=True),
                name="analytics_link_live_fingerprint",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_scan(self) -> bool:
        """A printed link is reached by scanning its QR code."""
        return self.medium == Medium.PRINT


class EventKind(models.TextChoices):
    CLICK = "click", _("click")
    SCAN = "scan", _("QR scan")
    PAGEVIEW = "pageview", _("page view")
    VISITOR = "visitor", _("unique visitor (per day)")


class Device(models.TextChoices):
    MOBILE = "mobile", _("phone")
    TABLET = "tablet", _("tablet")
    DESKTOP = "desktop", _("computer")
    OTHER = "other", _("other or unknown")


class LinkEvent(models.Model):
    """One answered redirect. The link is copied out (channel, place, campaign) so that
    reports by those need no join and survive the link's deletion."""

    at = models.DateTimeField(_("at"))
    # No database constraint: a batch replayed from the disk spool must never fail on a
    # link deleted meanwhile.
    link = models.ForeignKey(
        Link, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind)
    channel = models.CharField(_("channel"), max_length=30, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=120, blank=True)
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    device = models.CharField(_("device"), max_length=10, choices=Device)
    country = models.CharField(_("country (from the browser's language)"), max_length=2, blank=True)
    bot = models.BooleanField(_("bot"), default=False)
    simulated = models.BooleanField(_("simulated (demo)"), default=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("link event")
        verbose_name_plural = _("link events")
        indexes = [models.Index(fields=["at"], name="analytics_linkevent_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.link_id} {self.at:%Y-%m-%d %H:%M}"


class PageView(models.Model):
    """One page view of a mini-site, received by the beacon (contract 2)."""

    at = models.DateTimeField(_("at"))
    neighbourhood = models.CharField(_("site (neighbourhood)"), max_length=120, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    path = models.CharField(_("page"), max_length=500)
    # The referring site's host only: a referrer's path and query may carry personal data.
    referrer = models.CharField(_("referrer (site)"), max_length=200, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    device = models.CharField(_("device"), max_length=10, choices=Device)
    country = models.CharField(_("country (from the browser's language)"), max_length=2, blank=True)
    simulated = models.BooleanField(_("simulated (demo)"), default=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("page view")
        verbose_name_plural = _("page views")
        indexes = [models.Index(fields=["at"], name="analytics_pageview_at")]

    def __str__(self) -> str:
        return f"{self.neighbourhood} {self.path} {self.at:%Y-%m-%d %H:%M}"


class Period(models.TextChoices):
    HOUR = "hour", _("hour")
    DAY = "day", _("day (Europe/Rome)")


class Rollup(models.Model):
    """Counts per hour and per day by campaign, neighbourhood, channel and link.

    Incremented in the same transaction as the batch of raw events it counts, so it is
    exact and survives the pruning of raw events. Empty strings and 0 stand for "none"
    (not NULL) so that the unique key, which the increments upsert on, holds for them too.
    """

    period = models.CharField(_("period"), max_length=4, choices=Period)
    start = models.DateTimeField(_("start"))
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind)
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=120, blank=True)
    channel = models.CharField(_("channel"), max_length=100, blank=True)
    link_id = models.BigIntegerField(_("link"), default=0)
    count = models.BigIntegerField(_("count (people, bots excluded)"), default=0)
    bots = models.BigIntegerField(_("bots"), default=0)
    simulated = models.BigIntegerField(_("of which simulated"), default=0)

    class Meta:
        ordering = ["period", "start"]
        verbose_name = _("roll-up")
        verbose_name_plural = _("roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "period",
                    "start",
                    "kind",
                    "campaign",
                    "neighbourhood",
                    "channel",
                    "link_id",
                ],
                name="analytics_rollup_key",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "period", "start"], name="analytics_rollup_campaign"),
            models.Index(fields=["link_id", "period"], name="analytics_rollup_link"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start:%Y-%m-%d %H:%M} {self.kind}: {self.count}"


class DailyVisitor(models.Model):
    """Who was seen on a site today, as a salted hash: counts unique visitors per day.

    ``visitor`` is 8 bytes of SHA-256(daily salt, IP, user agent); once the day's salt is
    deleted nobody can tell whose it was. Rows are deleted with their salt.
    """

    day = models.DateField(_("day"))
    neighbourhood = models.CharField(_("site (neighbourhood)"), max_length=120, blank=True)
    visitor = models.BigIntegerField(_("visitor key"))

    class Meta:
        verbose_name = _("daily visitor key")
        verbose_name_plural = _("daily visitor keys")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "neighbourhood", "visitor"], name="analytics_daily_visitor_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.neighbourhood}"


class DailySalt(models.Model):
    """The random salt of one day (Europe/Rome); deleted when it is older than yesterday."""

    day = models.DateField(_("day"), unique=True)
    salt = models.BinaryField(_("salt"), max_length=16)

    class Meta:
        verbose_name = _("daily salt")
        verbose_name_plural = _("daily salts")

    def __str__(self) -> str:
        return str(self.day)


class IngestBatch(models.Model):
    """One batch of events written: a batch replayed from the spool is never counted twice,
    because its id is inserted in the same transaction as its events."""

    batch_id = models.CharField(_("batch"), max_length=36, unique=True)
    events = models.PositiveIntegerField(_("events"))
    written_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("ingested batch")
        verbose_name_plural = _("ingested batches")

    def __str__(self) -> str:
        return self.batch_id


class Chore(models.Model):
    """A periodic chore claimed once across every worker (unique name and slot)."""

    name = models.CharField(_("chore"), max_length=40)
    slot = models.DateTimeField(_("slot"))
    claimed_at = models.DateTimeField(_("claimed at"))
    detail: models.JSONField[Any, Any] = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("analytics chore")
        verbose_name_plural = _("analytics chores")
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="analytics_chore_slot")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.slot}"


class PlannerFeedback(models.Model):
    """What a finished campaign measured, per channel, saved for the planner.

    ``figures`` holds one entry per channel (measured reach, its basis, spend, cost per
    thousand reached, visits); ``applied`` lists the planner catalogue figures written from
    it, each labelled with ``label`` as its source.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    label = models.CharField(_("source label"), max_length=500)
    figures: models.JSONField[Any, Any] = models.JSONField(_("measured figures"), default=list)
    applied: models.JSONField[Any, Any] = models.JSONField(
        _("catalogue figures written"), default=list
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("measured figures for the planner")
        verbose_name_plural = _("measured figures for the planner")

    def __str__(self) -> str:
        return self.label
