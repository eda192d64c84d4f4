"""Scheduling a variant puts it in the publishing outbox; moving or editing it follows the
outbox, and a post already on its way can be neither moved nor edited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from quartieri.campaigns.models import Variant
from quartieri.campaigns.services import variant_schedule, variant_update
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import Unchanged

ROME = dt.timezone(dt.timedelta(hours=2))
LATER = dt.datetime(2021, 6, 10, 18, 0, tzinfo=ROME)

pytestmark = pytest.mark.django_db


def test_scheduling_creates_one_outbox_entry_and_moving_it_updates_the_same_row(
    make_variant, item, tiktok, editor, approver
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.SCHEDULED)
    entry = OutboxEntry.objects.get(variant=variant)
    assert entry.due_at == variant.scheduled_at
    assert entry.state == OutboxEntry.State.SCHEDULED

    variant_schedule(actor=approver, variant=variant, at=LATER)
    moved = OutboxEntry.objects.get(variant=variant)
    assert moved.pk == entry.pk
    assert moved.due_at == LATER
    assert moved.version == entry.version + 1


def test_editing_a_scheduled_variant_cancels_its_post(make_variant, item, tiktok, editor):
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.SCHEDULED)
    variant_update(actor=editor, variant=variant, caption="Baggio, slower")
    assert OutboxEntry.objects.get(variant=variant).state == OutboxEntry.State.CANCELLED
    assert Variant.objects.get(pk=variant.pk).status == Variant.Status.IN_REVIEW


@pytest.mark.parametrize("state", ["submitting", "submitted", "unconfirmed"])
def test_a_post_on_its_way_can_be_neither_moved_nor_edited(
    make_variant, item, tiktok, editor, approver, state
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.SCHEDULED)
    OutboxEntry.objects.filter(variant=variant).update(state=state)
    unchanged = Unchanged(variant)

    with pytest.raises(ValidationError):
        variant_schedule(actor=approver, variant=variant, at=LATER)
    with pytest.raises(ValidationError):
        variant_update(actor=editor, variant=variant, caption="too late")

    unchanged.check()
    assert OutboxEntry.objects.get(variant=variant).state == state
    assert Variant.objects.get(pk=variant.pk).caption != "too late"
