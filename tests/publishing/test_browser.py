"""The publishing pages in a real browser, checked with axe-core for WCAG 2.1 AA."""

from __future__ import annotations

import datetime as dt

import pytest

from quartieri.campaigns.models import Variant
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.models import AccountGrant, AccountState
from quartieri.publishing import outbox
from quartieri.publishing.models import OutboxEntry
from tests.accessibility import axe_violations
from tests.publishing.conftest import connected, drain, post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

State = OutboxEntry.State


def test_an_approver_sends_a_failed_post_again_and_sees_it_in_the_sandbox(
    page, login, approver, item, sandbox
):
    instagram = connected("instagram", "@yesmilano", "17841400000000123")
    facebook = connected("facebook", "ComunediMilano", "104000000000777")
    for account in (instagram, facebook):
        AccountGrant.objects.create(account=account, user=approver, can_publish=True)
    # Facebook refuses the first try (it cannot read the link): nothing is on the page.
    page_fake = sandbox.meta.facebook_page("104000000000777")
    page_fake.inject(FaultKind.PLATFORM_ERROR, path="/feed$", code=1609005)
    out = post(item, instagram, "Isola: open workshops #Isola")
    refused = post(item, facebook, "Isola, the neighbourhood")
    drain()
    assert OutboxEntry.objects.get(pk=refused.pk).state == State.FAILED
    # (the publish above stored Instagram's quota reading on the account's state)
    AccountState.objects.filter(account=instagram).update(
        paused_until=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
        last_error="rate limited (account): 80001",
    )

    login(approver)
    page.goto("/publishing/")
    assert page.locator(f"#entry-{refused.pk} [data-testid=entry-error]").is_visible()
    assert axe_violations(page) == []

    page.click(f"#entry-{refused.pk} th a")
    page.wait_for_load_state()
    assert axe_violations(page) == []
    page.locator("[data-testid=retry-form] button").click()
    page.wait_for_load_state()
    assert page.locator('[role="alert"]').count() == 1
    again = OutboxEntry.objects.get(pk=refused.pk)
    assert again.state == State.SCHEDULED
    # The task was queued by the server's thread (the dummy backend keeps it there): run
    # what a worker would.
    outbox.outbox_publish(entry_id=again.pk, version=again.version)
    assert OutboxEntry.objects.get(pk=refused.pk).state == State.PUBLISHED

    page.goto("/publishing/health/")
    assert page.locator("[data-testid=account-health] tbody tr").count() == 2
    assert axe_violations(page) == []

    page.goto("/publishing/sandbox/")
    assert page.locator("[data-testid=sandbox-post]").count() == 2
    assert axe_violations(page) == []

    page.goto("/publishing/")
    page.click(f"#entry-{out.pk} [data-testid=platform-link]")
    page.wait_for_load_state()
    out.refresh_from_db()
    assert page.url.endswith(f"/publishing/sandbox/instagram/{out.publish_id}/")
    # The post as Instagram draws it, the received fields one click away.
    drawn = page.locator("[data-testid=sandbox-preview] [data-testid=preview-caption]")
    assert "Isola: open" in drawn.inner_text()
    page.click("[data-testid=sandbox-post] details summary")
    assert page.locator("[data-testid=sandbox-text]").inner_text().startswith("Isola: open")
    assert axe_violations(page) == []
    assert Variant.objects.filter(status=Variant.Status.PUBLISHED).count() == 2
