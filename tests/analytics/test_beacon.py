"""The page-view beacon (contract 2): cookieless, unique per day, refusing what is wrong."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from quartieri.analytics import edge as edge_module
from quartieri.analytics.sink import ALL_SITES
from quartieri.analytics.tracking import DailySalt, EventKind, PageView, Period, Rollup
from quartieri.analytics.upkeep import measurements_prune
from tests.analytics.conftest import DESKTOP, IPHONE, SITE, call

pytestmark = pytest.mark.django_db

PAGE = f"{SITE}/isola/en/?utm_source=posters&utm_medium=print&utm_campaign=quartieri-2021"


def beacon(
    edge: Any,
    data: Any = None,
    *,
    origin: str = SITE,
    user_agent: str = IPHONE,
    address: str = "203.0.113.7",
    content_type: str = "text/plain;charset=UTF-8",
    extra: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Any:
    payload = {"u": PAGE, "r": "https://www.instagram.com/p/xyz?igsh=abc", "s": "isola", "l": "en"}
    raw = body if body is not None else json.dumps(payload if data is None else data).encode()
    headers = {"Origin": origin, "User-Agent": user_agent, "Content-Type": content_type}
    headers |= extra or {}
    return call(edge, "/a/pv", method="POST", headers=headers, body=raw, address=address)


def rollup(kind: str, site: str = "isola") -> int:
    return sum(
        Rollup.objects.filter(period=Period.DAY, kind=kind, neighbourhood=site).values_list(
            "count", flat=True
        )
    )


def test_a_page_view_is_answered_204_with_cors_and_kept_with_referrer_and_utm(
    edge: Any, buffer: Any
) -> None:
    answer = beacon(edge)
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == SITE
    assert "set-cookie" not in answer.headers
    buffer.flush_once()
    view = PageView.objects.get()
    assert (view.neighbourhood, view.language, view.path) == ("isola", "en", "/isola/en/")
    assert view.referrer == "www.instagram.com"  # the host only: no path, no query
    assert (view.utm_source, view.utm_medium, view.utm_campaign) == (
        "posters",
        "print",
        "quartieri-2021",
    )
    assert rollup(EventKind.PAGEVIEW) == 1
    assert rollup(EventKind.VISITOR) == 1


def test_a_visitor_counts_once_a_day_and_again_the_next_day(
    edge: Any, buffer: Any, monkeypatch: Any
) -> None:
    rome = timezone.get_current_timezone()
    clock = [dt.datetime(2021, 6, 1, 10, 0, tzinfo=rome).timestamp()]
    monkeypatch.setattr(edge_module.time, "time", lambda: clock[0])
    beacon(edge)
    beacon(edge)  # the same phone again, same day
    beacon(edge, user_agent=DESKTOP)  # same address, another browser: another visitor
    beacon(edge, address="198.51.100.20")  # another address
    clock[0] += 24 * 3600  # the next day: a new salt, so the first phone counts again
    beacon(edge)
    buffer.flush_once()
    visitors = {
        timezone.localtime(r.start).date(): r.count
        for r in Rollup.objects.filter(kind=EventKind.VISITOR, neighbourhood="isola")
    }
    assert visitors == {dt.date(2021, 6, 1): 3, dt.date(2021, 6, 2): 1}
    assert rollup(EventKind.PAGEVIEW) == 5
    assert rollup(EventKind.VISITOR, site=ALL_SITES) == 4
    salts = list(DailySalt.objects.order_by("day").values_list("salt", flat=True))
    assert len(salts) == 2
    assert salts[0] != salts[1]


def test_salts_and_visitor_keys_are_deleted_after_a_day(
    edge: Any, buffer: Any, monkeypatch: Any
) -> None:
    rome = timezone.get_current_timezone()
    start = dt.datetime(2021, 6, 1, 10, 0, tzinfo=rome)
    clock = [start.timestamp()]
    monkeypatch.setattr(edge_module.time, "time", lambda: clock[0])
    beacon(edge)
    buffer.flush_once()
    measurements_prune(now=start + dt.timedelta(days=1))  # the next day: kept
    assert DailySalt.objects.count() == 1
    report = measurements_prune(now=start + dt.timedelta(days=2))  # two days on: gone
    assert (report.salts, report.visitor_keys) == (1, 2)  # the site's key and all sites'
    assert not DailySalt.objects.exists()
    assert rollup(EventKind.VISITOR) == 1  # the count stays


@pytest.mark.parametrize("header", [{"DNT": "1"}, {"Sec-GPC": "1"}])
def test_do_not_track_and_global_privacy_control_are_honoured(
    edge: Any, buffer: Any, header: dict[str, str]
) -> None:
    answer = beacon(edge, extra=header)
    assert answer.status_code == 204
    assert len(buffer) == 0


def test_bots_are_not_visitors(edge: Any, buffer: Any) -> None:
    assert beacon(edge, user_agent="Mozilla/5.0 (compatible; Googlebot/2.1)").status_code == 204
    assert beacon(edge, user_agent="").status_code == 204
    assert len(buffer) == 0


@pytest.mark.parametrize(
    ("options", "status"),
    [
        ({"origin": "https://evil.example"}, 403),
        ({"origin": ""}, 403),
        ({"content_type": "application/json"}, 415),
        ({"content_type": "text/plain;charset=latin-1"}, 415),
        ({"body": b"{" + b" " * 5000 + b"}"}, 413),
        ({"body": b"not json"}, 400),
        ({"body": b"\xff\xfe"}, 400),
        ({"data": ["u", "r"]}, 400),
        ({"data": {"u": "https://evil.example/x", "s": "isola"}}, 400),
        ({"data": {"u": "javascript:alert(1)"}}, 400),
        ({"data": {"u": PAGE, "s": "<script>"}}, 400),
        ({"data": {"u": PAGE, "l": "english please"}}, 400),
        ({"data": {"u": PAGE, "r": 42}}, 400),
        ({"data": {"u": 42}}, 400),
    ],
)
def test_malformed_beacons_get_4xx_and_write_nothing(
    edge: Any, buffer: Any, options: dict[str, Any], status: int
) -> None:
    answer = beacon(edge, **options)
    assert answer.status_code == status
    assert "access-control-allow-origin" not in answer.headers
    assert len(buffer) == 0
    buffer.drain()
    assert not PageView.objects.exists()
    assert not Rollup.objects.exists()


def test_a_huge_body_without_a_length_is_refused_too(edge: Any, buffer: Any) -> None:
    headers = {"Origin": SITE, "Content-Type": "text/plain"}
    answer = call(
        edge, "/a/pv", method="POST", headers=headers, body=b"x" * 100_000, content_length=False
    )
    assert answer.status_code == 413
    assert len(buffer) == 0


def test_the_preflight_of_an_allowed_site_is_answered(edge: Any, buffer: Any) -> None:
    answer = call(edge, "/a/pv", method="OPTIONS", headers={"Origin": SITE})
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-methods"] == "POST"
    assert call(edge, "/a/pv", method="GET", headers={"Origin": SITE}).status_code == 405


def test_djangos_own_handler_takes_beacons_without_cookies_or_csrf(buffer: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/a/pv",
        data=json.dumps({"u": PAGE, "r": "", "s": "isola", "l": "en"}),
        content_type="text/plain;charset=UTF-8",
        HTTP_ORIGIN=SITE,
        HTTP_USER_AGENT=IPHONE,
    )
    assert response.status_code == 204
    assert not response.cookies
    assert len(buffer) == 1
    assert client.post("/a/pv", data="{}", content_type="text/plain").status_code == 403
