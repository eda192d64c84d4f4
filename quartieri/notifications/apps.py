from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.navigation import NavItem


class NotificationsConfig(AppConfig):
    name = "quartieri.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(
                _("Notifications"),
                "notifications:list",
                Capability.VIEW_DASHBOARD,
                order=90,
            )
        ]
