"""Writes about subscribers: subscribe, confirm, unsubscribe, suppress, erase.

Every opt-in and opt-out writes a ConsentRecord in the same transaction as the change, with
the wording shown and where it happened. A suppressed address (hard bounce, complaint,
erasure) is kept as a hash only and is never mailed again: the form and imports check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from quartieri.accounts.models import User
from quartieri.accounts.services import audit_record
from quartieri.newsletter.models import (
    BounceEvent,
    ConsentRecord,
    ConsentWording,
    Delivery,
    NewsletterList,
    RateWindow,
    Subscriber,
    Subscription,
    Suppression,
)
from quartieri.newsletter.tokens import email_hashes

Action = ConsentRecord.Action


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email_hash__in=email_hashes(email)).exists()


RATE_SWAP_ATTEMPTS = 8


def rate_take(*, key: str, window: int, cap: int, want: int = 1) -> int:
    """Take up to ``want`` of ``cap`` in the counter (key, window); returns how many.

    Shared by every process through the database: what is left is read, then taken by a
    compare-and-swap on the count (the UPDATE matches only if nobody took any meanwhile),
    so two processes never both take the last slots; a lost swap reads again.
    """
    if cap <= 0:
        return want
    row, _created = RateWindow.objects.get_or_create(key=key, window=window)
    counter = RateWindow.objects.filter(key=key, window=window)
    used = row.count
    for _attempt in range(RATE_SWAP_ATTEMPTS):
        take = min(want, cap - used)
        if take <= 0:
            return 0
        if counter.filter(count=used).update(count=F("count") + take):
            return take
        used = counter.values_list("count", flat=True).first() or 0
    return 0  # contended all along: this second's slots go to the others


@transaction.atomic
def wording_publish(
    *, actor: User | None, newsletter_list: NewsletterList, language: str, text: str
) -> ConsentWording:
    """A new version of the consent text; older versions stay, as records point to them."""
    last = newsletter_list.wordings.filter(language=language).order_by("-version").first()
    wording = ConsentWording.objects.create(
        newsletter_list=newsletter_list,
        language=language,
        version=(last.version + 1) if last else 1,
        text=text.strip(),
    )
    audit_record(
        actor=actor,
        action="newsletter.wording.publish",
        target=wording,
        after={"language": language, "version": wording.version, "text": wording.text},
    )
    return wording


class SubscribeOutcome(StrEnum):
    CONFIRMATION_SENT = "confirmation_sent"
    ALREADY_CONFIRMED = "already_confirmed"
    SUPPRESSED = "suppressed"  # answered like the others: the page never tells


@dataclass(frozen=True)
class SubscribeRequest:
    email: str  # normalised
    newsletter_list: NewsletterList
    language: str
    interests: list[str]
    wording: ConsentWording
    source: str
    name: str = ""


def _enqueue_confirmation(subscription_id: int) -> None:
    from quartieri.newsletter.tasks import send_confirmation

    transaction.on_commit(partial(send_confirmation.enqueue, subscription_id=subscription_id))


@transaction.atomic
def subscriber_subscribe(*, request: SubscribeRequest) -> SubscribeOutcome:
    """Record the request and mail a confirmation link (double opt-in)."""
    if is_suppressed(request.email):
        return SubscribeOutcome.SUPPRESSED
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        email=request.email,
        defaults={
            "language": request.language,
            "interests": request.interests,
            "name": request.name,
        },
    )
    if subscriber.status in {Subscriber.Status.BOUNCED, Subscriber.Status.COMPLAINED}:
        return SubscribeOutcome.SUPPRESSED
    subscription, _created = Subscription.objects.get_or_create(
        subscriber=subscriber, newsletter_list=request.newsletter_list
    )
    if subscription.status == Subscription.Status.CONFIRMED:
        return SubscribeOutcome.ALREADY_CONFIRMED
    if not created:
        # A new request speaks for the person now: their language and interests.
        subscriber.language, subscriber.interests = request.language, request.interests
        subscriber.save(update_fields=["language", "interests", "updated_at"])
    if subscription.status != Subscription.Status.PENDING:
        subscription.status = Subscription.Status.PENDING
        subscription.save(update_fields=["status"])
    ConsentRecord.objects.create(
        subscriber=subscriber,
        newsletter_list=request.newsletter_list,
        action=Action.REQUESTED,
        at=timezone.now(),
        source=request.source[:200],
        wording=request.wording,
    )
    _enqueue_confirmation(subscription.pk)
    return SubscribeOutcome.CONFIRMATION_SENT


def _refresh_status(subscriber: Subscriber) -> None:
    """A person is confirmed while any of their subscriptions is, else unsubscribed."""
    if subscriber.status in {Subscriber.Status.BOUNCED, Subscriber.Status.COMPLAINED}:
        return
    statuses = set(subscriber.subscriptions.values_list("status", flat=True))
    if Subscription.Status.CONFIRMED in statuses:
        status = Subscriber.Status.CONFIRMED
    elif Subscription.Status.PENDING in statuses:
        status = Subscriber.Status.PENDING
    else:
        status = Subscriber.Status.UNSUBSCRIBED
    if subscriber.status != status:
        subscriber.status = status
        subscriber.save(update_fields=["status", "updated_at"])


@transaction.atomic
def subscription_confirm(*, subscriber_id: int, list_id: int) -> Subscription | None:
    """Confirm a pending subscription (the link in the confirmation mail); idempotent."""
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("subscriber")
        .filter(subscriber_id=subscriber_id, newsletter_list_id=list_id)
        .first()
    )
    if subscription is None or subscription.status == Subscription.Status.UNSUBSCRIBED:
        return None
    if subscription.status == Subscription.Status.CONFIRMED:
        return subscription
    requested = (
        ConsentRecord.objects.filter(
            subscriber_id=subscriber_id, newsletter_list_id=list_id, action=Action.REQUESTED
        )
        .order_by("-at", "-pk")
        .first()
    )
    subscription.status = Subscription.Status.CONFIRMED
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["status", "confirmed_at"])
    ConsentRecord.objects.create(
        subscriber_id=subscriber_id,
        newsletter_list_id=list_id,
        action=Action.CONFIRMED,
        at=subscription.confirmed_at,
        source=requested.source if requested else "confirmation link",
        wording=requested.wording if requested else None,
    )
    _refresh_status(subscription.subscriber)
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, subscriber_id: int, list_id: int, source: str) -> bool:
    """Unsubscribe at once (one-click, the preferences page, a mailto); True if it changed."""
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("subscriber")
        .filter(subscriber_id=subscriber_id, newsletter_list_id=list_id)
        .first()
    )
    if subscription is None or subscription.status == Subscription.Status.UNSUBSCRIBED:
        return False
    subscription.status = Subscription.Status.UNSUBSCRIBED
    subscription.save(update_fields=["status"])
    ConsentRecord.objects.create(
        subscriber_id=subscriber_id,
        newsletter_list_id=list_id,
        action=Action.UNSUBSCRIBED,
        at=timezone.now(),
        source=source,
    )
    _refresh_status(subscription.subscriber)
    return True


@transaction.atomic
def subscriber_update_preferences(
    *, subscriber: Subscriber, language: str, interests: list[str]
) -> Subscriber:
    subscriber.language, subscriber.interests = language, interests
    subscriber.save(update_fields=["language", "interests", "updated_at"])
    return subscriber


def suppression_add(*, email: str, reason: str) -> None:
    try:
        with transaction.atomic():
            Suppression.objects.create(email_hash=email_hashes(email)[0], reason=reason)
    except IntegrityError:
        pass  # suppressed already


_SUPPRESSED_STATUS = {
    BounceEvent.Kind.HARD: (Subscriber.Status.BOUNCED, Suppression.Reason.HARD_BOUNCE),
    BounceEvent.Kind.SOFT: (Subscriber.Status.BOUNCED, Suppression.Reason.SOFT_BOUNCES),
    BounceEvent.Kind.COMPLAINT: (Subscriber.Status.COMPLAINED, Suppression.Reason.COMPLAINT),
}


def _bounced_issue(subscriber: Subscriber, issue_id: int | None) -> int | None:
    """The issue a bounce is about: the one its report names (if it was sent to this
    person), else the last one the person was sent."""
    sent = Delivery.objects.filter(
        subscriber=subscriber, state__in=[Delivery.State.SENT, Delivery.State.UNCONFIRMED]
    )
    if issue_id is not None and sent.filter(issue_id=issue_id).exists():
        return issue_id
    last = sent.order_by("-done_at", "-pk").values_list("issue_id", flat=True).first()
    return int(last) if last is not None else None


@transaction.atomic
def bounce_record(
    *, email: str, kind: str, source: str, detail: str = "", issue_id: int | None = None
) -> Subscriber | None:
    """A bounce or complaint for ``email`` (about ``issue_id`` when the report names it):
    hard bounces and complaints suppress at once, soft bounces after
    NEWSLETTER_SOFT_BOUNCE_LIMIT of them (until then the address keeps getting the next
    issues: that is the retry). Unknown addresses are ignored."""
    subscriber = Subscriber.objects.select_for_update().filter(email=email.strip().lower()).first()
    if subscriber is None:
        return None
    BounceEvent.objects.create(
        subscriber=subscriber,
        issue_id=_bounced_issue(subscriber, issue_id),
        kind=kind,
        source=source,
        detail=detail[:300],
    )
    if kind == BounceEvent.Kind.SOFT:
        subscriber.soft_bounces += 1
        subscriber.save(update_fields=["soft_bounces", "updated_at"])
        if subscriber.soft_bounces < settings.NEWSLETTER_SOFT_BOUNCE_LIMIT:
            return subscriber
    status, reason = _SUPPRESSED_STATUS[BounceEvent.Kind(kind)]
    if subscriber.status == status:
        return subscriber
    subscriber.status = status
    subscriber.save(update_fields=["status", "updated_at"])
    suppression_add(email=subscriber.email, reason=reason)
    for list_id in subscriber.subscriptions.values_list("newsletter_list_id", flat=True):
        ConsentRecord.objects.create(
            subscriber=subscriber,
            newsletter_list_id=list_id,
            action=Action.SUPPRESSED,
            at=timezone.now(),
            source=source,
            note=f"{kind}: {detail}"[:500],
        )
    return subscriber


@transaction.atomic
def subscriber_erase(*, actor: User | None, subscriber: Subscriber) -> None:
    """GDPR Art. 17: delete the person and every record of them, keeping only the hash
    that stops the address being mailed again. Ledger rows stay, without the person."""
    subscriber_id = subscriber.pk
    suppression_add(email=subscriber.email, reason=Suppression.Reason.ERASED)
    subscriber.delete()
    audit_record(
        actor=actor,
        action="newsletter.subscriber.erase",
        target_label=f"subscriber #{subscriber_id}",
    )
