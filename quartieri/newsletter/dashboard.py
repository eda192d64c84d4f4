"""The newsletter's card on the home dashboard: subscribers and the latest issue."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import DashboardCard
from quartieri.newsletter.models import Issue, Subscriber


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.VIEW_CONTENT):
        return []
    latest = Issue.objects.order_by("-date", "-pk").first()
    return [
        DashboardCard(
            title=_("Newsletter"),
            body=_("Latest issue: %(issue)s, %(status)s.")
            % {"issue": latest, "status": latest.get_status_display()}
            if latest
            else _("No issue yet."),
            url_name="newsletter:issue_list",
            figures=[
                (
                    _("Confirmed subscribers"),
                    str(Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).count()),
                )
            ],
            order=40,
        )
    ]
