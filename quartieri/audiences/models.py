"""The audience catalogue: channels, segments and the sourced figures behind them.

Seeded from ``data/audiences/*.csv`` (``quartieri audiences load``, the demo) and editable
in the admin. Every figure keeps its source and year; a figure without a source is an
assumption, shown as such in every plan that uses it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CostModel(models.TextChoices):
    CPM = "cpm", _("Cost per thousand impressions")
    UNIT = "unit", _("Cost per unit (e.g. one poster)")


class FigureKey(models.TextChoices):
    CPM_EUR = "cpm_eur", _("CPM (EUR per 1,000 impressions)")
    UNIT_COST_EUR = "unit_cost_eur", _("cost per unit (EUR)")
    UNIT_IMPRESSIONS = "unit_impressions_per_week", _("impressions per unit per week")
    UNIT_MAX = "unit_max", _("maximum units")
    REACH_SHARE = "reach_share", _("reachable share of the target (0-1)")
    OWNED_AUDIENCE = "owned_audience", _("owned audience (people)")
    OWNED_SHARE = "owned_share", _("owned audience as a share of the target (0-1)")
    ITEM_REACH_RATE = "item_reach_rate", _("share of the owned audience one item reaches (0-1)")
    HOURS_PER_ITEM = "hours_per_item", _("production hours per item")
    MAX_ITEMS = "max_items_per_week", _("maximum items per week")
    CLICK_RATE = "click_rate", _("share of people reached who visit the mini-site (0-1)")
    MIN_BUDGET = "min_budget", _("minimum budget (EUR)")
    MAX_BUDGET = "max_budget", _("maximum budget (EUR)")


class Channel(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_it = models.CharField(_("name (Italian)"), max_length=100)
    platforms = models.CharField(
        _("usage platforms"),
        max_length=100,
        blank=True,
        help_text=_(
            "Platform slugs in the usage figures, separated by ';' (e.g. twitter;x_twitter)."
        ),
    )
    paid = models.BooleanField(_("paid"), default=False)
    owned = models.BooleanField(_("owned"), default=False)
    cost_model = models.CharField(
        _("cost model"), max_length=8, choices=CostModel.choices, default=CostModel.CPM
    )
    purposes = models.CharField(
        _("purposes"),
        max_length=200,
        blank=True,
        help_text=_("Purposes the channel serves, separated by ';' (institutional;promotion)."),
    )
    owned_bases = models.CharField(
        _("owned audience lives in"),
        max_length=200,
        blank=True,
        help_text=_("Base segments the owned audience belongs to, separated by ';'."),
    )
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name_en


class ChannelFigure(models.Model):
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="figures"
    )
    key = models.CharField(_("figure"), max_length=32, choices=FigureKey.choices)
    value = models.FloatField(_("value"))
    source = models.CharField(
        _("source"), max_length=500, blank=True, help_text=_("Empty = an assumption.")
    )
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["channel", "key"]
        verbose_name = _("channel figure")
        verbose_name_plural = _("channel figures")
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="channel_figure_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.channel.slug}.{self.key} = {self.value:g}"


class Segment(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_it = models.CharField(_("name (Italian)"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    size_unit = models.CharField(_("unit"), max_length=32, default="people")
    size_source = models.CharField(_("size source"), max_length=500, blank=True)
    size_year = models.PositiveIntegerField(_("size year"), null=True, blank=True)
    size_note = models.CharField(_("size note"), max_length=500, blank=True)
    base = models.ForeignKey(
        "self",
        verbose_name=_("base population"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The population an untargeted buy lands on; affinity is relative to it."),
    )
    contained_in = models.ForeignKey(
        "self",
        verbose_name=_("contained in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    age_bands = models.CharField(
        _("age make-up"),
        max_length=100,
        default="all",
        help_text=_("Age bands of the usage figures, e.g. 14-29 or 14-29:0.6;all:0.4."),
    )
    usage_country = models.CharField(_("usage figures from"), max_length=8, default="IT")
    usage_fallback = models.CharField(_("age profile borrowed from"), max_length=8, blank=True)
    languages = models.CharField(_("languages"), max_length=100, blank=True)
    usage_note = models.TextField(_("usage note"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("audience segment")
        verbose_name_plural = _("audience segments")

    def __str__(self) -> str:
        return self.name_en


class UsageFigure(models.Model):
    """One row of platform_usage_by_age.csv: share of an age band using a platform."""

    country = models.CharField(_("country"), max_length=8)
    platform = models.CharField(_("platform"), max_length=32)
    age_band = models.CharField(_("age band"), max_length=16)
    metric = models.CharField(_("metric"), max_length=32)
    value_pct = models.FloatField(_("value (%)"))
    base = models.CharField(_("base"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=500)
    year = models.PositiveIntegerField(_("year"))
    verified = models.CharField(_("verified"), max_length=8)

    class Meta:
        ordering = ["country", "platform", "age_band", "year"]
        verbose_name = _("usage figure")
        verbose_name_plural = _("usage figures")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "platform", "age_band", "metric", "year", "source"],
                name="usage_figure_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.platform} {self.age_band} {self.value_pct:g}% ({self.year})"


class AudienceCount(models.Model):
    """One row of audience_counts.csv: an absolute size, for reference and for segments."""

    place = models.CharField(_("country or place"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200)
    metric = models.CharField(_("metric"), max_length=100)
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=32)
    source = models.CharField(_("source"), max_length=500)
    year = models.CharField(_("year"), max_length=16)
    verified = models.CharField(_("verified"), max_length=8)

    class Meta:
        ordering = ["place", "subject", "metric", "year"]
        verbose_name = _("audience count")
        verbose_name_plural = _("audience counts")
        constraints = [
            models.UniqueConstraint(
                fields=["place", "subject", "metric", "year", "value"],
                name="audience_count_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.subject} {self.metric} {self.value:g} ({self.year})"
