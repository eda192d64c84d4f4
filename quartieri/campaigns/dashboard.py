"""The campaigns card on the home dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import npgettext

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.campaigns.models import Variant
from quartieri.core.navigation import DashboardCard


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.VIEW_CONTENT):
        return []
    in_review = Variant.objects.filter(status=Variant.Status.IN_REVIEW).count()
    scheduled = Variant.objects.filter(status=Variant.Status.SCHEDULED).count()
    return [
        DashboardCard(
            title=_("Campaigns"),
            body=_("Posts per channel account, their review and their schedule."),
            url_name="campaigns:campaign_list",
            figures=[
                (_("In review"), str(in_review)),
                # "Programmato: 1", "Programmati: 3": the label agrees with the figure.
                (npgettext("posts count", "Scheduled", "Scheduled", scheduled), str(scheduled)),
            ],
            order=30,
        )
    ]
