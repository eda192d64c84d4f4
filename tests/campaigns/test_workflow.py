"""The variant workflow: submit, approve, reject, edit, schedule, publish."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns import scheduling
from quartieri.campaigns.models import Transition, Variant
from quartieri.campaigns.services import (
    variant_approve,
    variant_mark_published,
    variant_reject,
    variant_schedule,
    variant_submit,
    variant_update,
)
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import IN_WINDOW, ROME, Unchanged, added_length, give_media

S = Variant.Status


def test_full_path_leaves_a_timeline_and_audit_rows(item, tiktok, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor)
    give_media(variant)
    variant = variant_submit(actor=editor, variant=variant)
    variant = variant_approve(actor=approver, variant=variant, comment="Bello")
    variant = variant_schedule(actor=approver, variant=variant, at=IN_WINDOW)
    variant = variant_mark_published(actor=approver, variant=variant)
    timeline = list(
        Transition.objects.filter(variant=variant).values_list(
            "action", "from_status", "to_status", "actor__username"
        )
    )
    assert timeline == [
        ("create", S.DRAFT, S.DRAFT, "marco"),
        ("submit", S.DRAFT, S.IN_REVIEW, "marco"),
        ("approve", S.IN_REVIEW, S.APPROVED, "giulia"),
        ("schedule", S.APPROVED, S.SCHEDULED, "giulia"),
        ("publish", S.SCHEDULED, S.PUBLISHED, "giulia"),
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="campaigns.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "campaigns.variant.create",
        "campaigns.variant.submit",
        "campaigns.variant.approve",
        "campaigns.variant.schedule",
        "campaigns.variant.publish",
    ]


def test_reject_requires_a_comment(item, tiktok, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    before = Unchanged(variant)
    with pytest.raises(ValidationError, match="needs a comment"):
        variant_reject(actor=approver, variant=variant, comment="   ")
    before.check()


def test_reject_returns_to_draft_with_the_comment(item, tiktok, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    variant_reject(actor=approver, variant=variant, comment="Name the abbey's 800 years")
    fresh = Variant.objects.get(pk=variant.pk)
    assert fresh.status == S.DRAFT
    assert fresh.review_comment == "Name the abbey's 800 years"
    last = Transition.objects.filter(variant=variant).last()
    assert (last.action, last.from_status, last.to_status, last.comment) == (
        "reject",
        S.IN_REVIEW,
        S.DRAFT,
        "Name the abbey's 800 years",
    )
    # and the editor may submit it again
    assert variant_submit(actor=editor, variant=fresh).status == S.IN_REVIEW


@pytest.mark.parametrize("status", [S.APPROVED, S.SCHEDULED])
def test_editing_after_approval_returns_to_review(
    status, item, tiktok, editor, approver, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=status)
    variant_update(actor=editor, variant=variant, caption="Baggio, slow and green")
    fresh = Variant.objects.get(pk=variant.pk)
    assert (fresh.status, fresh.caption, fresh.scheduled_at) == (
        S.IN_REVIEW,
        "Baggio, slow and green",
        None,
    )
    last = Transition.objects.filter(variant=variant).last()
    assert (last.action, last.from_status, last.to_status) == ("edit", status, S.IN_REVIEW)
    event = AuditEvent.objects.filter(action="campaigns.variant.edit").get()
    assert event.before["caption"] == "Baggio, slow"
    assert event.after["caption"] == "Baggio, slow and green"


def test_editing_a_draft_keeps_it_a_draft(item, tiktok, editor, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor)
    transitions = Transition.objects.count()
    variant_update(actor=editor, variant=variant, caption="New")
    assert Variant.objects.get(pk=variant.pk).status == S.DRAFT
    assert Transition.objects.count() == transitions
    assert AuditEvent.objects.filter(action="campaigns.variant.edit").count() == 1


def test_published_variant_cannot_be_edited(item, tiktok, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)
    variant = variant_mark_published(actor=approver, variant=variant)
    before = Unchanged(variant)
    with pytest.raises(ValidationError, match="Published"):
        variant_update(actor=editor, variant=variant, caption="too late")
    before.check()


def test_approval_is_refused_while_rules_fail_and_lists_them(
    item, tiktok, editor, approver, make_variant
):
    # given a variant in review whose text and options were changed behind the workflow's
    # back (an administrator), so that it breaks two rules
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    added = added_length(tiktok)  # the outbox's marker line: the caption has the rest
    Variant.objects.filter(pk=variant.pk).update(caption="a" * 2201, options={})
    variant.refresh_from_db()
    before = Unchanged(variant)
    with pytest.raises(ValidationError) as refused:
        variant_approve(actor=approver, variant=variant)
    assert refused.value.messages == [
        f"caption: 2,201 UTF-16 units, limit {2200 - added:,} (TikTok: {added} more are kept "
        "for the links quartieri adds)",
        "privacy level: not chosen, it must be chosen explicitly (TikTok)",
    ]
    before.check()


def test_approval_of_a_draft_is_refused(item, tiktok, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor)
    before = Unchanged(variant)
    with pytest.raises(ValidationError, match="Draft"):
        variant_approve(actor=approver, variant=variant)
    before.check()


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2021, 5, 2, 23, 59, tzinfo=ROME),  # the day before the campaign
        dt.datetime(2021, 10, 1, 0, 0, tzinfo=ROME),  # the day after
        # 30 Sept 23:30 in UTC is already 1 October in Rome: the window is in Rome days.
        dt.datetime(2021, 9, 30, 23, 30, tzinfo=dt.UTC),
    ],
)
def test_scheduling_outside_the_campaign_is_refused(
    at, item, tiktok, editor, approver, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    before = Unchanged(variant)
    with pytest.raises(ValidationError, match="outside the campaign"):
        variant_schedule(actor=approver, variant=variant, at=at)
    before.check()


def test_scheduling_on_the_campaign_edges_is_accepted(item, tiktok, editor, approver, make_variant):
    first = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    last = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    variant_schedule(actor=approver, variant=first, at=dt.datetime(2021, 5, 3, 0, 0, tzinfo=ROME))
    variant_schedule(actor=approver, variant=last, at=dt.datetime(2021, 9, 30, 23, 59, tzinfo=ROME))
    assert Variant.objects.filter(status=S.SCHEDULED).count() == 2


def test_naive_time_is_refused(item, tiktok, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    before = Unchanged(variant)
    with pytest.raises(ValidationError, match="time zone"):
        variant_schedule(actor=approver, variant=variant, at=dt.datetime(2021, 5, 15, 10))  # noqa: DTZ001
    before.check()


def test_minimum_spacing_between_posts_on_an_account(item, tiktok, editor, approver, make_variant):
    tiktok.min_spacing_minutes = 120
    tiktok.save()
    first = make_variant(item=item, account=tiktok, by=editor, status=S.SCHEDULED)
    second = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    before = Unchanged(second)
    with pytest.raises(ValidationError, match="120 minutes"):
        variant_schedule(
            actor=approver, variant=second, at=first.scheduled_at + dt.timedelta(minutes=119)
        )
    before.check()
    variant_schedule(
        actor=approver, variant=second, at=first.scheduled_at + dt.timedelta(minutes=120)
    )
    assert Variant.objects.get(pk=second.pk).status == S.SCHEDULED


def test_the_schedule_form_refuses_a_past_time_and_says_why(
    client_for, item, tiktok, editor, approver, make_variant, monkeypatch
):
    monkeypatch.setattr(scheduling, "schedule_now", lambda: dt.datetime(2021, 6, 1, tzinfo=dt.UTC))
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.APPROVED)
    before = Unchanged(variant)
    client = client_for(approver)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("campaigns:campaign_detail", args=[item.campaign.slug]))
    assert f'id="date-{variant.pk}" name="date"' in page.content.decode()
    assert 'min="2021-06-01"' in page.content.decode()  # the day picker starts today
    response = client.post(
        reverse("campaigns:variant_action", args=[variant.pk, "schedule"]),
        {"date": "2021-05-20", "time": "10:00"},
        follow=True,
    )
    assert (
        "2021-05-20 10:00 is in the past (it is now 2021-06-01 02:00): choose a later time."
        in response.content.decode()
    )
    before.check()
    assert Variant.objects.get(pk=variant.pk).scheduled_at is None
    assert not OutboxEntry.objects.exists()
