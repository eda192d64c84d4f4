"""Reads about people: who may do what, and what the audit log says."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from quartieri.accounts.models import AuditEvent, User
from quartieri.accounts.roles import ROLE_CAPABILITIES, Capability


def user_can(user: AbstractBaseUser | AnonymousUser, capability: Capability) -> bool:
    if not user.is_authenticated or not user.is_active or not isinstance(user, User):
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def audit_event_list(
    *, action_prefix: str = "", actor_username: str = "", target_type: str = ""
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if actor_username:
        events = events.filter(actor_label=actor_username)
    if target_type:
        events = events.filter(target_type=target_type)
    return events


def user_list() -> QuerySet[User]:
    return User.objects.order_by("role", "username")
