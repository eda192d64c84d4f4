"""Retry and reconcile, pressed by people: only who may publish on the account, only when safe.

A refused press must leave the outbox row exactly as it was, enqueue no task and write no
audit row; an allowed retry of a failed post publishes it once on the (fake) platform.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import Variant
from quartieri.campaigns.services import variant_update
from quartieri.channels.connectors.fakeserver import FaultKind
from quartieri.channels.models import PlatformCredential
from quartieri.channels.services import credential_mark_reconnect_needed
from quartieri.publishing.models import OutboxEntry
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


# --- Who may press ------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["retry", "reconcile"])
def test_an_analyst_pressing_the_buttons_changes_nothing(failed, analyst, client_for, action):
    untouched = Untouched(failed)
    response = client_for(analyst).post(f"/publishing/{failed.pk}/{action}/")
    assert response.status_code == 403
    untouched.check()


def test_an_editor_without_the_publish_grant_cannot_retry(failed, editor, client_for):
    untouched = Untouched(failed)
    response = press(client_for(editor), failed, "retry")
    assert "You have no grant to schedule and publish on Facebook ComunediMilano." in (
        response.content.decode()
    )
    untouched.check()


def test_an_editor_cannot_ask_for_a_reconcile_either(failed, editor, client_for):
    OutboxEntry.objects.filter(pk=failed.pk).update(state=State.UNCONFIRMED)
    untouched = Untouched(failed)
    response = press(client_for(editor), failed, "reconcile")
    assert "You have no grant to schedule and publish" in response.content.decode()
    untouched.check()


def test_on_a_personal_account_only_its_owner_may_retry(
    item, mayor_page, mayor, approver, fake_facebook, client_for
):
    fake_facebook.inject(FaultKind.PLATFORM_ERROR, path="/feed$", code=1609005)
    entry = scheduled_after_review(item, mayor_page, mayor, mayor)
    drain()
    untouched = Untouched(entry)

    response = press(client_for(approver), entry, "retry")
    assert "personal account: only its owner may do this" in response.content.decode()
    untouched.check()

    press(client_for(mayor), entry, "retry")
    drain()
    assert OutboxEntry.objects.get(pk=entry.pk).state == State.PUBLISHED
    assert len(fake_facebook.posts) == 1


# --- What may be pressed when ---------------------------------------------------------------------
def test_retrying_a_failed_post_publishes_it_once_on_the_platform(
    failed, approver, client_for, fake_facebook
):
    response = press(client_for(approver), failed, "retry")
    assert "The post is going out again" in response.content.decode()
    entry = OutboxEntry.objects.get(pk=failed.pk)
    assert (entry.state, entry.attempts, entry.last_error) == (State.SCHEDULED, 0, "")
    assert queued_untimed() == [("publish_entry", {"entry_id": entry.pk, "version": entry.version})]

    drain()
    entry.refresh_from_db()
    assert entry.state == State.PUBLISHED
    assert [post.message for post in fake_facebook.posts] == [f"Isola #Isola\n{entry.marker}"]
    # Pressing again now is refused: it is out.
    press(client_for(approver), entry, "retry")
    assert queued_untimed() == []
    assert len(fake_facebook.posts) == 1
    event = AuditEvent.objects.get(action="publishing.outbox.retry")
    assert (event.actor, event.before["state"], event.after["state"]) == (
        approver,
        "failed",
        "scheduled",
    )


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("published", "already published: sending it again would post it twice"),
        ("unconfirmed", "may already be on the platform, so it is not sent again"),
        ("submitting", "being sent right now"),
        ("submitted", "processing it"),
        ("scheduled", "already waiting to go out"),
        ("cancelled", "withdrawn"),
    ],
)
def test_only_a_failed_post_can_be_sent_again(failed, approver, client_for, state, reason):
    OutboxEntry.objects.filter(pk=failed.pk).update(state=state)
    untouched = Untouched(failed)
    response = press(client_for(approver), failed, "retry")
    assert reason in response.content.decode()
    untouched.check()


def test_a_failed_post_edited_since_is_not_sent_again(failed, editor, approver, client_for):
    # Editing sends the post back to review and withdraws it from the outbox: what was
    # approved is not what would go out.
    variant_update(actor=editor, variant=failed.variant, caption="Isola, rewritten")
    assert Variant.objects.get(pk=failed.variant_id).status == Variant.Status.IN_REVIEW
    assert OutboxEntry.objects.get(pk=failed.pk).state == State.CANCELLED
    untouched = Untouched(failed)
    response = press(client_for(approver), failed, "retry")
    assert "This post was withdrawn: schedule it again from its campaign." in (
        response.content.decode()
    )
    untouched.check()


def test_retry_waits_for_the_account_to_be_reconnected(failed, facebook_page, approver, client_for):
    credential = PlatformCredential.objects.get(account=facebook_page)
    credential_mark_reconnect_needed(actor=None, credential_id=credential.pk, reason="190")
    untouched = Untouched(failed)
    response = press(client_for(approver), failed, "retry")
    assert "must be reconnected first" in response.content.decode()
    untouched.check()


def test_an_unconfirmed_post_is_checked_on_the_platform_not_sent(
    failed, approver, client_for, fake_facebook
):
    # The worker lost the answer of a submit sent 10 minutes ago: is the post there?
    sent = timezone.now() - dt.timedelta(minutes=10)
    OutboxEntry.objects.filter(pk=failed.pk).update(state=State.UNCONFIRMED, sent_at=sent)
    before = model_to_dict(OutboxEntry.objects.get(pk=failed.pk))

    response = press(client_for(approver), failed, "reconcile")

    assert "Quartieri will ask the platform at" in response.content.decode()
    assert model_to_dict(OutboxEntry.objects.get(pk=failed.pk)) == before  # row unchanged
    [result] = queue_backend().results
    assert (result.task.name, result.kwargs) == ("reconcile_entry", {"entry_id": failed.pk})
    assert result.task.run_after is not None
    assert result.task.run_after <= timezone.now()  # the send was long ago: at once
    assert AuditEvent.objects.filter(action="publishing.outbox.reconcile").count() == 1
    # The platform has no such post: reconcile sends it (the one path that may re-send).
    drain()
    assert OutboxEntry.objects.get(pk=failed.pk).state == State.PUBLISHED
    assert len(fake_facebook.posts) == 1


def test_a_reconcile_asked_right_after_a_lost_answer_waits_for_late_requests(
    failed, approver, client_for
):
    sent = timezone.now()
    OutboxEntry.objects.filter(pk=failed.pk).update(state=State.UNCONFIRMED, sent_at=sent)
    press(client_for(approver), failed, "reconcile")
    [result] = queue_backend().results
    # Not before the outbox's own delay: a timed-out request may still land.
    assert result.task.run_after == sent + dt.timedelta(seconds=60)


def test_only_an_unconfirmed_post_can_be_checked(failed, approver, client_for):
    untouched = Untouched(failed)
    response = press(client_for(approver), failed, "reconcile")
    assert "Only a post whose outcome is not confirmed can be checked" in response.content.decode()
    untouched.check()


def test_the_buttons_need_post_and_a_csrf_token(failed, approver):
    client = Client(enforce_csrf_checks=True)
    client.force_login(approver)
    untouched = Untouched(failed)
    assert client.get(f"/publishing/{failed.pk}/retry/").status_code == 405
    assert client.post(f"/publishing/{failed.pk}/retry/").status_code == 403
    assert client.post(f"/publishing/{failed.pk}/reconcile/").status_code == 403
    untouched.check()
