"""The publishing card on the home dashboard: what is going out and what needs a person."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from quartieri.accounts.roles import Capability
from quartieri.accounts.selectors import user_can
from quartieri.core.navigation import DashboardCard
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.selectors import account_attention_count, outbox_counts

State = OutboxEntry.State


def cards(request: HttpRequest) -> list[DashboardCard]:
    if not user_can(request.user, Capability.VIEW_CONTENT):
        return []
    counts = outbox_counts()
    waiting = sum(
        counts.get(state, 0) for state in (State.SCHEDULED, State.SUBMITTING, State.SUBMITTED)
    )
    attention = counts.get(State.FAILED, 0) + counts.get(State.UNCONFIRMED, 0)
    return [
        DashboardCard(
            title=_("Publishing"),
            body=_("Posts going out to TikTok, Instagram and Facebook, and what needs a person."),
            url_name="publishing:outbox",
            figures=[
                (_("On their way"), str(waiting)),
                # A count of posts, not the feminine status of one variant ("Pubblicata").
                (pgettext_lazy("posts count", "Published"), str(counts.get(State.PUBLISHED, 0))),
                (_("Need attention"), str(attention)),
                (_("Accounts to reconnect"), str(account_attention_count())),
            ],
            order=32,
        )
    ]
