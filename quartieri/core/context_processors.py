from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import NavItem, menu_groups, navigation_items
from quartieri.core.todo import InboxSummary


def navigation(request: HttpRequest) -> dict[str, object]:
    visible: list[NavItem] = [
        item for item in navigation_items() if user_can(request.user, item.capability)
    ]
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    return {
        "menu_groups": menu_groups(visible, view_name=view_name),
        # Counted only if the page's menu reads it (not for fragments or anonymous pages).
        "inbox": InboxSummary(request.user),
        "public_url": settings.PUBLIC_URL,
    }
