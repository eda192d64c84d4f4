"""The planner's card on the home dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import DashboardCard
from quartieri.planner.selectors import saved_plan_list


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.RUN_PLANNER):
        return []
    latest = saved_plan_list().first()
    figures: list[tuple[str, str]] = [(str(_("Saved plans")), str(saved_plan_list().count()))]
    if latest is not None:
        figures.append(
            (
                str(_("Reach of the latest plan")),
                number_format(latest.total_reach, force_grouping=True),
            )
        )
    return [
        DashboardCard(
            title=_("Channel planner"),
            body=_("Which channels reach your audience, at what cost, and why: from sourced data."),
            url_name="planner:plan",
            figures=list(figures),
            order=10,
        )
    ]
