"""The insights pull against the local fakes: what is stored, and what happens when a
platform refuses, limits or forgets a token."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from quartieri.analytics.models import AccountMetric, PostMetric
from quartieri.analytics.services import insights_pull
from quartieri.channels.connectors.fakeserver import FakeServer, FaultKind
from quartieri.channels.kinds.facebook.fake import PAGE_ID
from quartieri.channels.kinds.instagram.fake import IG_USER
from quartieri.channels.models import AccountState, PlatformCredential
from tests.analytics.conftest import (
    DEPRECATED,
    DEPRECATED_PREFIXES,
    connect,
    facebook_post,
    instagram_image,
    published,
    tiktok_video,
)

pytestmark = pytest.mark.django_db


def requested_metrics(fake: FakeServer) -> set[str]:
    """Every metric or field name the fake was asked for on an insights endpoint."""
    names: set[str] = set()
    for request in fake.requests:
        if request.path.endswith("/insights"):
            names |= set(request.param("metric").split(","))
        elif request.path in {"/v2/video/query/", "/v2/user/info/"}:
            names |= set(request.param("fields").split(","))
    return names - {""}


def tokens_used(fake: FakeServer) -> list[str]:
    return [request.bearer_token() for request in fake.requests]


def post_rows(entry: Any) -> dict[str, tuple[str, int, str]]:
    return {m.metric: (m.name, m.value, m.kind) for m in PostMetric.objects.filter(entry=entry)}


def account_rows(account: Any) -> dict[tuple[str, dt.date], int]:
    return {(m.metric, m.day): m.value for m in AccountMetric.objects.filter(account=account)}


def last_days(count: int) -> list[dt.date]:
    today = timezone.localdate()
    return [today - dt.timedelta(days=n) for n in range(count, 0, -1)]


# --- What is stored, per platform --------------------------------------------------------------
def test_tiktok_video_and_account_figures_are_stored(item, fake_tiktok):
    account = connect("tiktok", "@visit.quartieri", token="tok-a")
    video = tiktok_video(fake_tiktok, token="tok-a")
    entry = published(item, account, video)

    [outcome] = insights_pull().outcomes

    assert (outcome.status, outcome.post_rows, outcome.account_rows) == ("ok", 4, 3)
    expected = fake_tiktok.video_figures(video)
    assert post_rows(entry) == {
        "view_count": ("views", expected["view_count"], "total"),
        "like_count": ("likes", expected["like_count"], "total"),
        "comment_count": ("comments", expected["comment_count"], "total"),
        "share_count": ("shares", expected["share_count"], "total"),
    }
    metric = PostMetric.objects.get(entry=entry, metric="view_count")
    assert (metric.day, metric.platform, metric.platform_post_id) == (
        timezone.localdate(),
        "tiktok",
        video,
    )
    assert "video-query" in metric.source
    # TikTok gives the account's running totals only: they are today's.
    today = timezone.localdate()
    assert account_rows(account) == {
        ("follower_count", today): 1010,
        ("likes_count", today): expected["like_count"],
        ("video_count", today): 1,
    }


def test_instagram_media_and_daily_account_figures_are_stored(item, fake_instagram):
    account = connect("instagram", "@visitquartieri", token="ig-a", external_id=IG_USER)
    media = instagram_image(fake_instagram, token="ig-a")
    entry = published(item, account, media)

    [outcome] = insights_pull().outcomes

    assert (outcome.status, outcome.post_rows, outcome.account_rows) == ("ok", 2, 9)
    figures = fake_instagram.media_figures(media)
    assert post_rows(entry) == {
        "views": ("views", figures["views"], "total"),
        "reach": ("reach", figures["reach"], "total"),
    }
    expected = {}
    for day in last_days(3):  # the last three complete days (INSIGHTS_ACCOUNT_DAYS)
        day_figures = fake_instagram.account_day_figures(day)
        for metric in ("reach", "follower_count", "views"):
            expected[(metric, day)] = day_figures[metric]
    assert account_rows(account) == expected
    names = dict(AccountMetric.objects.values_list("metric", "name").distinct())
    assert names == {"reach": "reach", "follower_count": "new_followers", "views": "views"}
    assert set(AccountMetric.objects.values_list("source", flat=True)) == {
        "platform-apis.md §2.4 (Instagram Media / Account Insights)"
    }


def test_facebook_post_and_page_figures_are_stored(item, fake_facebook):
    account = connect("facebook", "Comune di Milano", token="fb-a", external_id=PAGE_ID)
    post = facebook_post(fake_facebook, token="fb-a")
    entry = published(item, account, post)

    [outcome] = insights_pull().outcomes

    assert (outcome.status, outcome.post_rows, outcome.account_rows) == ("ok", 1, 6)
    reach = fake_facebook.page_post_figures(post)["post_total_media_view_unique"]
    assert post_rows(entry) == {"post_total_media_view_unique": ("reach", reach, "total")}
    expected = {}
    for day in last_days(3):
        figures = fake_facebook.page_day_figures(day)
        expected[("page_total_media_view_unique", day)] = figures["page_total_media_view_unique"]
        expected[("page_follows", day)] = figures["page_follows"]
    assert account_rows(account) == expected
    kinds = dict(AccountMetric.objects.values_list("metric", "kind").distinct())
    assert kinds == {"page_total_media_view_unique": "daily", "page_follows": "total"}


@pytest.mark.parametrize("platform", ["tiktok", "instagram", "facebook"])
def test_no_deprecated_metric_name_is_ever_requested(item, platform, request):
    fake = request.getfixturevalue(f"fake_{platform}")
    external_id = {"tiktok": "", "instagram": IG_USER, "facebook": PAGE_ID}[platform]
    account = connect(platform, "@q", token="tok", external_id=external_id)
    make = {"tiktok": tiktok_video, "instagram": instagram_image, "facebook": facebook_post}
    published(item, account, make[platform](fake, token="tok"))

    assert insights_pull().outcomes[0].status == "ok"

    asked = requested_metrics(fake)
    assert asked  # the fake was really asked
    assert not asked & DEPRECATED
    assert not [name for name in asked if name.startswith(DEPRECATED_PREFIXES)]


# --- Running twice ------------------------------------------------------------------------------
def test_pulling_again_the_same_day_updates_figures_and_adds_no_row(item, fake_tiktok):
    account = connect("tiktok", "@visit.quartieri", token="tok-a")
    entry = published(item, account, tiktok_video(fake_tiktok, token="tok-a"))
    insights_pull()
    first = {m.metric: (m.value, m.fetched_at) for m in PostMetric.objects.filter(entry=entry)}
    counts = (PostMetric.objects.count(), AccountMetric.objects.count())

    fake_tiktok.advance_insights(hours=5)  # the video is watched more meanwhile
    insights_pull()

    assert (PostMetric.objects.count(), AccountMetric.objects.count()) == counts == (4, 3)
    for metric in PostMetric.objects.filter(entry=entry):
        value, fetched_at = first[metric.metric]
        assert metric.value > value or metric.metric == "comment_count"
        assert metric.fetched_at > fetched_at
    assert PostMetric.objects.get(entry=entry, metric="view_count").value == (
        first["view_count"][0] + 5 * 40
    )


def test_posts_older_than_the_window_are_not_read(item, fake_tiktok):
    account = connect("tiktok", "@visit.quartieri", token="tok-a")
    recent = published(item, account, tiktok_video(fake_tiktok, token="tok-a"))
    old = published(item, account, tiktok_video(fake_tiktok, token="tok-a"), days_ago=40)

    insights_pull()  # INSIGHTS_POST_DAYS: 28
    assert PostMetric.objects.filter(entry=recent).count() == 4
    assert not PostMetric.objects.filter(entry=old).exists()
    [query] = fake_tiktok.requests_to("video/query")
    assert query.json()["filters"]["video_ids"] == [recent.platform_post_id]

    insights_pull(days=60)
    assert PostMetric.objects.filter(entry=old).count() == 4


# --- Failures -----------------------------------------------------------------------------------
def test_a_rate_limit_on_one_account_leaves_the_others_figures_stored(item, fake_tiktok):
    limited = connect("tiktok", "@alpha", token="tok-a")
    other = connect("tiktok", "@beta", token="tok-b")
    limited_entry = published(item, limited, tiktok_video(fake_tiktok, token="tok-a"))
    other_entry = published(item, other, tiktok_video(fake_tiktok, token="tok-b"))
    # The first query (accounts go in handle order: @alpha) answers 429 Retry-After 600.
    fake_tiktok.inject(FaultKind.RATE_LIMITED, path="video/query", retry_after=600)

    outcomes = {o.account: o for o in insights_pull().outcomes}

    assert outcomes["TikTok @alpha"].status == "rate_limited"
    assert "paused until" in outcomes["TikTok @alpha"].detail
    assert not PostMetric.objects.filter(entry=limited_entry).exists()
    assert not AccountMetric.objects.filter(account=limited).exists()
    paused_until = AccountState.objects.get(account=limited).paused_until
    assert paused_until is not None
    assert paused_until - timezone.now() > dt.timedelta(seconds=590)
    assert (outcomes["TikTok @beta"].status, outcomes["TikTok @beta"].post_rows) == ("ok", 4)
    assert PostMetric.objects.filter(entry=other_entry).count() == 4
    assert AccountMetric.objects.filter(account=other).count() == 3
    assert not AccountState.objects.filter(account=other).exists()

    # The next run leaves the paused account alone, and says so.
    sent_before = tokens_used(fake_tiktok).count("tok-a")
    outcomes = {o.account: o for o in insights_pull().outcomes}
    assert outcomes["TikTok @alpha"].status == "paused"
    assert "paused by a rate limit" in outcomes["TikTok @alpha"].detail
    assert tokens_used(fake_tiktok).count("tok-a") == sent_before
    assert outcomes["TikTok @beta"].status == "ok"


def test_an_expired_token_is_refreshed_once_and_the_figures_stored(item, fake_tiktok):
    account = connect("tiktok", "@visit.quartieri", token="tok-a")
    entry = published(item, account, tiktok_video(fake_tiktok, token="tok-a"))
    fake_tiktok.expire_token("tok-a")

    [outcome] = insights_pull().outcomes

    assert outcome.status == "ok"
    assert len(fake_tiktok.requests_to("/v2/oauth/token/")) == 1
    credential = PlatformCredential.objects.get(account=account)
    assert credential.access_token.startswith("fake-access-")
    assert credential.refresh_token in fake_tiktok.refresh_tokens  # the rotated one was kept
    assert PostMetric.objects.filter(entry=entry).count() == 4
    assert AccountMetric.objects.filter(account=account).count() == 3


def test_a_refused_refresh_flags_the_account_which_later_runs_skip(item, fake_tiktok):
    account = connect("tiktok", "@visit.quartieri", token="tok-a")
    published(item, account, tiktok_video(fake_tiktok, token="tok-a"))
    fake_tiktok.expire_token("tok-a")
    fake_tiktok.refresh_tokens.clear()  # the refresh token was revoked too

    [outcome] = insights_pull().outcomes

    assert outcome.status == "reconnect"
    assert AccountState.objects.get(account=account).reconnect_needed
    assert PlatformCredential.objects.get(account=account).status == "reconnect_needed"
    assert not PostMetric.objects.exists()
    assert len(fake_tiktok.requests_to("/v2/oauth/token/")) == 1
    sent = len(fake_tiktok.requests)
    [again] = insights_pull().outcomes
    assert (again.status, again.detail) == (
        "reconnect",
        "Skipped: a person must reconnect the account first.",
    )
    assert len(fake_tiktok.requests) == sent


def test_a_server_error_is_retried_and_a_lasting_one_fails_only_that_run(
    item, fake_instagram, settings
):
    settings.INSIGHTS_READ_ATTEMPTS = 3
    account = connect("instagram", "@q", token="ig-a", external_id=fake_instagram.ig_user)
    media = instagram_image(fake_instagram, token="ig-a")
    entry = published(item, account, media)
    fake_instagram.inject(FaultKind.SERVER_ERROR, path=f"{media}/insights", times=2)

    [outcome] = insights_pull().outcomes

    assert outcome.status == "ok"
    assert len(fake_instagram.requests_to(f"{media}/insights")) == 3  # 2 errors, then figures
    assert PostMetric.objects.filter(entry=entry).count() == 2

    fake_instagram.inject(FaultKind.SERVER_ERROR, path=f"{media}/insights", times=99)
    [outcome] = insights_pull().outcomes
    assert outcome.status == "failed"
    assert "the next run tries again" in outcome.detail
    assert len(fake_instagram.requests_to(f"{media}/insights")) == 3 + 3
    assert PostMetric.objects.filter(entry=entry).count() == 2  # yesterday's rows stay


def test_a_post_the_platform_will_not_describe_does_not_stop_the_others(item, fake_instagram):
    account = connect("instagram", "@q", token="ig-a", external_id=fake_instagram.ig_user)
    quiet = published(item, account, instagram_image(fake_instagram, token="ig-a"))
    seen = published(item, account, instagram_image(fake_instagram, token="ig-a"))
    # Meta: "(#10) Not enough viewers for the media to show insights" (§2.4).
    fake_instagram.inject(
        FaultKind.PLATFORM_ERROR, path=f"{quiet.platform_post_id}/insights", code=10
    )

    [outcome] = insights_pull().outcomes

    assert (outcome.status, outcome.missing, outcome.post_rows) == ("ok", 1, 2)
    assert not PostMetric.objects.filter(entry=quiet).exists()
    assert PostMetric.objects.filter(entry=seen).count() == 2
    assert AccountMetric.objects.filter(account=account).count() == 9
    assert "code=10" in outcome.detail


def test_an_account_paused_by_the_outbox_is_skipped_and_others_go_on(item, fake_tiktok):
    paused = connect("tiktok", "@alpha", token="tok-a")
    other = connect("tiktok", "@beta", token="tok-b")
    published(item, paused, tiktok_video(fake_tiktok, token="tok-a"))
    published(item, other, tiktok_video(fake_tiktok, token="tok-b"))
    until = timezone.now() + dt.timedelta(hours=1)
    AccountState.objects.create(account=paused, paused_until=until)
    sent = tokens_used(fake_tiktok).count("tok-a")

    outcomes = {o.account: o for o in insights_pull().outcomes}

    assert outcomes["TikTok @alpha"].status == "paused"
    assert timezone.localtime(until).strftime("%H:%M") in outcomes["TikTok @alpha"].detail
    assert tokens_used(fake_tiktok).count("tok-a") == sent
    assert not PostMetric.objects.filter(account=paused).exists()
    assert PostMetric.objects.filter(account=other).count() == 4


def test_account_figures_refused_for_a_missing_permission_keep_the_post_figures(item, fake_tiktok):
    account = connect("tiktok", "@visit.quartieri", token="tok-a")
    entry = published(item, account, tiktok_video(fake_tiktok, token="tok-a"))
    # The account did not grant user.info.stats (§1.1).
    fake_tiktok.inject(
        FaultKind.PLATFORM_ERROR, path="user/info", code="scope_not_authorized", status=401
    )

    [outcome] = insights_pull().outcomes

    assert (outcome.status, outcome.post_rows, outcome.account_rows) == ("partial", 4, 0)
    assert "scope_not_authorized" in outcome.detail
    assert PostMetric.objects.filter(entry=entry).count() == 4
    assert not AccountMetric.objects.exists()
