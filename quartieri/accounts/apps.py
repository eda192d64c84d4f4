from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.navigation import NavGroup, NavItem


class AccountsConfig(AppConfig):
    name = "quartieri.accounts"
    label = "accounts"
    verbose_name = _("People and roles")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(
                _("People"),
                "accounts:user_list",
                Capability.MANAGE_USERS,
                order=90,
                group=NavGroup.ADMIN,
            ),
            NavItem(
                _("Audit log"),
                "accounts:audit_log",
                Capability.VIEW_AUDIT_LOG,
                order=91,
                group=NavGroup.ADMIN,
            ),
        ]

    def ready(self) -> None:
        from axes.signals import user_locked_out

        user_locked_out.connect(_record_lockout, dispatch_uid="quartieri-lockout-audit")


def _record_lockout(sender: Any, request: Any, username: str | None, **kwargs: Any) -> None:
    # django-axes announces a lockout only through this signal; the audit row is how the
    # admins see it. The address is never recorded, only the username that was tried.
    from quartieri.accounts.services import audit_record

    audit_record(
        actor=None,
        action="login.locked_out",
        target_label=username or "",
        after={"username": username or "", "failures": kwargs.get("failures")},
    )
