from __future__ import annotations

from django.contrib import admin

from quartieri.accounts.admin import AuditedModelAdmin
from quartieri.planner.models import SavedPlan


@admin.register(SavedPlan)
class SavedPlanAdmin(AuditedModelAdmin):
    list_display = ("name", "campaign", "created_by", "created_at")
    search_fields = ("name", "campaign")
    readonly_fields = ("inputs", "result", "created_by", "created_at")
