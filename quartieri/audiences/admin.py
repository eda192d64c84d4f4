from __future__ import annotations

from typing import Any

from django.contrib import admin

from quartieri.accounts.admin import AuditedModelAdmin
from quartieri.audiences.models import AudienceCount, Channel, ChannelFigure, Segment, UsageFigure


class ChannelFigureInline(admin.TabularInline[ChannelFigure, Channel]):
    model = ChannelFigure
    extra = 0
    fields = ("key", "value", "source", "year", "note")


@admin.register(Channel)
class ChannelAdmin(AuditedModelAdmin):
    list_display = ("slug", "name_en", "paid", "owned", "cost_model", "purposes", "position")
    list_editable = ("position",)
    search_fields = ("slug", "name_en", "name_it")
    inlines = (ChannelFigureInline,)


@admin.register(ChannelFigure)
class ChannelFigureAdmin(AuditedModelAdmin):
    list_display = ("channel", "key", "value", "source", "year", "note")
    list_filter = ("key", "channel")


@admin.register(Segment)
class SegmentAdmin(AuditedModelAdmin):
    list_display = ("slug", "name_en", "size", "size_unit", "size_source", "size_year", "age_bands")
    search_fields = ("slug", "name_en", "name_it")


@admin.register(UsageFigure)
class UsageFigureAdmin(AuditedModelAdmin):
    list_display = (
        "country",
        "platform",
        "age_band",
        "metric",
        "value_pct",
        "year",
        "verified",
        "source",
    )
    list_filter = ("country", "platform", "age_band", "year", "metric")


@admin.register(AudienceCount)
class AudienceCountAdmin(AuditedModelAdmin):
    list_display = ("place", "subject", "metric", "value", "unit", "year", "verified", "source")
    list_filter = ("place", "subject")

    def get_search_fields(self, request: Any) -> tuple[str, ...]:
        return ("place", "subject", "metric", "source")
