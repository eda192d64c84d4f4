"""Read-only admin pages: the figures come from the platforms, nobody edits them by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from quartieri.analytics.models import (
    AccountMetric,
    InsightsRun,
    Link,
    PlannerFeedback,
    PostMetric,
    Rollup,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PostMetric)
class PostMetricAdmin(ReadOnlyAdmin):
    list_display = ("day", "platform", "platform_post_id", "metric", "name", "value", "fetched_at")
    list_filter = ("platform", "name", "day")
    search_fields = ("platform_post_id", "metric")
    list_select_related = ("entry",)


@admin.register(AccountMetric)
class AccountMetricAdmin(ReadOnlyAdmin):
    list_display = ("day", "account", "metric", "name", "kind", "value", "fetched_at")
    list_filter = ("platform", "name", "day")
    search_fields = ("account__handle", "metric")
    list_select_related = ("account",)


@admin.register(InsightsRun)
class InsightsRunAdmin(ReadOnlyAdmin):
    list_display = ("day", "trigger", "claimed_by", "claimed_at", "finished_at")


# The platform's own measurements: read-only too (links are made and stopped on the staff
# pages or with `quartieri links`, which audit it; counts come from the ingestion).
@admin.register(Link)
class LinkAdmin(ReadOnlyAdmin):
    list_display = ("code", "channel", "medium", "placement", "target", "created_at", "deleted_at")
    list_filter = ("channel", "medium")
    search_fields = ("code", "target", "placement")


@admin.register(Rollup)
class RollupAdmin(ReadOnlyAdmin):
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
class PlannerFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("label", "campaign", "created_by", "created_at")
