"""Who hears about a variant's review: "to review", "sent back", "published", "failed".

``services._move`` (every status change) calls ``variant_transition_notify`` in the change's
transaction; the outbox calls ``variant_failed_notify`` when a post fails. Recipients are
the people the workflow involves, never the person who acted:

- to review (submitted, or edited after approval): whoever may approve it now (the
  ``can_approve`` grant on its account and not its author or last editor; on a personal
  account its owner);
- sent back (rejected): its author and last editor, with the reviewer's comment;
- published: its author, last editor and the person who approved it;
- failed: its author, last editor and the person who scheduled it, with the reason.

Once a variant leaves review (approved or sent back), its "to review" notifications are
settled: nobody needs to act on them any more.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from quartieri.accounts.models import User
from quartieri.campaigns.models import Transition, Variant
from quartieri.channels.models import AccountGrant
from quartieri.channels.selectors import Duty, account_allows
from quartieri.notifications.models import Event
from quartieri.notifications.services import notification_send, notifications_settle

Status = Variant.Status


def variant_topic(variant_id: int) -> str:
    return f"campaigns.variant:{variant_id}"


def variant_review_url(variant_id: int) -> str:
    return reverse("campaigns:variant_review", args=[variant_id])


def variant_reviewers(variant: Variant) -> list[User]:
    """The people who may approve ``variant`` as it stands (four eyes applied)."""
    account = variant.account
    if account.is_personal:
        owner = [account.owner] if account.owner else []
        return [u for u in owner if not account_allows(user=u, account=account, duty=Duty.APPROVE)]
    # The grants are read with their people, so the one permission check needs no query more.
    grants = (
        AccountGrant.objects.filter(account=account, can_approve=True, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    wrote_it = {variant.drafted_by_id, variant.last_edited_by_id}
    return [
        grant.user
        for grant in grants
        if grant.user_id not in wrote_it
        and not account_allows(
            user=grant.user, account=account, duty=Duty.APPROVE, grants={account.pk: grant}
        )
    ]


def _authors(variant: Variant) -> list[User | None]:
    return [variant.drafted_by, variant.last_edited_by]


def _last_actor(variant: Variant, action: str) -> User | None:
    step = (
        Transition.objects.filter(variant=variant, action=action)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    return step.actor if step else None


def _send(
    variant: Variant,
    event: Event,
    recipients: Iterable[User | None],
    *,
    actor: User | None,
    detail: str = "",
) -> None:
    notification_send(
        recipients=recipients,
        event=event,
        subject=str(variant),
        url=variant_review_url(variant.pk),
        actor=actor,
        detail=detail,
        topic=variant_topic(variant.pk),
    )


def variant_transition_notify(
    *, variant: Variant, action: str, actor: User | None, comment: str = ""
) -> None:
    """Notify whom a status change concerns (called inside the change's transaction)."""
    topic = variant_topic(variant.pk)
    if variant.status == Status.IN_REVIEW and action in ("submit", "edit"):
        _send(variant, Event.TO_REVIEW, variant_reviewers(variant), actor=actor)
    elif action in ("approve", "reject"):
        notifications_settle(topic=topic, events=[Event.TO_REVIEW])
        if action == "reject":
            _send(variant, Event.REJECTED, _authors(variant), actor=actor, detail=comment)
    elif action == "publish":
        notifications_settle(topic=topic, events=[Event.FAILED])
        recipients = [*_authors(variant), _last_actor(variant, "approve")]
        _send(variant, Event.PUBLISHED, recipients, actor=actor, detail=comment)


def variant_failed_notify(*, variant_id: int, reason: str) -> None:
    """A post could not be published (the outbox gave up): tell whom it concerns."""
    variant = Variant.objects.select_related(
        "content_item", "account", "drafted_by", "last_edited_by"
    ).get(pk=variant_id)
    recipients = [*_authors(variant), _last_actor(variant, "schedule")]
    _send(variant, Event.FAILED, recipients, actor=None, detail=reason)
