"""Reads of the publishing app: credentials, the outbox pages and the accounts' health."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quartieri.accounts.models import AuditEvent, User
from quartieri.channels.models import AccountGrant, AccountState, ChannelAccount, PlatformCredential
from quartieri.channels.registry import kind_for, platform_slugs
from quartieri.channels.selectors import (
    Duty,
    account_allows,
    credentials_by_account,
    user_grants,
)
from quartieri.publishing.models import OutboxEntry
from quartieri.publishing.sweep import NEXT_TASKS, sweep_grace

State = OutboxEntry.State


# --- The outbox pages ---------------------------------------------------------------------------
# The state filter's extra value: scheduled posts whose time has passed (``late_cutoff``).
LATE = "late"


def late_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    """A scheduled post due before this is late. The same wait as the outbox sweep's: from
    then on a post whose task was lost gets a new one at the next sweep, so a post that stays
    late is held up by a long queue or by no worker running."""
    return (now or timezone.now()) - sweep_grace()


def late(*, cutoff: dt.datetime) -> Q:
    return Q(state=State.SCHEDULED, due_at__lt=cutoff)


def entry_late(entry: OutboxEntry, *, cutoff: dt.datetime) -> bool:
    """``late`` for an entry already loaded."""
    return entry.state == State.SCHEDULED and entry.due_at < cutoff


# States in which a post waits for a worker to move it on.
WAITING_STATES = tuple(NEXT_TASKS)


@dataclass(frozen=True)
class OutboxProgress:
    waiting: int  # posts a worker has still to move on
    late: int  # of which scheduled and past their time (late_cutoff)


def outbox_progress(*, now: dt.datetime | None = None) -> OutboxProgress:
    """How many posts wait for a worker, and how many of them are late (one query)."""
    counts = OutboxEntry.objects.filter(state__in=WAITING_STATES).aggregate(
        waiting=Count("pk"), late=Count("pk", filter=late(cutoff=late_cutoff(now=now)))
    )
    return OutboxProgress(waiting=counts["waiting"], late=counts["late"])


def outbox_list() -> QuerySet[OutboxEntry]:
    """Outbox entries with their variant, campaign and account: a fixed number of queries
    however many rows a page shows (``publishing.filters.OutboxFilterSet`` narrows it).
    Latest due first."""
    return OutboxEntry.objects.select_related(
        "variant__content_item__campaign", "variant__account", "account"
    ).order_by("-due_at", "-pk")


def outbox_recovery_refusal(
    *, user: User, entry: OutboxEntry, grants: dict[int, AccountGrant] | None = None
) -> str:
    """Empty when ``user`` may retry or reconcile ``entry``, else why not.

    The people who may publish on the entry's account may also recover its posts: the
    campaigns rule for publishing (role, ``can_publish`` grant, a personal account's owner
    only), asked of ``campaigns.selectors.account_allows`` rather than written again.
    """
    return account_allows(user=user, account=entry.account, duty=Duty.PUBLISH, grants=grants)


def outbox_settle_refusal(
    *, user: User, entry: OutboxEntry, grants: dict[int, AccountGrant] | None = None
) -> str:
    """Empty when ``user`` may settle an unconfirmed ``entry`` on their own word ("it is
    there" / "it is missing, send again"), else why not: an approver of the account who may
    also publish on it (both grants; a personal account: its owner only). Stricter than
    retry: sending a post that is in fact there publishes it twice."""
    if grants is None:
        grants = user_grants(user=user)  # read once for both duties
    return account_allows(
        user=user, account=entry.account, duty=Duty.APPROVE, grants=grants
    ) or account_allows(user=user, account=entry.account, duty=Duty.PUBLISH, grants=grants)


# What a person may do on an entry in each state. Only ``failed`` is retried: the platform
# refused the post or was never reached, so a new submit cannot make a second copy. An
# ``unconfirmed`` post may exist on the platform: it is only ever checked (reconciled).
RECOVERY_ACTIONS = {State.FAILED: "retry", State.UNCONFIRMED: "reconcile"}


def outbox_entry_action(
    *, user: User, entry: OutboxEntry, grants: dict[int, AccountGrant] | None = None
) -> str:
    """The recovery button ``user`` may press on ``entry`` now ("" for none): a hint for
    the page; the services check again."""
    action = RECOVERY_ACTIONS.get(State(entry.state), "")
    if not action or outbox_recovery_refusal(user=user, entry=entry, grants=grants):
        return ""
    return action


@dataclass(frozen=True)
class HistoryStep:
    at: dt.datetime
    what: str
    who: str
    note: str = ""


_AUDITED = {
    "publishing.outbox.retry": gettext_lazy("Sent again (retry) by a person"),
    "publishing.outbox.reconcile": gettext_lazy("Check on the platform asked by a person"),
    "publishing.outbox.settle_found": gettext_lazy("Found on the platform by a person"),
    "publishing.outbox.settle_missing": gettext_lazy(
        "Not found on the platform by a person, sent again"
    ),
}


def outbox_entry_history(*, entry: OutboxEntry) -> list[HistoryStep]:
    """What happened to the post, oldest first: its workflow steps, the people who retried
    or reconciled it, and the outbox's own times (three queries)."""
    system = _("system")
    steps = [HistoryStep(entry.created_at, _("Put in the outbox"), system)]
    for step in entry.variant.transitions.select_related("actor"):
        who = step.actor.get_username() if step.actor else system
        steps.append(HistoryStep(step.at, step.get_to_status_display(), who, step.comment))
    events = AuditEvent.objects.filter(
        target_type=OutboxEntry._meta.label_lower, target_id=str(entry.pk)
    )
    for event in events:
        steps.append(
            HistoryStep(event.at, str(_AUDITED.get(event.action, event.action)), event.actor_label)
        )
    if entry.sent_at:
        steps.append(HistoryStep(entry.sent_at, _("Last sent to the platform"), system))
    if entry.published_at:
        steps.append(HistoryStep(entry.published_at, _("Confirmed published"), system))
    return sorted(steps, key=lambda step: step.at)


def outbox_counts() -> dict[str, int]:
    """How many entries are in each state (one query), for the dashboard card."""
    rows = OutboxEntry.objects.values("state").annotate(count=Count("pk")).order_by()
    return {row["state"]: row["count"] for row in rows}


def variant_outbox_entry(*, variant_id: int) -> OutboxEntry | None:
    return OutboxEntry.objects.filter(variant_id=variant_id).order_by("-pk").first()


# --- Account health ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Quota:
    used: int  # posts quartieri published on the account in the last 24 hours
    note: str | Promise
    read_live: bool = False  # the connector reads the platform's own count (Instagram)
    # The platform's count as last read (AccountState.quota_*); read_at None: never read.
    platform_used: int | None = None
    platform_total: int | None = None
    read_at: dt.datetime | None = None

    @property
    def platform_left(self) -> int | None:
        if self.platform_used is None or self.platform_total is None:
            return None
        return max(self.platform_total - self.platform_used, 0)


@dataclass(frozen=True)
class AccountHealth:
    account: ChannelAccount
    credential: PlatformCredential | None
    state: AccountState | None
    quota: Quota
    now: dt.datetime

    @property
    def connection(self) -> str:
        """``connected``, ``reconnect_needed`` or ``not_connected``.

        The outbox flags the credential when a refresh fails; a person reconnecting
        stores a fresh one (status ``ok``), and publishing resumes at the next post.
        """
        if self.credential is None:
            return "not_connected"
        if self.credential.status == PlatformCredential.Status.RECONNECT_NEEDED:
            return "reconnect_needed"
        return "connected"

    @property
    def paused_until(self) -> dt.datetime | None:
        until = self.state.paused_until if self.state else None
        return until if until is not None and until > self.now else None

    @property
    def token_expired(self) -> bool:
        expires = self.credential.expires_at if self.credential else None
        return expires is not None and expires <= self.now

    @property
    def refresh_expired(self) -> bool:
        expires = self.credential.refresh_expires_at if self.credential else None
        return expires is not None and expires <= self.now


def account_health_list(*, now: dt.datetime | None = None) -> list[AccountHealth]:
    """Every channel account the outbox publishes to, with what may stop it (3 queries).

    Nothing here calls a platform: tokens' expiry is what the platform said when they were
    stored, pauses are what the outbox recorded, Instagram's quota is its own count as the
    connector last read it (AccountState, joined), and the other figure counts our posts.
    """
    now = now or timezone.now()
    accounts = list(
        ChannelAccount.objects.filter(platform__in=platform_slugs())
        .select_related("publishing_state")
        .order_by("platform", "handle")
    )
    credentials = credentials_by_account(accounts=accounts)
    published = _published_last_day(now=now)
    healths = []
    for account in accounts:
        state = _state_of(account)
        healths.append(
            AccountHealth(
                account=account,
                credential=credentials.get(account.pk),
                state=state,
                quota=_quota(account.platform, published.get(account.pk, 0), state),
                now=now,
            )
        )
    return healths


def _state_of(account: ChannelAccount) -> AccountState | None:
    try:
        return account.publishing_state
    except AccountState.DoesNotExist:
        return None


def _published_last_day(*, now: dt.datetime) -> dict[int, int]:
    rows = (
        OutboxEntry.objects.filter(
            state=State.PUBLISHED, published_at__gt=now - dt.timedelta(hours=24)
        )
        .values("account_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["account_id"]: row["count"] for row in rows}


def quota_notes() -> list[tuple[str, str | Promise]]:
    """Each platform's documented daily limit, in words for the health page (its kind's
    ``quota``), by label."""
    return [(str(kind_for(slug).label), kind_for(slug).quota.note) for slug in platform_slugs()]


def _quota(platform: str, used: int, state: AccountState | None) -> Quota:
    quota = kind_for(platform).quota
    note = quota.note
    if not quota.read_live:
        return Quota(used=used, note=note)
    return Quota(
        used=used,
        note=note,
        read_live=True,
        platform_used=state.quota_usage if state else None,
        platform_total=state.quota_total if state else None,
        read_at=state.quota_read_at if state else None,
    )


def account_attention_count() -> int:
    """Accounts waiting for a person to reconnect them (one query)."""
    return AccountState.objects.filter(reconnect_needed=True).count()
