"""Read-only admin pages: the figures come from the platforms, nobody edits them by hand."""

from __future__ import annotations

from django.contrib import admin

from quartieri.accounts.admin import ReadOnlyAdminMixin
from quartieri.analytics.models import (
    AccountMetric,
    InsightsRun,
    Link,
    PlannerFeedback,
    PostMetric,
    Rollup,
)


@admin.register(PostMetric)
class PostMetricAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[PostMetric]):
    list_display = ("day", "platform", "platform_post_id", "metric", "name", "value", "fetched_at")
    list_filter = ("platform", "name", "day")
    search_fields = ("platform_post_id", "metric")
    list_select_related = ("entry",)


@admin.register(AccountMetric)
class AccountMetricAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AccountMetric]):
    list_display = ("day", "account", "metric", "name", "kind", "value", "fetched_at")
    list_filter = ("platform", "name", "day")
    search_fields = ("account__handle", "metric")
    list_select_related = ("account",)


@admin.register(InsightsRun)
class InsightsRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[InsightsRun]):
    list_display = ("day", "trigger", "claimed_by", "claimed_at", "finished_at")


# The platform's own measurements: read-only too (links are made and stopped on the staff
# pages or with `quartieri links`, which audit it; counts come from the ingestion).
@admin.register(Link)
class LinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Link]):
    list_display = ("code", "channel", "medium", "placement", "target", "created_at", "deleted_at")
    list_filter = ("channel", "medium")
    search_fields = ("code", "target", "placement")


@admin.register(Rollup)
class RollupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Rollup]):
    list_display = (
        "period",
        "start",
        "kind",
        "campaign",
        "neighbourhood",
        "channel",
        "count",
        "bots",
    )
    list_filter = ("period", "kind", "channel")


@admin.register(PlannerFeedback)
class PlannerFeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[PlannerFeedback]):
    list_display = ("label", "campaign", "created_by", "created_at")
