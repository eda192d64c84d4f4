"""Read-only admin pages: the figures come from the platforms, nobody edits them by hand."""

from __future__ import annotations

from django.contrib import admin

from quartieri.accounts.admin import ReadOnlyAdminMixin
from quartieri.analytics.models import AccountMetric, InsightsRun, PostMetric


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
