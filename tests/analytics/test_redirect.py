"""The short-link redirect: answered in front of Django, one event per answered GET."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from quartieri.analytics import edge as edge_module
from quartieri.analytics.links import link_delete, link_for
from quartieri.analytics.tracking import Link, LinkEvent, Period, Rollup
from tests.analytics.conftest import DESKTOP, IPHONE, call

pytestmark = pytest.mark.django_db


@pytest.fixture
def code(measure_settings: Any) -> str:
    url = link_for(target="https://www.yesmilano.it/quartieri", channel="newsletter")
    return url.rsplit("/", 1)[1]


def test_a_get_answers_302_with_utm_and_records_one_event(
    edge: Any, buffer: Any, code: str
) -> None:
    answer = call(
        edge, f"/l/{code}", headers={"User-Agent": IPHONE, "Accept-Language": "de-AT,de;q=0.9"}
    )
    assert answer.status_code == 302
    assert answer.headers["location"] == (
        "https://www.yesmilano.it/quartieri?utm_source=newsletter&utm_medium=email"
    )
    assert answer.headers["cache-control"] == "no-store"
    assert "set-cookie" not in answer.headers
    assert len(buffer) == 1
    assert not LinkEvent.objects.exists()

    buffer.flush_once()
    event = LinkEvent.objects.get()
    assert (event.link.code, event.kind, event.channel) == (code, "click", "newsletter")
    assert (event.device, event.country, event.bot) == ("mobile", "AT", False)
    assert Rollup.objects.filter(link_id=event.link_id, count=1, bots=0).count() == 2  # hour, day


def test_the_redirect_never_waits_on_the_database(
    edge: Any, code: str, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):  # the first answer reads the link once
        assert call(edge, f"/l/{code}").status_code == 302
    with django_assert_num_queries(0):  # then the cache answers; the event waits in memory
        for _ in range(50):
            assert call(edge, f"/l/{code}").status_code == 302


def test_other_paths_go_to_django_untouched(buffer: Any) -> None:
    seen = []

    def app(environ: Any, start_response: Any) -> Any:
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"django"]

    answer = call(edge_module.Edge(app, buffer=buffer), "/campaigns/")
    assert answer.body == b"django"
    assert seen == ["/campaigns/"]


def test_the_served_application_answers_links_in_front_of_django() -> None:
    from django.core.handlers.wsgi import WSGIHandler

    from quartieri.wsgi import application

    assert isinstance(application, edge_module.Edge)
    assert isinstance(application.app, WSGIHandler)


def test_bots_are_counted_apart(edge: Any, buffer: Any, code: str) -> None:
    call(edge, f"/l/{code}", headers={"User-Agent": DESKTOP})
    call(edge, f"/l/{code}", headers={"User-Agent": "facebookexternalhit/1.1"})
    call(edge, f"/l/{code}")  # no user agent at all: a script
    buffer.flush_once()
    day = Rollup.objects.get(period=Period.DAY)
    assert (day.count, day.bots) == (1, 2)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_only_get_and_head_answer(edge: Any, buffer: Any, code: str, method: str) -> None:
    assert call(edge, f"/l/{code}", method=method).status_code == 405
    assert call(edge, f"/l/{code}", method="HEAD").status_code == 302
    assert len(buffer) == 0  # neither a refused method nor HEAD counts


@pytest.mark.parametrize("path", ["/l/nope123", "/l/../admin", "/l/%2F%2Fevil.example", "/l/"])
def test_unknown_or_malformed_codes_answer_404(
    edge: Any, buffer: Any, code: str, path: str
) -> None:
    answer = call(edge, path)
    assert answer.status_code == 404
    assert "location" not in answer.headers
    assert len(buffer) == 0


def test_a_deleted_link_stops_within_the_cache_bound(
    edge: Any, buffer: Any, code: str, monkeypatch: Any, measure_settings: Any
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(edge_module.time, "monotonic", lambda: clock[0])
    assert call(edge, f"/l/{code}").status_code == 302
    link_delete(actor=None, link=Link.objects.get(code=code))
    clock[0] += measure_settings.ANALYTICS_LINK_CACHE_SECONDS - 0.5
    assert call(edge, f"/l/{code}").status_code == 302  # still cached: within the bound
    clock[0] += 1.0
    assert call(edge, f"/l/{code}").status_code == 404
    assert len(buffer) == 2


def test_narrowing_the_allow_list_stops_existing_links(
    edge: Any, buffer: Any, code: str, measure_settings: Any
) -> None:
    measure_settings.LINK_ALLOWED_DOMAINS = ["comune.milano.it"]
    fresh = edge_module.Edge(edge.app, buffer=buffer)
    assert call(fresh, f"/l/{code}").status_code == 404


def test_during_an_outage_known_links_keep_answering(
    edge: Any, buffer: Any, code: str, monkeypatch: Any
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(edge_module.time, "monotonic", lambda: clock[0])
    assert call(edge, f"/l/{code}").status_code == 302

    def database_down(code: str) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(edge_module.LinkCache, "_load", staticmethod(database_down))
    clock[0] += 3600
    assert call(edge, f"/l/{code}").status_code == 302  # the entry known before
    unknown = call(edge, "/l/abcdefg")
    assert unknown.status_code == 503
    assert unknown.headers["retry-after"] == "5"
    assert len(buffer) == 2


def test_djangos_own_handler_gives_the_same_answer(buffer: Any, code: str) -> None:
    client = Client()
    response = client.get(f"/l/{code}", HTTP_USER_AGENT=IPHONE)
    assert response.status_code == 302
    assert response["Location"].startswith("https://www.yesmilano.it/quartieri?utm_source=")
    assert not response.cookies
    assert client.get("/l/zzzzzzz").status_code == 404
    assert len(buffer) == 1


def test_links_stats_counts_people_and_bots_apart_once_flushed(
    edge: Any, buffer: Any, code: str
) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    for agent in (IPHONE, DESKTOP, IPHONE, "Slackbot-LinkExpanding 1.0"):
        call(edge, f"/l/{code}", headers={"User-Agent": agent})
    buffer.flush_once()  # what the flusher does within ANALYTICS_FLUSH_MS
    out = StringIO()
    call_command("links", "stats", code, "--format", "json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert (row["code"], row["clicks"], row["bots"], row["deleted"]) == (code, 3, 1, False)
    with pytest.raises(CommandError, match="no link has the code 'zzzzzzz'") as raised:
        call_command("links", "stats", "zzzzzzz", "--format", "json", stdout=StringIO())
    assert raised.value.returncode == 2
