"""The city screens card on the home dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import DashboardCard
from quartieri.screens import selectors
from quartieri.screens.models import Display


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.VIEW_CONTENT):
        return []
    return [
        DashboardCard(
            title=_("City screens"),
            body=_("Displays in public places play the campaign's slides and report each play."),
            url_name="screens:display_list",
            figures=[
                (_("Displays"), str(Display.objects.filter(active=True).count())),
                (
                    _("Not seen recently"),
                    str(selectors.displays_needing_attention(now=timezone.now())),
                ),
            ],
            order=40,
        )
    ]
