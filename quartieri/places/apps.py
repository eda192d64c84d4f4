from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class PlacesConfig(AppConfig):
    name = "quartieri.places"
    label = "places"
    verbose_name = _("Places, tours and playlists")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(_("Map"), "places:map", Capability.VIEW_PLACES, order=20, group=NavGroup.PLAN),
            NavItem(
                _("Tours"),
                "places:tour_list",
                Capability.VIEW_PLACES,
                order=21,
                group=NavGroup.PRODUCE,
            ),
            NavItem(
                _("Playlists"),
                "places:playlist_list",
                Capability.VIEW_PLACES,
                order=22,
                group=NavGroup.PRODUCE,
            ),
        ]
