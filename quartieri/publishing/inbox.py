"""What the outbox puts in people's "To do" inbox (core/todo.py): posts that failed or
whose fate is unknown, and channel accounts that need connecting again."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability, Role
from quartieri.channels.models import AccountState
from quartieri.channels.selectors import Duty, accounts_allowing
from quartieri.core.todo import InboxEntry, InboxKind
from quartieri.publishing.models import OutboxEntry

State = OutboxEntry.State


class PostsInTrouble(InboxKind):
    slug = "posts-in-trouble"
    title = gettext_lazy("Posts that failed or are not confirmed")
    action = gettext_lazy(
        "Open each one: retry a failed post, or let quartieri check whether an unconfirmed "
        "one went out."
    )
    empty = gettext_lazy("Every post on your accounts went out or is on its way.")
    capability = Capability.DRAFT_CONTENT
    order = 40

    def waiting(self, *, user: User) -> QuerySet[Any]:
        return (
            OutboxEntry.objects.filter(
                state__in=(State.FAILED, State.UNCONFIRMED),
                account__in=accounts_allowing(user=user, duty=Duty.PUBLISH),
            )
            .select_related("account", "variant__content_item")
            .order_by("due_at", "pk")
        )

    def entry(self, row: OutboxEntry) -> InboxEntry:
        return InboxEntry(
            title=f"{row.variant.content_item} → {row.account}",
            url=reverse("publishing:outbox_entry", args=[row.pk]),
            detail=f"{row.get_state_display()}: {Truncator(row.last_error).chars(160)}"
            if row.last_error
            else str(row.get_state_display()),
            at=row.due_at,
        )


class AccountsToReconnect(InboxKind):
    slug = "accounts-to-reconnect"
    title = gettext_lazy("Accounts to connect again")
    action = gettext_lazy(
        "The platform no longer accepts quartieri's access: connect the account again, "
        "or its posts wait."
    )
    empty = gettext_lazy("Every account you publish on is connected.")
    capability = Capability.DRAFT_CONTENT
    order = 45

    def waiting(self, *, user: User) -> QuerySet[Any]:
        states = AccountState.objects.filter(reconnect_needed=True).select_related("account")
        if user.role != Role.ADMIN:  # administrators may connect any account (oauth.py)
            states = states.filter(account__in=accounts_allowing(user=user, duty=Duty.PUBLISH))
        return states.order_by("account__platform", "account__handle")

    def entry(self, row: AccountState) -> InboxEntry:
        return InboxEntry(
            title=str(row.account),
            url=reverse("publishing:connect_account", args=[row.account_id]),
            detail=Truncator(row.last_error).chars(160),
            at=row.updated_at,
        )


KINDS: list[InboxKind] = [PostsInTrouble(), AccountsToReconnect()]
