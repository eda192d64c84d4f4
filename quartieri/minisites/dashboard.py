"""The mini-sites card on the home dashboard: live sites and the last build."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import DashboardCard
from quartieri.minisites.models import SiteBuild


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.VIEW_CONTENT):
        return []
    last = SiteBuild.objects.only("finished_at", "released").first()
    return [
        DashboardCard(
            title=_("Mini-sites"),
            body=_("The neighbourhoods' static sites, their feeds and posters."),
            url_name="minisites:index",
            figures=[
                (_("Live sites (last build)"), str(len(last.released)) if last else "0"),
                (
                    _("Last build"),
                    formats.date_format(last.finished_at, "SHORT_DATETIME_FORMAT") if last else "–",
                ),
            ],
            order=40,
        )
    ]
