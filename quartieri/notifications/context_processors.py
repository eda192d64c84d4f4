from __future__ import annotations

from django.http import HttpRequest

from quartieri.accounts.models import User
from quartieri.notifications.selectors import notification_unread_count


def bell(request: HttpRequest) -> dict[str, object]:
    """The unread count the header's bell shows (one query per page, signed-in only)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    return {"notifications_unread": notification_unread_count(user=user)}
