"""The demo journey in a real browser (Debian's Chromium): subscribe on the form, confirm
with the link that arrives in the Mailbox, receive the issue, unsubscribe with its link and
read the consent history; every page passes axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import re
import threading

import pytest

from quartieri.newsletter.models import SendBatch, Subscriber, Subscription
from quartieri.newsletter.sending import batch_send
from quartieri.newsletter.sink import SinkHandler, sink_start
from tests.accessibility import axe_violations
from tests.processes import free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mailbox(settings, tmp_path):
    """The demo's sink, keeping messages where the Mailbox page reads them."""
    folder = tmp_path / "mailbox"
    port = free_port()
    controller = sink_start(port=port, handler=SinkHandler(folder))
    settings.SANDBOX = True
    settings.NEWSLETTER_MAILBOX_DIR = folder
    settings.NEWSLETTER_SMTP_URLS = [f"smtp://127.0.0.1:{port}?connections=2"]
    yield folder
    controller.stop()


def in_worker(function, **kwargs):
    """Run what a worker runs, in a thread of its own (Playwright's loop owns this one)."""
    failures = []

    def run():
        try:
            function(**kwargs)
        except Exception as error:  # noqa: BLE001 (handed to the test)
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not failures, failures


def _open_newest_message(page, subject_part: str) -> None:
    page.goto("/newsletter/mailbox/")
    page.get_by_role("link", name=re.compile(subject_part)).first.click()
    page.wait_for_load_state()


def test_subscribe_confirm_receive_unsubscribe(
    page, login, live_server, mailbox, approved_issue, approver, settings
):
    from quartieri.newsletter.mail import confirmation_send

    settings.PUBLIC_URL = live_server.url
    # A visitor subscribes on the form (in English).
    page.goto("/newsletter/subscribe/?language=en")
    assert axe_violations(page) == []
    page.fill("#id_email", "visitor@example.org")
    page.click("label[for=id_consent]")  # Bootstrap Italia draws the box on the label
    page.click("[data-testid=subscribe-form] button[type=submit]")
    page.get_by_test_id("check-inbox").wait_for()
    assert axe_violations(page) == []
    # The worker mails the confirmation (run here); the link is in the Mailbox.
    in_worker(confirmation_send, subscription_id=Subscription.objects.get().pk)
    login(approver)
    _open_newest_message(page, "Conferma|Confirm")
    assert axe_violations(page) == []
    link = re.search(
        r"(/newsletter/confirm/\S+/)", page.get_by_test_id("mailbox-text").inner_text()
    ).group(1)
    page.goto(link)
    page.get_by_test_id("confirm-button").click()
    page.get_by_test_id("confirmed").wait_for()
    assert Subscriber.objects.get(email="visitor@example.org").status == "confirmed"

    # The approver sends the day's issue from its page; the worker's part runs here.
    page.goto(f"/newsletter/issues/{approved_issue.pk}/")
    assert axe_violations(page) == []
    page.get_by_test_id("send").click()
    page.wait_for_load_state()
    for batch in SendBatch.objects.all():
        in_worker(batch_send, batch_id=batch.pk, worker="w1")
    _open_newest_message(page, "Milano Daily")
    text = page.get_by_test_id("mailbox-text").inner_text()
    unsubscribe = re.search(r"(/newsletter/u/\S+/)", text).group(1)

    # One click on the visible link: a page that asks, then unsubscribed.
    page.goto(unsubscribe)
    assert axe_violations(page) == []
    page.get_by_test_id("unsubscribe-button").click()
    page.get_by_test_id("unsubscribed").wait_for()
    assert (
        Subscription.objects.get(subscriber__email="visitor@example.org").status == "unsubscribed"
    )
    page.get_by_role("link", name=re.compile("preferenze|preferences")).click()
    timeline = page.get_by_test_id("consent-timeline").inner_text()
    assert axe_violations(page) == []
    for step in ("platform", "unsubscribe page"):
        assert step in timeline
