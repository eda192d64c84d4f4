"""What notifications put in people's "To do" inbox (core/todo.py): mentions and comments
not yet read. Posts to review, sent back or failed have queues of their own there."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.core.todo import InboxEntry, InboxKind
from quartieri.notifications.messages import notification_sentence
from quartieri.notifications.models import Event, Notification
from quartieri.notifications.selectors import notifications_unread


class Conversations(InboxKind):
    slug = "mentions"
    title = gettext_lazy("Mentions and comments")
    action = gettext_lazy("Read what colleagues wrote on the posts you follow, and answer.")
    empty = gettext_lazy("No unread mention or comment.")
    # Those who draft or review are mentioned and commented to; an analyst only reads.
    capability = Capability.DRAFT_CONTENT
    order = 15

    def waiting(self, *, user: User) -> QuerySet[Any]:
        return notifications_unread(user=user, events=[Event.MENTION, Event.COMMENT])

    def entry(self, row: Notification) -> InboxEntry:
        return InboxEntry(
            title=notification_sentence(row),
            url=reverse("notifications:open", args=[row.pk]),
            detail=row.detail,
            at=row.created_at,
        )


KINDS: list[InboxKind] = [Conversations()]
