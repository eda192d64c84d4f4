"""Reads of the analytics app: what the daily pull works on, and the figures it stored."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from quartieri.analytics.models import PostMetric
from quartieri.channels.models import AccountState, ChannelAccount, PlatformCredential
from quartieri.channels.registry import platform_slugs
from quartieri.publishing.models import OutboxEntry


def insights_accounts() -> list[ChannelAccount]:
    """Accounts on platforms with a connector and a stored token, in a stable order."""
    return list(
        ChannelAccount.objects.filter(
            platform__in=platform_slugs(), credential__isnull=False
        ).order_by("platform", "handle", "pk")
    )


def insights_entries(*, account: ChannelAccount, since: datetime) -> list[OutboxEntry]:
    """The account's posts published since ``since`` whose id on the platform is known.

    A TikTok post published as private never gets a public id (docs/publishing.md) and so
    has no figures to read.
    """
    return list(
        OutboxEntry.objects.filter(
            account=account, state=OutboxEntry.State.PUBLISHED, published_at__gte=since
        )
        .exclude(platform_post_id="")
        .select_related("account")
        .order_by("published_at", "pk")
    )


def account_skip_reason(*, account: ChannelAccount, now: datetime) -> tuple[str, datetime | None]:
    """Why the pull must leave this account alone: ("paused", until), ("reconnect", None),
    or ("", None) when it may read. The state is the outbox's (publishing.AccountState):
    a rate limit or a dead token concerns every call made with the account's token."""
    state = AccountState.objects.filter(account=account).first()
    if state is None:
        return "", None
    if state.reconnect_needed:
        status = (
            PlatformCredential.objects.filter(account=account)
            .values_list("status", flat=True)
            .first()
        )
        # A person who has connected the account again since has lifted the block.
        if status != PlatformCredential.Status.OK:
            return "reconnect", None
    if state.paused_until is not None and state.paused_until > now:
        return "paused", state.paused_until
    return "", None


def post_metrics(*, entry_id: int) -> QuerySet[PostMetric]:
    return PostMetric.objects.filter(entry_id=entry_id).order_by("metric", "day")
