"""What the city screens put in people's "To do" inbox (core/todo.py): displays that have
not reported recently (off, offline, or never started), as the dashboard counts them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.core.todo import InboxEntry, InboxKind
from quartieri.screens.models import Display


class DisplaysNotSeen(InboxKind):
    slug = "displays-not-seen"
    title = gettext_lazy("Screens not seen recently")
    action = gettext_lazy(
        "Check that each screen is on and online, or open its player on the screen."
    )
    empty = gettext_lazy("Every screen reported recently.")
    capability = Capability.MANAGE_SCREENS
    order = 60

    def waiting(self, *, user: User) -> QuerySet[Any]:
        stale = timezone.now() - dt.timedelta(minutes=settings.SCREENS_STALE_MINUTES)
        return (
            Display.objects.filter(active=True)
            .exclude(last_seen_at__gte=stale)
            .order_by("last_seen_at", "name")
        )

    def entry(self, row: Display) -> InboxEntry:
        return InboxEntry(
            title=row.name,
            url=reverse("screens:display_detail", args=[row.pk]),
            detail=_("Never seen") if row.last_seen_at is None else _("Last seen"),
            at=row.last_seen_at,
        )


KINDS: list[InboxKind] = [DisplaysNotSeen()]
