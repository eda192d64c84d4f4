from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class PublishingConfig(AppConfig):
    name = "quartieri.publishing"
    label = "publishing"
    verbose_name = _("Publishing")
    # Run by `quartieri serve` in a sandbox: the platforms' fakes (docs/publishing.md).
    sandbox_commands = [["sandbox"]]

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        items = [
            NavItem(
                _("Outbox"),
                "publishing:outbox",
                Capability.VIEW_CONTENT,
                order=31,
                group=NavGroup.PUBLISH,
            ),
            NavItem(
                _("Account health"),
                "publishing:account_health",
                Capability.VIEW_CONTENT,
                order=37,
                group=NavGroup.PUBLISH,
            ),
        ]
        if settings.SANDBOX:
            items.append(
                NavItem(
                    _("Sandbox"),
                    "publishing:sandbox",
                    Capability.VIEW_CONTENT,
                    order=38,
                    group=NavGroup.PUBLISH,
                )
            )
        return items
