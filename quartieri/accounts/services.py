"""Writes about people: accounts, roles and the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict

from quartieri.accounts.models import AuditEvent, User
from quartieri.accounts.roles import Role

_NEVER_LOGGED = {"password"}


def audit_snapshot(*, obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of an object's fields for the audit log (secrets left out)."""
    data = model_to_dict(obj, fields=fields)
    return {
        key: _json_safe(value) for key, value in sorted(data.items()) if key not in _NEVER_LOGGED
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    target_label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record one change made by a person; call it inside the transaction of the change."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label or (str(target) if target is not None else ""),
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    email: str,
    role: Role,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    organisation: str = "",
    language: str = "it",
) -> User:
    user = User(
        username=username,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        organisation=organisation,
        language=language,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="user.create", target=user, after=audit_snapshot(obj=user))
    return user


@transaction.atomic
def user_set_role(*, actor: User, user: User, role: Role) -> User:
    before = audit_snapshot(obj=user, fields=["role", "is_staff", "is_superuser"])
    user.role = role
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    audit_record(
        actor=actor,
        action="user.set_role",
        target=user,
        before=before,
        after=audit_snapshot(obj=user, fields=["role", "is_staff", "is_superuser"]),
    )
    return user
