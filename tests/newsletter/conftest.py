"""Fixtures of the newsletter tests: the daily list as its channel account, subscribers,
and a real SMTP server on loopback (the same aiosmtpd sink the demo runs) that counts
what it receives per recipient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation

from quartieri.accounts.models import User
from quartieri.channels.models import AccountGrant, ChannelAccount
from quartieri.channels.registry import Platform
from quartieri.newsletter.models import ConsentWording, NewsletterList, Subscriber, Subscription
from quartieri.newsletter.sink import SinkHandler, sink_start
from tests.processes import free_port


@pytest.fixture(autouse=True)
def _newsletter_settings(settings: Any, tmp_path: Any) -> Iterator[None]:
    # Tasks are recorded, not run: tests run the services they call themselves.
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    settings.NEWSLETTER_FROM_EMAIL = "newsletter@comune.example.org"
    settings.NEWSLETTER_BOUNCE_EMAIL = "bounces@comune.example.org"
    settings.PUBLIC_URL = "https://quartieri.example.org"
    settings.NEWSLETTER_SMTP_URLS = []
    settings.NEWSLETTER_RATE = 0
    settings.NEWSLETTER_DKIM_KEY_FILE = ""
    settings.NEWSLETTER_JOURNAL_DIR = tmp_path / "send-journal"
    # The day's content links to example.org: a destination the tracked links may redirect to.
    settings.LINK_ALLOWED_DOMAINS = ["example.org"]
    with translation.override("en"):
        yield


@pytest.fixture
def sink(settings: Any) -> Iterator[SinkHandler]:
    """A real SMTP server on loopback; the newsletter sends to it (3 connections)."""
    handler = SinkHandler()
    port = free_port()
    controller = sink_start(port=port, handler=handler)
    settings.NEWSLETTER_SMTP_URLS = [f"smtp://127.0.0.1:{port}?connections=3"]
    handler.messages = []  # type: ignore[attr-defined]
    original = handler.handle_DATA

    async def keep(server: Any, session: Any, envelope: Any) -> str:
        handler.messages.append(envelope)  # type: ignore[attr-defined]
        return await original(server, session, envelope)

    handler.handle_DATA = keep  # type: ignore[method-assign]
    yield handler
    controller.stop()


@pytest.fixture
def daily(db: None, approver: User, editor: User) -> NewsletterList:
    """The daily list, its channel account (editor drafts, approver approves and sends)
    and the consent wording in both languages."""
    account = ChannelAccount.objects.create(
        platform=Platform.NEWSLETTER, handle="newsletter", display_name="Daily newsletter"
    )
    AccountGrant.objects.create(account=account, user=editor, can_draft=True)
    AccountGrant.objects.create(
        account=account, user=approver, can_draft=True, can_approve=True, can_publish=True
    )
    newsletter_list = NewsletterList.objects.create(
        slug="daily", name="Milano Daily", account=account, from_name="Comune di Milano"
    )
    ConsentWording.objects.create(
        newsletter_list=newsletter_list, language="it", version=1, text="Acconsento a ricevere."
    )
    ConsentWording.objects.create(
        newsletter_list=newsletter_list, language="en", version=1, text="I agree to receive it."
    )
    return newsletter_list


@pytest.fixture
def subscribe_people(daily: NewsletterList) -> Callable[..., list[Subscriber]]:
    """Confirmed subscribers of the daily list: ``make(3)`` or ``make(3, status=…)``."""

    def make(count: int, *, prefix: str = "reader", **fields: Any) -> list[Subscriber]:
        people = Subscriber.objects.bulk_create(
            [
                Subscriber(
                    email=f"{prefix}{n}@example.org",
                    name=f"Reader {n}",
                    language="en" if n % 2 else "it",
                    status=fields.get("status", Subscriber.Status.CONFIRMED),
                )
                for n in range(count)
            ]
        )
        people = list(Subscriber.objects.filter(email__startswith=prefix).order_by("pk"))
        Subscription.objects.bulk_create(
            [
                Subscription(
                    subscriber=p,
                    newsletter_list=daily,
                    status=fields.get("subscription", Subscription.Status.CONFIRMED),
                )
                for p in people
            ]
        )
        return people

    return make


@pytest.fixture
def day_content(daily: NewsletterList) -> Any:
    """A campaign with a newsletter variant and an Instagram post scheduled on 3 May 2021."""
    import datetime as dt

    from quartieri.campaigns.models import Campaign, ContentItem, Variant
    from quartieri.campaigns.selectors import ROME

    campaign = Campaign.objects.create(
        name="Quartieri",
        slug="quartieri-2021",
        start_date=dt.date(2021, 5, 3),
        end_date=dt.date(2021, 9, 30),
    )
    at = dt.datetime(2021, 5, 3, 7, 0, tzinfo=ROME)
    account = ChannelAccount.objects.get(platform=Platform.NEWSLETTER, handle="newsletter")
    instagram = ChannelAccount.objects.create(platform=Platform.INSTAGRAM, handle="@yesmilano")
    baggio = ContentItem.objects.create(
        campaign=campaign,
        title="Baggio",
        master_text_it="Concerti nella chiesa vecchia.",
        master_text_en="Concerts in the old church.",
    )
    isola = ContentItem.objects.create(
        campaign=campaign,
        title="Isola",
        master_text_it="Botteghe aperte.",
        master_text_en="Workshops open their doors.",
    )
    Variant.objects.create(
        content_item=baggio,
        account=account,
        post_type="text",
        status="scheduled",
        caption="Questa settimana a Baggio: concerti.",
        scheduled_at=at,
        link="https://example.org/baggio",
    )
    Variant.objects.create(
        content_item=isola,
        account=instagram,
        post_type="feed",
        status="approved",
        caption="Isola!",
        scheduled_at=at + dt.timedelta(hours=5),
    )
    Variant.objects.create(  # still a draft: not in the issue
        content_item=isola,
        account=account,
        post_type="text",
        status="draft",
        caption="DRAFT TEXT",
        scheduled_at=at,
    )
    return dt.date(2021, 5, 3)


@pytest.fixture
def approved_issue(daily: NewsletterList, day_content: Any, editor: User, approver: User) -> Any:
    from quartieri.newsletter.issues import issue_approve, issue_compose, issue_submit

    issue = issue_compose(actor=editor, newsletter_list=daily, date=day_content)
    issue = issue_submit(actor=editor, issue=issue)
    return issue_approve(actor=approver, issue=issue)
