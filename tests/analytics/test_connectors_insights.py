"""The connectors' insights calls and the fakes' side of the contract."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from quartieri.analytics.metrics import ACCOUNT, POST, catalogue
from quartieri.channels.connectors.base import AccountAuth, MetricReading, PermanentError
from quartieri.channels.kinds.facebook import client as facebook
from quartieri.channels.kinds.facebook.fake import PAGE_ID
from quartieri.channels.kinds.instagram import client as instagram
from quartieri.channels.kinds.instagram.fake import IG_USER
from quartieri.channels.kinds.meta.graph import GRAPH_VERSION
from quartieri.channels.kinds.tiktok import client as tiktok
from quartieri.channels.registry import kind_for
from tests.analytics.conftest import (
    DEPRECATED,
    DEPRECATED_PREFIXES,
    facebook_post,
    instagram_image,
    tiktok_video,
)


def test_every_metric_the_connectors_ask_for_is_catalogued_and_current():
    asked = {
        ("tiktok", POST): tiktok.VIDEO_METRICS,
        ("tiktok", ACCOUNT): tiktok.ACCOUNT_METRICS,
        ("instagram", POST): instagram.MEDIA_METRICS,
        ("instagram", ACCOUNT): instagram.ACCOUNT_DAILY_METRICS + instagram.ACCOUNT_TOTAL_METRICS,
        ("facebook", POST): facebook.POST_METRICS,
        ("facebook", ACCOUNT): facebook.PAGE_METRICS,
    }
    pairs = {
        (platform, scope, name) for (platform, scope), names in asked.items() for name in names
    }
    # Kinds with a connector read their figures from the platform; the city's own kinds
    # (screens, website, posters …) count theirs here, through measure sources.
    read = {key for key in catalogue() if kind_for(key[0]).connector}
    assert pairs == read
    own = {key[0] for key in set(catalogue()) - read}
    assert own
    assert not own & {platform for platform, _scope in asked}
    names = {name for _platform, _scope, name in pairs}
    assert not names & DEPRECATED
    assert not [name for name in names if name.startswith(DEPRECATED_PREFIXES)]


def test_tiktok_queries_videos_as_the_display_api_documents(fake_tiktok):
    video = tiktok_video(fake_tiktok, token="tok")
    connector = tiktok.TikTokConnector(auth=AccountAuth("tok"), base_url=fake_tiktok.url)
    try:
        readings = connector.post_insights(post_ids=[video, "7300000000000009999"])
    finally:
        connector.close()

    [query] = fake_tiktok.requests_to("video/query")
    assert query.method == "POST"
    assert query.query["fields"] == ["id,view_count,like_count,comment_count,share_count"]
    assert query.json() == {"filters": {"video_ids": [video, "7300000000000009999"]}}
    assert query.headers["Authorization"] == "Bearer tok"
    figures = fake_tiktok.video_figures(video)
    # The unknown id is simply absent from the answer.
    assert readings == [MetricReading(name, figures[name], object_id=video) for name in figures]


def test_tiktok_refuses_more_than_twenty_ids_before_sending(fake_tiktok):
    connector = tiktok.TikTokConnector(auth=AccountAuth("tok"), base_url=fake_tiktok.url)
    try:
        with pytest.raises(ValueError, match="at most 20"):
            connector.post_insights(post_ids=[str(n) for n in range(21)])
    finally:
        connector.close()
    assert fake_tiktok.requests_to("video/query") == []


def test_facebook_reads_page_figures_per_day_and_skips_video_ids(fake_facebook):
    post = facebook_post(fake_facebook, token="fb")
    connector = facebook.FacebookConnector(
        auth=AccountAuth("fb", account_id=PAGE_ID), base_url=fake_facebook.url
    )
    try:
        posts = connector.post_insights(post_ids=[post, "900000001"])
        page = connector.account_insights(
            first_day=dt.date(2026, 11, 20), last_day=dt.date(2026, 11, 21)
        )
    finally:
        connector.close()

    assert [r.object_id for r in posts] == [post]  # the video id was not asked about
    [asked] = fake_facebook.requests_to(f"{PAGE_ID}/insights")
    assert asked.query == {
        "metric": ["page_total_media_view_unique,page_follows"],
        "period": ["day"],
        "since": ["2026-11-20"],
        "until": ["2026-11-22"],
    }
    assert sorted((r.metric, r.day) for r in page) == [
        ("page_follows", dt.date(2026, 11, 20)),
        ("page_follows", dt.date(2026, 11, 21)),
        ("page_total_media_view_unique", dt.date(2026, 11, 20)),
        ("page_total_media_view_unique", dt.date(2026, 11, 21)),
    ]


@pytest.mark.parametrize(
    "metric",
    [
        "impressions",
        "plays",
        "clips_replays_count",
        "ig_reels_aggregated_all_plays_count",
        "video_views",
    ],
)
def test_the_instagram_fake_refuses_deprecated_media_metrics(fake_instagram, metric):
    media = instagram_image(fake_instagram, token="ig")
    answer = httpx.get(
        f"{fake_instagram.url}/{GRAPH_VERSION}/{media}/insights",
        params={"metric": f"reach,{metric}"},
        headers={"Authorization": "Bearer ig"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100


@pytest.mark.parametrize(
    ("node", "metric"),
    [
        ("page", "page_impressions_unique"),
        ("page", "page_fans"),
        ("page", "page_engaged_users"),
        ("post", "post_impressions_unique"),
    ],
)
def test_the_facebook_fake_refuses_deprecated_metrics_and_the_connector_says_so(
    fake_facebook, node, metric
):
    post = facebook_post(fake_facebook, token="fb")
    connector = facebook.FacebookConnector(
        auth=AccountAuth("fb", account_id=PAGE_ID), base_url=fake_facebook.url
    )
    try:
        with pytest.raises(PermanentError) as refused:
            connector.graph(
                "GET",
                f"{PAGE_ID if node == 'page' else post}/insights",
                params={"metric": metric, "period": "day" if node == "page" else "lifetime"},
            )
    finally:
        connector.close()
    assert "code=100" in refused.value.detail
    assert "valid insights metric" in refused.value.detail


def test_the_tiktok_fake_refuses_fields_that_are_not_video_fields(fake_tiktok):
    video = tiktok_video(fake_tiktok, token="tok")
    answer = httpx.post(
        f"{fake_tiktok.url}/v2/video/query/",
        params={"fields": "id,play_count"},
        json={"filters": {"video_ids": [video]}},
        headers={"Authorization": "Bearer tok"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_params"


def test_instagram_asks_account_views_one_day_at_a_time_as_a_total(fake_instagram):
    instagram_image(fake_instagram, token="ig")
    connector = instagram.InstagramConnector(
        auth=AccountAuth("ig", account_id=IG_USER), base_url=fake_instagram.url
    )
    try:
        readings = connector.account_insights(
            first_day=dt.date(2026, 11, 20), last_day=dt.date(2026, 11, 21)
        )
    finally:
        connector.close()

    asked = [r.query for r in fake_instagram.requests_to(f"{IG_USER}/insights")]
    assert asked[0]["metric"] == ["reach,follower_count"]
    assert [(q.get("metric_type"), q["since"], q["until"]) for q in asked[1:]] == [
        (["total_value"], ["2026-11-20"], ["2026-11-21"]),
        (["total_value"], ["2026-11-21"], ["2026-11-22"]),
    ]
    views = {r.day: r.value for r in readings if r.metric == "views"}
    assert views == {
        day: fake_instagram.account_day_figures(day)["views"]
        for day in (dt.date(2026, 11, 20), dt.date(2026, 11, 21))
    }
