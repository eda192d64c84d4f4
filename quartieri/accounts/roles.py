"""Roles and the capabilities each one grants.

Capabilities are the unit of every server-side permission check: a view or API call asks
``user_can(user, capability)``, never "is the user an approver". Later apps add their
capabilities to ``ROLE_CAPABILITIES`` in one place, here.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    APPROVER = "approver", _("Approver (comms office)")
    EDITOR = "editor", _("Editor (agency)")
    ANALYST = "analyst", _("Analyst (read-only)")


class Capability(StrEnum):
    VIEW_DASHBOARD = "dashboard.view"
    VIEW_AUDIT_LOG = "audit.view"
    MANAGE_USERS = "users.manage"
    VIEW_SYSTEM = "system.view"
    # Content and campaigns: the campaigns issue checks these plus per-account grants.
    DRAFT_CONTENT = "content.draft"
    APPROVE_CONTENT = "content.approve"
    VIEW_CONTENT = "content.view"
    EDIT_PLACES = "places.edit"
    VIEW_PLACES = "places.view"
    RUN_PLANNER = "planner.run"
    SAVE_PLAN = "planner.save"
    VIEW_ANALYTICS = "analytics.view"
    # City screens: displays, tokens, slides, playlists, schedules (reading needs VIEW_CONTENT).
    MANAGE_SCREENS = "screens.manage"
    # Newsletter subscribers are personal data: the comms office only (newsletter app).
    MANAGE_SUBSCRIBERS = "newsletter.subscribers"


_READ = {
    Capability.VIEW_DASHBOARD,
    Capability.VIEW_CONTENT,
    Capability.VIEW_PLACES,
    Capability.VIEW_ANALYTICS,
    Capability.RUN_PLANNER,
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability),
    Role.APPROVER: frozenset(
        _READ
        | {
            Capability.DRAFT_CONTENT,
            Capability.APPROVE_CONTENT,
            Capability.EDIT_PLACES,
            Capability.SAVE_PLAN,
            Capability.MANAGE_SCREENS,
            Capability.MANAGE_SUBSCRIBERS,
        }
    ),
    Role.EDITOR: frozenset(
        _READ | {Capability.DRAFT_CONTENT, Capability.EDIT_PLACES, Capability.SAVE_PLAN}
    ),
    # Running the planner writes nothing, so the read-only analyst may explore scenarios.
    Role.ANALYST: frozenset(_READ),
}
