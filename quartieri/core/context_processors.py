from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import NavItem, navigation_items


def navigation(request: HttpRequest) -> dict[str, object]:
    visible: list[NavItem] = [
        item for item in navigation_items() if user_can(request.user, item.capability)
    ]
    return {"main_navigation": visible, "public_url": settings.PUBLIC_URL}
