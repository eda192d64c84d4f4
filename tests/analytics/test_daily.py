"""The daily trigger (once across all workers), the task, the command and the admin pages."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from quartieri.analytics import periodic
from quartieri.analytics.models import InsightsRun, PostMetric
from quartieri.analytics.tasks import pull_insights
from quartieri.core.workers import periodic_tick
from tests.analytics.conftest import connect, published, tiktok_video

pytestmark = pytest.mark.django_db


def rome(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 26, hour, minute, tzinfo=ZoneInfo("Europe/Rome"))


def queued() -> list[tuple[str, dict[str, object]]]:
    return [(r.task.name, r.kwargs) for r in pull_insights.get_backend().results]


def test_the_daily_pull_is_enqueued_once_however_many_workers_tick(
    settings, django_capture_on_commit_callbacks
):
    settings.INSIGHTS_HOUR = 6
    with django_capture_on_commit_callbacks(execute=True):
        # Two workers, seconds apart, both past the hour.
        assert periodic.tick(now=rome(6, 0)) is True
        assert periodic.tick(now=rome(6, 1)) is False

    run = InsightsRun.objects.get()
    assert (run.day, run.trigger, run.finished_at) == (dt.date(2026, 11, 26), "worker", None)
    assert queued() == [("pull_insights", {"run_id": run.pk})]


def test_nothing_is_enqueued_before_the_hour_or_when_the_daily_pull_is_off(
    settings, django_capture_on_commit_callbacks
):
    settings.INSIGHTS_HOUR = 6
    with django_capture_on_commit_callbacks(execute=True):
        assert periodic.tick(now=rome(5, 59)) is False
        settings.INSIGHTS_DAILY = False  # cron runs `quartieri insights pull` instead
        assert periodic.tick(now=rome(12)) is False

    assert not InsightsRun.objects.exists()
    assert queued() == []


def test_each_worker_heartbeat_gives_the_daily_pull_its_turn(
    settings, django_capture_on_commit_callbacks
):
    settings.INSIGHTS_HOUR = 6
    with django_capture_on_commit_callbacks(execute=True):
        periodic_tick(now=rome(7))
        periodic_tick(now=rome(7, 5))

    assert InsightsRun.objects.count() == 1
    assert [name for name, _kwargs in queued()] == ["pull_insights"]


def test_the_task_pulls_and_records_what_happened_per_account(item, fake_tiktok):
    account = connect("tiktok", "@visit.quartieri", token="tok-a")
    published(item, account, tiktok_video(fake_tiktok, token="tok-a"))
    run = InsightsRun.objects.create(
        day=timezone.localdate(), trigger="worker", claimed_at=timezone.now()
    )

    result = pull_insights.call(run_id=run.pk)

    run.refresh_from_db()
    assert run.finished_at is not None
    [summary] = run.summary
    assert (summary["account"], summary["status"], summary["post_rows"]) == (
        "TikTok @visit.quartieri",
        "ok",
        4,
    )
    assert result["accounts"] == run.summary
    assert PostMetric.objects.count() == 4
    # Safe to run twice: the same rows, updated.
    pull_insights.call(run_id=run.pk)
    assert PostMetric.objects.count() == 4


def test_the_command_pulls_claims_the_day_and_prints_each_account(
    item, fake_tiktok, settings, django_capture_on_commit_callbacks
):
    account = connect("tiktok", "@visit.quartieri", token="tok-a")
    published(item, account, tiktok_video(fake_tiktok, token="tok-a"))
    out = StringIO()

    call_command("insights", "pull", "--days", "7", "--format", "json", stdout=out)

    report = json.loads(out.getvalue())
    assert report["day"] == timezone.localdate().isoformat()
    assert [(a["account"], a["status"], a["post_rows"]) for a in report["accounts"]] == [
        ("TikTok @visit.quartieri", "ok", 4)
    ]
    run = InsightsRun.objects.get()
    assert run.trigger == "command"
    table = StringIO()
    call_command("insights", "pull", stdout=table)  # for people: one line per account
    assert "TikTok @visit.quartieri" in table.getvalue()
    assert InsightsRun.objects.count() == 1
    # Cron ran it today: the workers do not pull again.
    settings.INSIGHTS_HOUR = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert periodic.tick(now=timezone.now()) is False
    assert queued() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "--days 0 must be between 1 and 730"),
        (["--account-days", "91"], "--account-days 91 must be between 1 and 90"),
    ],
    ids=["days_case", "account_days_case"],
)
def test_the_command_refuses_a_window_out_of_range(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("insights", "pull", *args)
    assert not InsightsRun.objects.exists()


def test_the_insights_admin_pages_are_read_only(admin_user, client_for):
    client = client_for(admin_user)
    for model in ("postmetric", "accountmetric", "insightsrun"):
        assert client.get(f"/admin/analytics/{model}/").status_code == 200
        assert client.get(f"/admin/analytics/{model}/add/").status_code == 403
