"""Platform insights: the figures the daily pull reads from TikTok, Instagram and Facebook.

Rows are written only by ``services.insights_pull`` and are upserted on their natural key, so
pulling the same day again updates the figures and never adds rows. Each row keeps the
platform's own metric name (``metric``), our platform-neutral name (``name``) and where the
metric is defined (``source``, a section of platform-apis.md or the platform's reference).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from quartieri.channels.base import MetricKind


class PostMetric(models.Model):
    """One figure of one published post (outbox entry) as it stood on ``day``."""

    entry = models.ForeignKey(
        "publishing.OutboxEntry",
        verbose_name=_("published post"),
        on_delete=models.CASCADE,
        related_name="metrics",
    )
    # Copied from the entry so that reports by account or platform need no join.
    account = models.ForeignKey(
        "channels.ChannelAccount",
        verbose_name=_("channel account"),
        on_delete=models.CASCADE,
        related_name="post_metrics",
    )
    platform = models.CharField(_("platform"), max_length=20)
    platform_post_id = models.CharField(_("post id on the platform"), max_length=200)
    metric = models.CharField(_("platform's metric name"), max_length=100)
    name = models.CharField(_("metric"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=MetricKind, default=MetricKind.TOTAL)
    source = models.CharField(_("definition"), max_length=200, blank=True)
    day = models.DateField(_("day"))
    value = models.BigIntegerField(_("value"))
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        ordering = ["-day", "entry_id", "metric"]
        verbose_name = _("post metric")
        verbose_name_plural = _("post metrics")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "metric", "day"], name="analytics_post_metric_entry_metric_day"
            )
        ]
        indexes = [models.Index(fields=["account", "day"], name="analytics_post_metric_acct")]

    def __str__(self) -> str:
        return f"{self.platform} {self.platform_post_id} {self.metric} {self.day}: {self.value}"


class AccountMetric(models.Model):
    """One figure of one channel account for ``day``."""

    account = models.ForeignKey(
        "channels.ChannelAccount",
        verbose_name=_("channel account"),
        on_delete=models.CASCADE,
        related_name="metrics",
    )
    platform = models.CharField(_("platform"), max_length=20)
    metric = models.CharField(_("platform's metric name"), max_length=100)
    name = models.CharField(_("metric"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=MetricKind, default=MetricKind.DAILY)
    source = models.CharField(_("definition"), max_length=200, blank=True)
    day = models.DateField(_("day"))
    value = models.BigIntegerField(_("value"))
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        ordering = ["-day", "account_id", "metric"]
        verbose_name = _("account metric")
        verbose_name_plural = _("account metrics")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "metric", "day"], name="analytics_account_metric_acct_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.metric} {self.day}: {self.value}"


class InsightsRun(models.Model):
    """One day's pull: claimed once across all workers, with what happened per account.

    The unique ``day`` is the claim: the first worker (or the command) to insert today's row
    runs the pull; everyone else sees the row and does nothing.
    """

    class Trigger(models.TextChoices):
        WORKER = "worker", _("daily, by a worker")
        COMMAND = "command", _("by the insights command")

    day = models.DateField(_("day"), unique=True)
    trigger = models.CharField(_("started"), max_length=10, choices=Trigger)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # One entry per account: {"account", "status", "posts", "account_rows", "detail"}.
    summary: models.JSONField[Any, Any] = models.JSONField(_("summary"), default=list, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("insights run")
        verbose_name_plural = _("insights runs")

    def __str__(self) -> str:
        return f"{self.day} ({self.trigger})"


# The platform's own measurements (tracked links, page views, roll-ups) live in their own
# module; importing them here is what registers them with Django.
from quartieri.analytics.tracking import (  # noqa: E402
    Chore,
    DailySalt,
    DailyVisitor,
    IngestBatch,
    Link,
    LinkEvent,
    PageView,
    PlannerFeedback,
    Rollup,
)

__all__ = [
    "AccountMetric",
    "Chore",
    "DailySalt",
    "DailyVisitor",
    "IngestBatch",
    "InsightsRun",
    "Link",
    "LinkEvent",
    "MetricKind",
    "PageView",
    "PlannerFeedback",
    "PostMetric",
    "Rollup",
]
