"""Provider webhooks (django-anymail tracking): bounces, complaints and unsubscribes.

Anymail turns each provider's webhook into one normalised tracking signal; this receiver
hands the events that matter to the same service the IMAP reader uses. The endpoints are
under /newsletter/anymail/<provider>/tracking/, protected by anymail's shared secret
(QUARTIERI_ANYMAIL_WEBHOOK_SECRET, HTTP basic auth) and, where the provider signs, its
signature.
"""

from __future__ import annotations

from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType, tracking
from django.dispatch import receiver

from quartieri.newsletter.bounces import Finding, finding_apply
from quartieri.newsletter.models import BounceEvent, Subscriber, Subscription
from quartieri.newsletter.services import subscription_unsubscribe


def _unsubscribe_everywhere(email: str) -> None:
    subscriber = Subscriber.objects.filter(email=email.lower()).first()
    if subscriber is None:
        return
    for list_id in subscriber.subscriptions.exclude(
        status=Subscription.Status.UNSUBSCRIBED
    ).values_list("newsletter_list_id", flat=True):
        subscription_unsubscribe(subscriber_id=subscriber.pk, list_id=list_id, source="provider")


@receiver(tracking, dispatch_uid="quartieri.newsletter.tracking")
def on_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    recipient = (event.recipient or "").lower()
    if not recipient:
        return
    detail = str(event.mta_response or event.description or event.reject_reason or "")[:300]
    source = f"webhook:{esp_name}".lower()[:50]
    if event.event_type == EventType.BOUNCED:
        finding_apply(Finding(BounceEvent.Kind.HARD, recipient, detail), source=source)
    elif event.event_type == EventType.DEFERRED:
        finding_apply(Finding(BounceEvent.Kind.SOFT, recipient, detail), source=source)
    elif event.event_type == EventType.COMPLAINED:
        finding_apply(Finding(BounceEvent.Kind.COMPLAINT, recipient, detail), source=source)
    elif event.event_type == EventType.UNSUBSCRIBED:
        _unsubscribe_everywhere(recipient)
