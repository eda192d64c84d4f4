"""The places card on the home dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import DashboardCard
from quartieri.places.models import Neighbourhood, Playlist, PointOfInterest, Tour


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.VIEW_PLACES):
        return []
    return [
        DashboardCard(
            title=_("Places"),
            body=_("Neighbourhoods, points of interest, walking tours and playlists."),
            url_name="places:map",
            figures=[
                (_("Neighbourhoods"), str(Neighbourhood.objects.count())),
                (_("Places"), str(PointOfInterest.objects.count())),
                (
                    _("Places needing a location"),
                    str(PointOfInterest.objects.filter(lat__isnull=True).count()),
                ),
                (_("Tours"), str(Tour.objects.count())),
                (_("Playlists"), str(Playlist.objects.count())),
            ],
            order=20,
        )
    ]
