from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class AnalyticsConfig(AppConfig):
    name = "quartieri.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(
                _("Measurement"),
                "analytics:index",
                Capability.VIEW_ANALYTICS,
                order=40,
                group=NavGroup.MEASURE,
            ),
            NavItem(
                _("Tracked links"),
                "analytics:links",
                Capability.VIEW_ANALYTICS,
                order=41,
                group=NavGroup.MEASURE,
            ),
        ]

    def ready(self) -> None:
        # The read-only API of the aggregates joins the project's one API (campaigns/api.py)
        # as a router, so campaigns never imports analytics.
        from quartieri.analytics.api import router_install

        router_install()
