"""Admin for set-up data (campaigns, content, media); the workflow stays in the services."""

from __future__ import annotations

from django.contrib import admin

from quartieri.accounts.admin import AuditedModelAdmin, ReadOnlyAdminMixin
from quartieri.campaigns.models import Campaign, ContentItem, MediaAsset, Transition, Variant


@admin.register(Campaign)
class CampaignAdmin(AuditedModelAdmin):
    list_display = ("name", "start_date", "end_date", "status")
    list_filter = ("status",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(ContentItem)
class ContentItemAdmin(AuditedModelAdmin):
    list_display = ("title", "campaign", "neighbourhood", "created_by")
    list_filter = ("campaign",)


@admin.register(MediaAsset)
class MediaAssetAdmin(AuditedModelAdmin):
    list_display = ("file", "kind", "content_item", "mime_type", "size_bytes")


@admin.register(Variant)
class VariantAdmin(AuditedModelAdmin):
    list_display = ("content_item", "account", "post_type", "status", "scheduled_at")
    list_filter = ("status", "account")
    # Status, schedule and author change only through the services (permission checks,
    # four eyes, Transition rows), never by editing a field here.
    readonly_fields = ("status", "scheduled_at", "drafted_by", "review_comment")


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Transition]):
    list_display = ("variant", "action", "from_status", "to_status", "actor", "at")
