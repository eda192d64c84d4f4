from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from quartieri.core.navigation import NavGroup, NavItem


class NewsletterConfig(AppConfig):
    name = "quartieri.newsletter"
    label = "newsletter"
    verbose_name = _("Newsletter")
    # Processes `quartieri serve` starts beside the web server on a sandbox platform: the
    # local SMTP sink whose messages the Mailbox page shows (docs/newsletter.md, Demo).
    sandbox_commands = [["newsletter", "sink"]]

    @property
    def navigation(self) -> list[NavItem]:
        from quartieri.accounts.roles import Capability

        items = [
            NavItem(
                _("Newsletter"),
                "newsletter:issue_list",
                Capability.VIEW_CONTENT,
                order=34,
                group=NavGroup.PUBLISH,
            ),
            NavItem(
                _("Subscribers"),
                "newsletter:subscriber_list",
                Capability.MANAGE_SUBSCRIBERS,
                order=35,
                group=NavGroup.PUBLISH,
            ),
        ]
        if settings.SANDBOX:
            items.append(
                NavItem(
                    _("Mailbox"),
                    "newsletter:mailbox",
                    Capability.VIEW_CONTENT,
                    order=39,
                    group=NavGroup.PUBLISH,
                )
            )
        return items

    def ready(self) -> None:
        # Provider webhooks (django-anymail) report bounces and complaints through its signal.
        from quartieri.newsletter import webhooks  # noqa: F401
