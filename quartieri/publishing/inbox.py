"""What the outbox puts in people's "To do" inbox (core/todo.py): posts that failed or
whose fate is unknown, and channel accounts that need connecting again."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, QuerySet, Value, When
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import User
from quartieri.accounts.roles import Capability, Role
from quartieri.channels.models import AccountState
from quartieri.channels.selectors import Duty, accounts_allowing
from quartieri.core.todo import InboxAction, InboxEntry, InboxKind
from quartieri.publishing.models import OutboxEntry

State = OutboxEntry.State


class PostsInTrouble(InboxKind):
    slug = "posts-in-trouble"
    title = gettext_lazy("Posts that failed")
    action = gettext_lazy("Open each one, do what its message says, then send it again.")
    empty = gettext_lazy("No post on your accounts failed.")
    capability = Capability.DRAFT_CONTENT
    order = 40
    states: tuple[str, ...] = (State.FAILED,)

    def waiting(self, *, user: User) -> QuerySet[Any]:
        return (
            OutboxEntry.objects.filter(
                state__in=self.states,
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
            actions=self.actions(row),
        )

    def actions(self, row: OutboxEntry) -> tuple[InboxAction, ...]:
        return ()


class PostsUnconfirmed(PostsInTrouble):
    """Posts the platform did not confirm: quartieri checks them, and where its listing
    cannot show them (their message says why and where to look) a person settles them."""

    slug = "posts-unconfirmed"
    title = gettext_lazy("Posts not confirmed by the platform")
    action = gettext_lazy(
        "Quartieri checks whether each one went out. Where it cannot tell, look on the "
        "account as its message says, then say whether the post is there."
    )
    empty = gettext_lazy("Every post on your accounts is confirmed or on its way.")
    order = 41
    states = (State.UNCONFIRMED,)

    def waiting(self, *, user: User) -> QuerySet[Any]:
        # Whether the person may settle each post, in the same query (outbox_settle_refusal).
        settlers = accounts_allowing(user=user, duty=Duty.APPROVE)
        may_settle = Case(When(account__in=settlers, then=Value(True)), default=Value(False))
        rows: QuerySet[Any] = super().waiting(user=user).annotate(may_settle=may_settle)
        return rows

    def actions(self, row: OutboxEntry) -> tuple[InboxAction, ...]:
        if not getattr(row, "may_settle", False):
            return ()
        return (
            InboxAction(
                gettext_lazy("It is there…"), reverse("publishing:settle_found", args=[row.pk])
            ),
            InboxAction(
                gettext_lazy("It is missing, send again…"),
                reverse("publishing:settle_missing", args=[row.pk]),
            ),
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


KINDS: list[InboxKind] = [PostsInTrouble(), PostsUnconfirmed(), AccountsToReconnect()]
