from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class ScreensConfig(AppConfig):
    name = "quartieri.screens"
    label = "screens"
    verbose_name = _("City screens")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(
                _("Screens"),
                "screens:display_list",
                Capability.VIEW_CONTENT,
                order=36,
                group=NavGroup.PUBLISH,
            )
        ]
