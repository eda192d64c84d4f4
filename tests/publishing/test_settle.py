"""A person settles a post the platform did not confirm (issue 21, rule 1b): "it is there"
records it published (naming the person), "it is missing, send again" sends it once more
after a confirmation. Only approvers of the account who may publish on it; a refused press
changes nothing; a settled post is never checked or sent again by the outbox afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from quartieri.accounts.models import AuditEvent, User
from quartieri.accounts.roles import Role
from quartieri.campaigns.models import Variant
from quartieri.channels.models import AccountGrant
from quartieri.core.todo import inbox_sections
from quartieri.core.workers import heartbeat_beat
from quartieri.publishing import outbox, sweep
from quartieri.publishing.models import OutboxEntry
from tests.conftest import make_person
from tests.publishing.conftest import (
    Untouched,
    drain,
    press,
    queue_backend,
    queued_untimed,
    scheduled_after_review,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("recovery_settings"),
]
State = OutboxEntry.State
LONG_AGO = dt.timedelta(minutes=10)


@pytest.fixture
def unconfirmed(failed: OutboxEntry) -> OutboxEntry:
    """A post whose answer was lost 10 minutes ago, which reconcile left to a person."""
    OutboxEntry.objects.filter(pk=failed.pk).update(
        state=State.UNCONFIRMED,
        sent_at=timezone.now() - LONG_AGO,
        last_error="TikTok lists only public posts: look on the account.",
    )
    failed.refresh_from_db()
    return failed


def never_again(entry: OutboxEntry, fake_facebook, posts: int) -> None:
    """The outbox leaves a settled entry alone: the sweep finds nothing to recheck, a
    reconcile task still queued does nothing, nothing more reaches the platform."""
    later = timezone.now() + dt.timedelta(days=2)
    assert sweep.outbox_sweep(now=later) == 0
    assert outbox.outbox_reconcile(entry_id=entry.pk) == outbox.Step.BUSY
    drain()
    assert len(fake_facebook.posts) == posts


def test_it_is_there_records_it_published_with_its_address(
    unconfirmed, approver, client_for, fake_facebook
):
    response = press(
        client_for(approver), unconfirmed, "found", where="https://www.facebook.com/1_2"
    )
    assert "The post is recorded as published." in response.content.decode()
    entry = OutboxEntry.objects.get(pk=unconfirmed.pk)
    assert (entry.state, entry.permalink, entry.platform_post_id) == (
        State.PUBLISHED,
        "https://www.facebook.com/1_2",
        "",
    )
    assert "giulia found the post on the platform." in entry.last_error
    assert Variant.objects.get(pk=entry.variant_id).status == Variant.Status.PUBLISHED
    [event] = AuditEvent.objects.filter(action="publishing.outbox.settle_found")
    assert (event.actor, event.target_id) == (approver, str(entry.pk))
    never_again(entry, fake_facebook, posts=0)


def test_it_is_there_takes_a_post_id_or_nothing(unconfirmed, approver, client_for):
    press(client_for(approver), unconfirmed, "found", where=" 104000_998877 ")
    entry = OutboxEntry.objects.get(pk=unconfirmed.pk)
    assert (entry.state, entry.platform_post_id, entry.permalink) == (
        State.PUBLISHED,
        "104000_998877",
        "",
    )


@pytest.mark.parametrize("where", ["javascript:alert(1)", "not an id", "https://"])
def test_a_bad_address_is_refused_and_changes_nothing(unconfirmed, approver, client_for, where):
    untouched = Untouched(unconfirmed)
    response = press(client_for(approver), unconfirmed, "found", where=where)
    assert "Paste the post" in response.content.decode()
    untouched.check()


def test_it_is_missing_sends_it_once_more_after_the_confirmation(
    unconfirmed, approver, client_for, fake_facebook
):
    client = client_for(approver)
    client.cookies["django_language"] = "en"
    page_text = client.get(f"/publishing/{unconfirmed.pk}/missing/").content.decode()
    assert "publishes it twice" in page_text
    untouched = Untouched(unconfirmed)
    response = press(client, unconfirmed, "missing")  # the box not ticked
    assert "Confirm that you checked the account" in response.content.decode()
    untouched.check()

    press(client, unconfirmed, "missing", confirm="yes")
    assert OutboxEntry.objects.get(pk=unconfirmed.pk).state == State.SCHEDULED
    [event] = AuditEvent.objects.filter(action="publishing.outbox.settle_missing")
    assert event.actor == approver
    drain()
    assert OutboxEntry.objects.get(pk=unconfirmed.pk).state == State.PUBLISHED
    assert len(fake_facebook.posts) == 1
    never_again(unconfirmed, fake_facebook, posts=1)


def test_it_is_missing_waits_for_a_send_that_may_still_land(unconfirmed, approver, client_for):
    OutboxEntry.objects.filter(pk=unconfirmed.pk).update(sent_at=timezone.now())
    untouched = Untouched(unconfirmed)
    response = press(client_for(approver), unconfirmed, "missing", confirm="yes")
    assert "may still land" in response.content.decode()
    untouched.check()


@pytest.mark.parametrize("which", ["found", "missing"])
def test_neither_answer_while_a_worker_is_checking_the_post(
    unconfirmed, approver, client_for, which
):
    # A reconcile task has taken the entry (its worker alive): the person waits for it.
    heartbeat_beat(worker_ids=["checking"], started_at=timezone.now())
    OutboxEntry.objects.filter(pk=unconfirmed.pk).update(
        claimed_by="checking", claimed_at=timezone.now()
    )
    untouched = Untouched(unconfirmed)
    response = press(client_for(approver), unconfirmed, which, confirm="yes")
    assert "checking this post on the platform right now" in response.content.decode()
    untouched.check()


def test_only_an_unconfirmed_post_is_settled(failed, approver, client_for):
    untouched = Untouched(failed)
    response = press(client_for(approver), failed, "found")
    assert "Only a post whose outcome is not confirmed can be settled" in response.content.decode()
    untouched.check()


def _publisher_not_approver(account) -> User:
    person = make_person("paolo", Role.APPROVER)
    AccountGrant.objects.create(account=account, user=person, can_draft=True, can_publish=True)
    return person


@pytest.mark.parametrize("which", ["found", "missing"])
def test_who_may_not_settle_changes_nothing(
    unconfirmed, facebook_page, editor, analyst, approver, mayor_page, client_for, which
):
    publisher = _publisher_not_approver(facebook_page)
    untouched = Untouched(unconfirmed)
    for person in (editor, analyst):  # roles without approval: refused before the service
        response = press(client_for(person), unconfirmed, which, confirm="yes")
        assert response.status_code == 403
    # An approver's role, but only the publish grant on this account (no approve grant).
    response = press(client_for(publisher), unconfirmed, which, confirm="yes")
    assert "You have no grant to approve on" in response.content.decode()
    untouched.check()


def test_on_a_personal_account_only_its_owner_settles(
    item, mayor_page, mayor, approver, editor, client_for
):
    entry = scheduled_after_review(item, mayor_page, mayor, mayor)
    OutboxEntry.objects.filter(pk=entry.pk).update(
        state=State.UNCONFIRMED, sent_at=timezone.now() - LONG_AGO
    )
    queue_backend().clear()
    untouched = Untouched(entry)
    response = press(client_for(approver), entry, "found")
    assert "only its owner may do this" in response.content.decode()
    untouched.check()
    press(client_for(mayor), entry, "found")
    assert OutboxEntry.objects.get(pk=entry.pk).state == State.PUBLISHED


def test_the_answers_are_offered_on_the_outbox_row_and_in_the_inbox(
    unconfirmed, approver, facebook_page, client_for
):
    publisher = _publisher_not_approver(facebook_page)
    row = client_for(approver).get("/publishing/").content.decode()
    assert f"/publishing/{unconfirmed.pk}/found/" in row
    assert f"/publishing/{unconfirmed.pk}/missing/" in row
    assert (
        f"/publishing/{unconfirmed.pk}/found/"
        not in client_for(publisher).get("/publishing/").content.decode()
    )

    def box(person: User):
        [section] = [s for s in inbox_sections(user=person) if s.kind.slug == "posts-unconfirmed"]
        return section

    [entry] = box(approver).entries
    assert [action.url for action in entry.actions] == [
        f"/publishing/{unconfirmed.pk}/found/",
        f"/publishing/{unconfirmed.pk}/missing/",
    ]
    assert "look on the account" in entry.detail
    [seen] = box(publisher).entries  # may check on the platform, not settle
    assert seen.actions == ()
    inbox = client_for(approver).get("/todo/").content.decode()
    assert f"/publishing/{unconfirmed.pk}/missing/" in inbox
    assert queued_untimed() == []


def test_reconcile_needs_no_tracked_link_where_the_listing_shows_every_post(unconfirmed):
    # The post's link can no longer be made (its target is no longer allowed): reconcile
    # on Facebook reads no request, so the platform's "not there" still settles the post.
    Variant.objects.filter(pk=unconfirmed.variant_id).update(link="https://evil.example/x")
    assert outbox.outbox_reconcile(entry_id=unconfirmed.pk) == outbox.Step.SCHEDULED
