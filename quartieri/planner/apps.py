from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class PlannerConfig(AppConfig):
    name = "quartieri.planner"
    label = "planner"
    verbose_name = _("Channel planner")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(
                _("Planner"), "planner:plan", Capability.RUN_PLANNER, order=10, group=NavGroup.PLAN
            ),
            NavItem(
                _("Saved plans"),
                "planner:saved_list",
                Capability.RUN_PLANNER,
                order=11,
                group=NavGroup.PLAN,
            ),
        ]
