"""Wall-clock posting times around the 2021 clock changes in Europe/Rome."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from quartieri.campaigns import scheduling
from quartieri.campaigns.models import Campaign, Variant
from quartieri.campaigns.scheduling import FoldPolicy, GapPolicy, WallTimeError, schedule_resolve
from quartieri.campaigns.scheduling import schedule_now as real_schedule_now
from quartieri.campaigns.services import variant_schedule
from quartieri.publishing.models import OutboxEntry
from tests.campaigns.conftest import Unchanged

ROME = ZoneInfo("Europe/Rome")
SPRING = dt.date(2021, 3, 28)  # clocks go 02:00 → 03:00
AUTUMN = dt.date(2021, 10, 31)  # clocks go 03:00 → 02:00
HALF_PAST_TWO = dt.time(2, 30)


def test_spring_gap_is_refused_by_default():
    with pytest.raises(WallTimeError, match="02:30 does not exist on 2021-03-28 in Europe/Rome"):
        schedule_resolve(date=SPRING, wall_time=HALF_PAST_TWO)


def test_spring_gap_moves_to_the_next_valid_time_with_a_warning():
    resolved = schedule_resolve(
        date=SPRING, wall_time=HALF_PAST_TWO, gap_policy=GapPolicy.NEXT_VALID
    )
    assert resolved.at.isoformat() == "2021-03-28T03:00:00+02:00"
    assert resolved.at.astimezone(dt.UTC) == dt.datetime(2021, 3, 28, 1, 0, tzinfo=dt.UTC)
    assert resolved.warning == (
        "02:30 does not exist on 2021-03-28 in Europe/Rome (the clocks go forward): "
        "moved to 03:00 (+02:00)."
    )


def test_autumn_fold_without_a_choice_is_an_error():
    with pytest.raises(WallTimeError) as error:
        schedule_resolve(date=AUTUMN, wall_time=HALF_PAST_TWO)
    assert str(error.value) == (
        "02:30 happens twice on 2021-10-31 in Europe/Rome (the clocks go back): choose the "
        "first occurrence (+02:00) or the second (+01:00)."
    )


@pytest.mark.parametrize(
    ("policy", "offset", "utc_hour"),
    [(FoldPolicy.FIRST, "+02:00", 0), (FoldPolicy.SECOND, "+01:00", 1)],
)
def test_autumn_fold_resolved_explicitly(policy, offset, utc_hour):
    resolved = schedule_resolve(date=AUTUMN, wall_time=HALF_PAST_TWO, fold_policy=policy)
    assert resolved.at.isoformat() == f"2021-10-31T02:30:00{offset}"
    assert resolved.at.astimezone(dt.UTC) == dt.datetime(2021, 10, 31, utc_hour, 30, tzinfo=dt.UTC)
    assert resolved.warning == ""


def test_ordinary_time_needs_no_policy():
    resolved = schedule_resolve(date=dt.date(2021, 5, 15), wall_time=dt.time(10, 0))
    assert resolved.at.isoformat() == "2021-05-15T10:00:00+02:00"


def test_gap_in_another_zone():
    # New York skipped 02:00–02:59 on 14 March 2021: the zone is a parameter, not Milan-only.
    resolved = schedule_resolve(
        date=dt.date(2021, 3, 14),
        wall_time=HALF_PAST_TWO,
        tz="America/New_York",
        gap_policy=GapPolicy.NEXT_VALID,
    )
    assert resolved.at.isoformat() == "2021-03-14T03:00:00-04:00"


@pytest.mark.parametrize(
    ("day", "offset"),
    [
        (dt.date(2021, 3, 27), "+01:00"),
        (dt.date(2021, 3, 28), "+02:00"),
        (dt.date(2021, 3, 29), "+02:00"),
        (dt.date(2021, 10, 30), "+02:00"),
        (dt.date(2021, 10, 31), "+01:00"),
        (dt.date(2021, 11, 1), "+01:00"),
    ],
)
def test_daily_10_00_is_10_00_on_both_sides_of_each_change(
    day, offset, item, tiktok, editor, approver, make_variant
):
    # A campaign spanning both 2021 clock changes; each post keeps its 10:00 wall time.
    Campaign.objects.filter(pk=item.campaign_id).update(
        start_date=dt.date(2021, 3, 1), end_date=dt.date(2021, 11, 30)
    )
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.APPROVED)
    at = schedule_resolve(date=day, wall_time=dt.time(10, 0)).at
    variant_schedule(actor=approver, variant=variant, at=at)
    stored = Variant.objects.get(pk=variant.pk).scheduled_at
    local = timezone.localtime(stored, ROME)
    assert (local.date(), local.time()) == (day, dt.time(10, 0))
    assert local.isoformat()[-6:] == offset


def test_posts_around_the_autumn_fold_keep_their_order(
    item, tiktok, editor, approver, make_variant
):
    Campaign.objects.filter(pk=item.campaign_id).update(
        start_date=dt.date(2021, 10, 1), end_date=dt.date(2021, 11, 30)
    )
    first = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.APPROVED)
    second = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.APPROVED)
    for variant, policy in ((second, FoldPolicy.SECOND), (first, FoldPolicy.FIRST)):
        at = schedule_resolve(date=AUTUMN, wall_time=HALF_PAST_TWO, fold_policy=policy).at
        variant_schedule(actor=approver, variant=variant, at=at)
    ordered = list(Variant.objects.filter(pk__in=[first.pk, second.pk]).order_by("scheduled_at"))
    assert [variant.pk for variant in ordered] == [first.pk, second.pk]
    assert ordered[1].scheduled_at - ordered[0].scheduled_at == dt.timedelta(hours=1)


# --- No posting time in the past (services._require_future) --------------------------------

MID_MAY = dt.datetime(2021, 5, 15, 12, 0, tzinfo=dt.UTC)  # 14:00 in Rome


@pytest.fixture
def now_mid_may(monkeypatch):
    monkeypatch.setattr(scheduling, "schedule_now", lambda: MID_MAY)
    return MID_MAY


def test_the_clock_is_the_real_one_outside_the_2021_fixtures():
    assert abs(real_schedule_now() - timezone.now()) < dt.timedelta(seconds=5)


def test_a_time_in_the_past_is_refused_and_nothing_reaches_the_outbox(
    now_mid_may, item, tiktok, editor, approver, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.APPROVED)
    before = Unchanged(variant)
    this_morning = dt.datetime(2021, 5, 15, 10, 0, tzinfo=ROME)
    with pytest.raises(ValidationError) as refused:
        variant_schedule(actor=approver, variant=variant, at=this_morning)
    assert refused.value.messages == [
        "2021-05-15 10:00 is in the past (it is now 2021-05-15 14:00): choose a later time."
    ]
    before.check()
    stored = Variant.objects.get(pk=variant.pk)
    assert (stored.status, stored.scheduled_at) == (Variant.Status.APPROVED, None)
    assert not OutboxEntry.objects.filter(variant=variant).exists()
    # The same variant an hour from now goes on the calendar and into the outbox.
    variant_schedule(actor=approver, variant=variant, at=MID_MAY + dt.timedelta(hours=1))
    assert OutboxEntry.objects.filter(variant=variant).count() == 1


def test_now_itself_is_already_too_late(now_mid_may, item, tiktok, editor, approver, make_variant):
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.APPROVED)
    with pytest.raises(ValidationError, match="is in the past"):
        variant_schedule(actor=approver, variant=variant, at=MID_MAY)
    variant_schedule(actor=approver, variant=variant, at=MID_MAY + dt.timedelta(minutes=1))
    assert Variant.objects.get(pk=variant.pk).status == Variant.Status.SCHEDULED


def test_a_scheduled_post_cannot_be_moved_into_the_past(
    item, tiktok, editor, approver, make_variant, monkeypatch
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.SCHEDULED)
    due = OutboxEntry.objects.get(variant=variant).due_at
    monkeypatch.setattr(scheduling, "schedule_now", lambda: MID_MAY)
    before = Unchanged(variant)
    with pytest.raises(ValidationError, match="is in the past"):
        variant_schedule(
            actor=approver, variant=variant, at=dt.datetime(2021, 5, 10, 9, 0, tzinfo=ROME)
        )
    before.check()
    assert OutboxEntry.objects.get(variant=variant).due_at == due


def test_only_the_demo_may_write_a_past_time(
    now_mid_may, item, tiktok, editor, approver, make_variant
):
    variant = make_variant(item=item, account=tiktok, by=editor, status=Variant.Status.APPROVED)
    at = dt.datetime(2021, 5, 4, 18, 0, tzinfo=ROME)
    variant_schedule(actor=approver, variant=variant, at=at, allow_past=True)
    assert Variant.objects.get(pk=variant.pk).scheduled_at == at
