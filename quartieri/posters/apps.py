from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class PostersConfig(AppConfig):
    name = "quartieri.posters"
    label = "posters"
    verbose_name = _("Print-ready posters")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(
                _("Posters"),
                "posters:index",
                Capability.VIEW_CONTENT,
                order=24,
                group=NavGroup.PRODUCE,
            )
        ]
