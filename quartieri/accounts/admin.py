from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from quartieri.accounts.models import AuditEvent, User
from quartieri.accounts.services import audit_record, audit_snapshot


class AuditedModelAdmin(admin.ModelAdmin[Any]):
    """Every admin save and delete lands in the audit log with before/after."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        with transaction.atomic():
            before = audit_snapshot(obj=type(obj).objects.get(pk=obj.pk)) if change else None
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user if isinstance(request.user, User) else None,
                action=f"{obj._meta.model_name}.{'change' if change else 'create'}",
                target=obj,
                before=before,
                after=audit_snapshot(obj=obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user if isinstance(request.user, User) else None,
                action=f"{obj._meta.model_name}.delete",
                target=obj,
                before=audit_snapshot(obj=obj),
            )
            super().delete_model(request, obj)


class ReadOnlyAdminMixin:
    """For rows written only by the code (the audit log, workflow steps, platform figures):
    the admin shows them and nobody, superusers included, adds, edits or deletes one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin[User]):
    list_display = ("username", "email", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("quartieri", {"fields": ("role", "organisation", "language")}),
    )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AuditEvent]):
    # The audit log is append-only, even for superusers.
    list_display = ("at", "actor_label", "action", "target_label")
    list_filter = ("action",)
    search_fields = ("actor_label", "target_label", "action")
