"""What the posters put in people's "To do" inbox (core/todo.py): poster posts whose print
files could not be made, so they are not released (``models.PrintFailure``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.core.todo import InboxEntry, InboxKind
from quartieri.posters.models import PrintFailure
from quartieri.posters.selectors import print_failures


class PostersNotPrinted(InboxKind):
    slug = "posters-not-printed"
    title = gettext_lazy("Posters that could not be printed")
    action = gettext_lazy(
        "Open the poster: fix what the error names, then try again (or change its design)."
    )
    empty = gettext_lazy("Every poster whose time has come was printed.")
    capability = Capability.DRAFT_CONTENT
    order = 42

    def waiting(self, *, user: User) -> QuerySet[Any]:
        return print_failures(user=user)

    def entry(self, row: PrintFailure) -> InboxEntry:
        item = row.variant.content_item
        area = item.neighbourhood  # scheduling refuses a poster post about none
        url = (
            reverse("posters:design", args=[item.campaign.slug, area.slug])
            if area
            else reverse("posters:index")
        )
        return InboxEntry(
            title=str(item),
            url=url,
            detail=_("Attempt %(n)s: %(error)s")
            % {"n": row.attempts, "error": Truncator(row.error).chars(160)},
            at=row.failed_at,
        )


KINDS: list[InboxKind] = [PostersNotPrinted()]
