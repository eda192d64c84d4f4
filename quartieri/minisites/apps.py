from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class MinisitesConfig(AppConfig):
    name = "quartieri.minisites"
    label = "minisites"
    verbose_name = _("Neighbourhood mini-sites")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(
                _("Mini-sites"),
                "minisites:index",
                Capability.VIEW_CONTENT,
                order=23,
                group=NavGroup.PRODUCE,
            )
        ]
