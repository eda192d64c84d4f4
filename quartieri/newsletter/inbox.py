"""What the newsletter puts in people's "To do" inbox (core/todo.py): issues that wait
for someone's approval before they can be sent."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability
from quartieri.channels.registry import Platform
from quartieri.channels.selectors import Duty, accounts_allowing
from quartieri.core.todo import InboxEntry, InboxKind
from quartieri.newsletter.models import Issue


class IssuesToApprove(InboxKind):
    slug = "issues-to-approve"
    title = gettext_lazy("Newsletter issues to approve")
    action = gettext_lazy("Read the issue in both languages, then approve it or send it back.")
    empty = gettext_lazy("No newsletter issue waits for your approval.")
    capability = Capability.APPROVE_CONTENT
    order = 16

    def waiting(self, *, user: User) -> QuerySet[Any]:
        # A list is its newsletter channel account (kind.py): approving follows its grants,
        # and four eyes keeps whoever composed or edited the issue from approving it.
        accounts = accounts_allowing(user=user, duty=Duty.APPROVE).filter(
            platform=Platform.NEWSLETTER
        )
        return (
            Issue.objects.filter(
                status=Issue.Status.IN_REVIEW,
                newsletter_list__account__in=accounts,
            )
            .exclude(Q(composed_by=user) | Q(last_edited_by=user))
            .select_related("newsletter_list")
            .order_by("date", "pk")
        )

    def entry(self, row: Issue) -> InboxEntry:
        return InboxEntry(
            title=str(row),
            url=reverse("newsletter:issue_detail", args=[row.pk]),
            detail=_("Subject: %(subject)s") % {"subject": row.subject_it},
        )


KINDS: list[InboxKind] = [IssuesToApprove()]
