"""On the default demo every role finds work in "To do" at once, and history stays history:
nothing of 2021 waits in anyone's queue or in the outbox."""

from __future__ import annotations

import io
import re

from django.test import Client
from rich.console import Console

from quartieri.accounts.models import User
from quartieri.campaigns import demo as campaigns_demo
from quartieri.core import demo as core_demo
from quartieri.core.todo import inbox_sections
from quartieri.newsletter import demo as newsletter_demo
from quartieri.publishing import demo as publishing_demo
from quartieri.publishing.models import OutboxEntry


def waiting(username):
    user = User.objects.get(username=username)
    return {section.kind.slug: section.count for section in inbox_sections(user=user)}


def test_every_role_has_something_to_do_in_the_current_campaign(db, settings, tmp_path):
    settings.SANDBOX_MARKER = tmp_path / "sandbox"
    settings.DEMO_SANDBOX = True
    console = Console(file=io.StringIO())
    for module in (core_demo, campaigns_demo, newsletter_demo, publishing_demo):
        module.load(console=console, from_today=False)
    # Each role's boxes and counts, as the menu and the "To do" page show them.
    nothing = dict.fromkeys(["to-review", "mentions", "issues-to-approve", "sent-back"], 0)
    nothing |= dict.fromkeys(["to-schedule", "posts-in-trouble", "posts-unconfirmed"], 0)
    nothing |= {"accounts-to-reconnect": 0, "displays-not-seen": 0, "posters-not-printed": 0}
    assert waiting("approver") == nothing | {
        "to-review": 2,
        "issues-to-approve": 1,
        "to-schedule": 1,
        # One post failed, one is not confirmed, and Meta refused one page's access.
        "posts-in-trouble": 1,
        "posts-unconfirmed": 1,
        "accounts-to-reconnect": 1,
    }
    # The administrator may connect any account; posts need a publish grant, which the
    # editor does not hold (the failed post's author is notified instead).
    assert waiting("admin") == nothing | {"accounts-to-reconnect": 1}
    assert waiting("editor") == {
        "mentions": 0,
        "sent-back": 1,
        "to-schedule": 0,
        "posts-in-trouble": 0,
        "posts-unconfirmed": 0,
        "posters-not-printed": 0,
        "accounts-to-reconnect": 0,
    }
    assert waiting("analyst") == {}
    assert waiting("mayor") == nothing
    _campaign_pages_agree_with_the_outbox()
    # The 2021 posts are published in the outbox too: no worker sends history again.
    history = OutboxEntry.objects.filter(variant__content_item__campaign__slug=campaigns_demo.SLUG)
    assert history.exists()
    assert set(history.values_list("state", flat=True)) == {OutboxEntry.State.PUBLISHED}
    current = OutboxEntry.objects.filter(
        variant__content_item__campaign__slug=campaigns_demo.CURRENT_SLUG
    )
    assert sorted(current.values_list("state", flat=True)) == sorted(
        [OutboxEntry.State.FAILED, OutboxEntry.State.UNCONFIRMED]
        + [OutboxEntry.State.SCHEDULED] * 3
    )


def _campaign_pages_agree_with_the_outbox():
    """Every variant with an outbox entry says on its campaign's page what the outbox says:
    published only if the outbox published it, and its trouble when the outbox has one."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="approver"))
    for slug in (campaigns_demo.SLUG, campaigns_demo.CURRENT_SLUG):
        html = client.get(f"/campaigns/{slug}/").content.decode()
        entries = OutboxEntry.objects.filter(variant__content_item__campaign__slug=slug)
        for entry in entries.select_related("variant"):
            row = re.search(rf'id="variant-{entry.variant_id}".*?</tr>', html, re.S)
            assert row is not None
            published = entry.state == OutboxEntry.State.PUBLISHED
            assert (entry.variant.status == "published") is published, entry
            assert ("<td>Published" in row.group(0)) is published, entry
            trouble = re.search(r'data-testid="delivery-trouble">([^<]+)<', row.group(0))
            if entry.state in (OutboxEntry.State.FAILED, OutboxEntry.State.UNCONFIRMED):
                assert trouble is not None
                assert trouble.group(1) == entry.get_state_display()
            else:
                assert trouble is None, entry
