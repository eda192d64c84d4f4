"""Demo: the list ``daily`` with a few hundred fictitious subscribers and their consent
records, and tomorrow's issue composed from the current campaign, waiting in the
approver's "To do".

Runs after the campaigns demo (settings order). Addresses are @example.org (RFC 2606) with
made-up names; consent records say which form they came through and the exact wording.
The issue is composed and submitted through the real services by the demo editor;
approving and sending it are left to the visitor (the approver's "To do", then its page,
"Send now"), and the messages appear in the Mailbox. Idempotent: keyed on the list's slug.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.campaigns import demo as campaigns_demo
from quartieri.campaigns.models import Campaign, ContentItem
from quartieri.campaigns.scheduling import schedule_resolve
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_schedule,
    variant_submit,
)
from quartieri.channels.models import ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.newsletter.issues import issue_compose, issue_submit
from quartieri.newsletter.models import (
    ConsentRecord,
    ConsentWording,
    NewsletterList,
    Subscriber,
    Subscription,
)

SLUG = "daily"
HANDLE = "newsletter"
CAMPAIGN = campaigns_demo.CURRENT_SLUG
WORDING = {
    "it": (
        "Acconsento a ricevere la newsletter quotidiana del Comune con le proposte dei "
        "quartieri. Posso annullare l'iscrizione in ogni momento con il link in ogni messaggio. "
        "(Testo dimostrativo.)"
    ),
    "en": (
        "I agree to receive the city's daily newsletter with ideas from the neighbourhoods. "
        "I can unsubscribe at any time with the link in every message. (Demo text.)"
    ),
}
FIRST = ["Ada", "Bruno", "Chiara", "Dario", "Elena", "Fabio", "Giada", "Hugo", "Irene", "Jonas"]
SOURCES = ["minisite:isola:it", "minisite:baggio:en", "minisite:chiaravalle:it", "platform"]
CONFIRMED, PENDING, UNSUBSCRIBED = 260, 25, 15
ISSUE_DAY = 1  # days after the campaign's start (the demo's day): tomorrow's issue


@transaction.atomic
def load(*, console: Console, from_today: bool) -> None:
    if NewsletterList.objects.filter(slug=SLUG).exists():
        console.print("Newsletter: demo list already loaded.")
        return
    # The campaigns demo made the channel account (with its grants); made here otherwise.
    account, _created = ChannelAccount.objects.get_or_create(
        platform=Platform.NEWSLETTER, handle=HANDLE, defaults={"display_name": "Daily newsletter"}
    )
    newsletter_list = NewsletterList.objects.create(
        slug=SLUG,
        name="Milano Daily",
        description="La newsletter quotidiana del Comune (demo) / The city's daily newsletter (demo)",
        account=account,
        from_name="Comune di Milano (demo)",
        send_time=dt.time(7, 0),
    )
    wordings = {
        lang: ConsentWording.objects.create(
            newsletter_list=newsletter_list, language=lang, version=1, text=text
        )
        for lang, text in WORDING.items()
    }
    _subscribers(newsletter_list, wordings)
    issue = _issue(newsletter_list)
    console.print(
        f"Newsletter: list '{SLUG}' with {CONFIRMED + PENDING + UNSUBSCRIBED} fictitious "
        f"subscribers"
        + (f'; issue {issue} waits for the approver in "To do"' if issue else "")
        + "."
    )


def _subscribers(newsletter_list: NewsletterList, wordings: dict[str, ConsentWording]) -> None:
    rng = random.Random(18)  # noqa: S311 (the same demo every time, not a secret)
    now = timezone.now()
    total = CONFIRMED + PENDING + UNSUBSCRIBED
    people = Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=f"lettore{n:03d}@example.org",
                name=f"{FIRST[n % len(FIRST)]} (demo)",
                language="en" if n % 4 == 1 else "it",
                interests=rng.sample(["isola", "baggio", "chiaravalle"], k=1 + n % 3),
                status="confirmed"
                if n < CONFIRMED
                else "pending"
                if n < CONFIRMED + PENDING
                else "unsubscribed",
            )
            for n in range(total)
        ]
    )
    people = list(Subscriber.objects.filter(email__endswith="@example.org").order_by("email"))
    subscriptions, records = [], []
    for n, person in enumerate(people):
        asked = now - dt.timedelta(days=rng.randint(2, 60), minutes=rng.randint(0, 1440))
        status = person.status
        subscriptions.append(
            Subscription(
                subscriber=person,
                newsletter_list=newsletter_list,
                status=status,
                confirmed_at=asked + dt.timedelta(minutes=7) if status != "pending" else None,
            )
        )
        base = {"subscriber": person, "newsletter_list": newsletter_list, "source": SOURCES[n % 4]}
        records.append(
            ConsentRecord(action="requested", at=asked, wording=wordings[person.language], **base)
        )
        if status != "pending":
            records.append(
                ConsentRecord(
                    action="confirmed",
                    at=asked + dt.timedelta(minutes=7),
                    wording=wordings[person.language],
                    **base,
                )
            )
        if status == "unsubscribed":
            records.append(
                ConsentRecord(
                    action="unsubscribed",
                    at=asked + dt.timedelta(days=1),
                    **{**base, "source": "one-click"},
                )
            )
    Subscription.objects.bulk_create(subscriptions)
    ConsentRecord.objects.bulk_create(records)


def _issue(newsletter_list: NewsletterList) -> int | None:
    """A newsletter variant on the campaign's day ISSUE_DAY, then that day's issue."""
    campaign = Campaign.objects.filter(slug=CAMPAIGN).first()
    account = newsletter_list.account
    editor = User.objects.filter(username="editor").first()
    approver = User.objects.filter(username="approver").first()
    item = (
        ContentItem.objects.filter(campaign=campaign, neighbourhood__code="11").first()
        or ContentItem.objects.filter(campaign=campaign).first()
    )
    if campaign is None or account is None or editor is None or approver is None or item is None:
        return None
    day = campaign.start_date + dt.timedelta(days=ISSUE_DAY)
    variant = variant_create(
        actor=editor,
        content_item=item,
        account=account,
        post_type="text",
        caption="Isola, questo fine settimana: le botteghe artigiane aprono le porte e BAM ospita un picnic.",
    )
    variant = variant_approve(actor=approver, variant=variant_submit(actor=editor, variant=variant))
    at = schedule_resolve(date=day, wall_time=dt.time(7, 0)).at
    variant_schedule(actor=approver, variant=variant, at=at)
    issue = issue_compose(actor=editor, newsletter_list=newsletter_list, date=day)
    issue_submit(actor=editor, issue=issue)
    return issue.pk
