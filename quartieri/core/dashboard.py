"""The platform's own card on the home dashboard: are the workers running?"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import DashboardCard
from quartieri.core.selectors import health_check


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.VIEW_SYSTEM):
        return []
    health = health_check()
    return [
        DashboardCard(
            title=_("Platform"),
            body=_("Background workers publish, send and collect figures on schedule.")
            if health.ok
            else _("No task worker is running: scheduled work waits. Start 'quartieri worker'."),
            figures=[(_("Workers alive"), str(health.workers_alive))],
            order=99,
        )
    ]
