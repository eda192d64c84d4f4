"""On the default demo every role finds work in "To do" at once, and history stays history:
nothing of 2021 waits in anyone's queue or in the outbox."""

from __future__ import annotations

import io

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
    approver = waiting("approver")
    assert (approver["to-review"], approver["to-schedule"]) == (2, 1)
    assert approver["issues-to-approve"] == 1
    assert approver["posts-in-trouble"] == 0
    assert waiting("editor")["sent-back"] == 1
    # The 2021 posts are published in the outbox too: no worker sends history again.
    history = OutboxEntry.objects.filter(variant__content_item__campaign__slug=campaigns_demo.SLUG)
    assert history.exists()
    assert set(history.values_list("state", flat=True)) == {OutboxEntry.State.PUBLISHED}
    current = OutboxEntry.objects.filter(
        variant__content_item__campaign__slug=campaigns_demo.CURRENT_SLUG
    )
    assert set(current.values_list("state", flat=True)) == {OutboxEntry.State.SCHEDULED}
