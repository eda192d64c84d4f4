"""Admin for the channel accounts and the grants on them (set-up data, audited)."""

from __future__ import annotations

from django.contrib import admin

from quartieri.accounts.admin import AuditedModelAdmin
from quartieri.channels.models import AccountGrant, ChannelAccount


@admin.register(ChannelAccount)
class ChannelAccountAdmin(AuditedModelAdmin):
    list_display = ("handle", "platform", "kind", "owner", "min_spacing_minutes")
    list_filter = ("platform", "kind")


@admin.register(AccountGrant)
class AccountGrantAdmin(AuditedModelAdmin):
    list_display = ("account", "user", "can_draft", "can_approve", "can_publish")
    list_filter = ("account",)
