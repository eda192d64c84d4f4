"""Who may move a variant, checked in the services; every denial leaves no trace."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from quartieri.accounts.models import AuditEvent
from quartieri.campaigns.models import Transition, Variant
from quartieri.campaigns.services import (
    variant_approve,
    variant_create,
    variant_mark_published,
    variant_reject,
    variant_schedule,
    variant_submit,
    variant_update,
)
from tests.campaigns.conftest import IN_WINDOW, Unchanged

S = Variant.Status


def test_editor_cannot_approve(item, tiktok, editor, other_editor, make_variant):
    # Given Luca's variant in review; Marco (editor) has no approve capability nor grant
    variant = make_variant(item=item, account=tiktok, by=other_editor, status=S.IN_REVIEW)
    before = Unchanged(variant)
    with pytest.raises(PermissionDenied, match="content.approve"):
        variant_approve(actor=editor, variant=variant)
    before.check()


def test_approver_cannot_approve_what_they_drafted(item, tiktok, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=approver, status=S.IN_REVIEW)
    before = Unchanged(variant)
    with pytest.raises(PermissionDenied, match="drafted or edited"):
        variant_approve(actor=approver, variant=variant)
    before.check()


def test_approver_cannot_reject_what_they_drafted(item, tiktok, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=approver, status=S.IN_REVIEW)
    before = Unchanged(variant)
    with pytest.raises(PermissionDenied, match="drafted or edited"):
        variant_reject(actor=approver, variant=variant, comment="Too long")
    before.check()


def test_approver_cannot_approve_after_editing_it(item, tiktok, editor, approver, make_variant):
    # Marco drafts; Giulia rewrites the caption in review: her own words need other eyes.
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    variant = variant_update(actor=approver, variant=variant, caption="Giulia's words")
    before = Unchanged(variant)
    with pytest.raises(PermissionDenied, match="drafted or edited"):
        variant_approve(actor=approver, variant=variant)
    before.check()


def test_approver_without_grant_on_account_cannot_approve(item, tiktok, editor, make_variant):
    from quartieri.channels.models import AccountGrant

    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    grant = AccountGrant.objects.get(account=tiktok, user__username="giulia")
    grant.can_approve = False
    grant.save()
    before = Unchanged(variant)
    with pytest.raises(PermissionDenied, match="grant"):
        variant_approve(actor=grant.user, variant=variant)
    before.check()


def test_editor_without_draft_grant_cannot_draft(item, instagram, other_editor):
    # Luca has no grant on YesMilano's Instagram
    audit = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="grant"):
        variant_create(actor=other_editor, content_item=item, account=instagram, post_type="feed")
    assert Variant.objects.count() == 0
    assert AuditEvent.objects.count() == audit


def test_approver_approves_other_persons_draft(item, tiktok, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, status=S.IN_REVIEW)
    variant = variant_approve(actor=approver, variant=variant)
    assert Variant.objects.get(pk=variant.pk).status == S.APPROVED
    last = Transition.objects.filter(variant=variant).last()
    assert (last.from_status, last.to_status, last.actor) == (S.IN_REVIEW, S.APPROVED, approver)
    event = AuditEvent.objects.filter(action="campaigns.variant.approve").get()
    assert (event.before["status"], event.after["status"]) == (S.IN_REVIEW, S.APPROVED)


@pytest.mark.parametrize(
    "who_case",
    ["approver_with_full_grant", "editor_with_draft_grant"],
)
def test_personal_account_is_approved_only_by_its_owner(
    who_case, item, mayor_instagram, mayor, approver, editor, make_variant
):
    variant = make_variant(
        item=item, account=mayor_instagram, by=mayor, status=S.IN_REVIEW, reviewer=mayor
    )
    actor = approver if who_case == "approver_with_full_grant" else editor
    before = Unchanged(variant)
    with pytest.raises(PermissionDenied):
        variant_approve(actor=actor, variant=variant)
    before.check()


def test_personal_account_owner_approves_and_publishes(item, mayor_instagram, mayor, make_variant):
    variant = make_variant(item=item, account=mayor_instagram, by=mayor, status=S.IN_REVIEW)
    variant = variant_approve(actor=mayor, variant=variant)
    variant = variant_schedule(actor=mayor, variant=variant, at=IN_WINDOW)
    variant = variant_mark_published(actor=mayor, variant=variant)
    assert Variant.objects.get(pk=variant.pk).status == S.PUBLISHED


def test_personal_account_draft_by_others_is_refused(item, mayor_instagram, editor):
    with pytest.raises(PermissionDenied, match="personal account"):
        variant_create(actor=editor, content_item=item, account=mayor_instagram, post_type="feed")
    assert Variant.objects.count() == 0


def test_only_owner_schedules_and_publishes_on_personal_account(
    item, mayor_instagram, mayor, approver, make_variant
):
    variant = make_variant(
        item=item, account=mayor_instagram, by=mayor, status=S.APPROVED, reviewer=mayor
    )
    before = Unchanged(variant)
    with pytest.raises(PermissionDenied, match="personal account"):
        variant_schedule(actor=approver, variant=variant, at=IN_WINDOW)
    before.check()
    variant = variant_schedule(actor=mayor, variant=variant, at=IN_WINDOW)
    before = Unchanged(variant)
    with pytest.raises(PermissionDenied, match="personal account"):
        variant_mark_published(actor=approver, variant=variant)
    before.check()


@pytest.mark.parametrize(
    ("status", "action_case"),
    [
        (S.DRAFT, "create"),
        (S.DRAFT, "update"),
        (S.DRAFT, "submit"),
        (S.IN_REVIEW, "approve"),
        (S.IN_REVIEW, "reject"),
        (S.APPROVED, "schedule"),
        (S.SCHEDULED, "publish"),
    ],
)
def test_analyst_changes_nothing(status, action_case, item, tiktok, editor, analyst, make_variant):
    from quartieri.channels.models import AccountGrant

    # Even a (mistaken) full grant does not lift the analyst's read-only role.
    AccountGrant.objects.create(
        account=tiktok, user=analyst, can_draft=True, can_approve=True, can_publish=True
    )
    variant = make_variant(item=item, account=tiktok, by=editor, status=status)
    before = Unchanged(variant)
    variants = Variant.objects.count()
    calls = {
        "create": lambda: variant_create(
            actor=analyst, content_item=item, account=tiktok, post_type="video"
        ),
        "update": lambda: variant_update(actor=analyst, variant=variant, caption="x"),
        "submit": lambda: variant_submit(actor=analyst, variant=variant),
        "approve": lambda: variant_approve(actor=analyst, variant=variant),
        "reject": lambda: variant_reject(actor=analyst, variant=variant, comment="no"),
        "schedule": lambda: variant_schedule(actor=analyst, variant=variant, at=IN_WINDOW),
        "publish": lambda: variant_mark_published(actor=analyst, variant=variant),
    }
    with pytest.raises(PermissionDenied):
        calls[action_case]()
    before.check()
    assert Variant.objects.count() == variants
    assert Variant.objects.get(pk=variant.pk).caption == variant.caption
