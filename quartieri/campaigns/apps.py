from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class CampaignsConfig(AppConfig):
    name = "quartieri.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        return [
            NavItem(
                _("Campaigns"),
                "campaigns:campaign_list",
                Capability.VIEW_CONTENT,
                order=19,
                group=NavGroup.PRODUCE,
            ),
            NavItem(
                _("Editorial calendar"),
                "campaigns:calendar",
                Capability.VIEW_CONTENT,
                order=30,
                group=NavGroup.PUBLISH,
            ),
            NavItem(_("Review"), "campaigns:review_queue", Capability.DRAFT_CONTENT, order=32),
        ]
