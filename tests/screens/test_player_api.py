"""The player's URLs: token checks, the manifest with ETag/304, files, proof of play."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quartieri.screens import services
from quartieri.screens.models import Display, Play, Playlist, Slide
from tests.screens.conftest import play

pytestmark = pytest.mark.django_db


# --- Tokens --------------------------------------------------------------------------------
PATHS = ["", "sw.js", "manifest.json", "files/r/1/x.svg"]


@pytest.mark.parametrize("path", PATHS)
def test_a_wrong_token_sees_nothing_and_is_logged_without_the_address(path, display, caplog):
    client = Client(REMOTE_ADDR="203.0.113.7")
    with caplog.at_level(logging.WARNING, logger="quartieri.screens.player"):
        response = client.get(f"/screens/player/not-a-token/{path}")
    assert response.status_code == 404
    assert b"Borgo" not in response.content
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "an unknown token" in logged
    assert "203.0.113.7" not in logged
    assert "not-a-token" not in logged
    assert Display.objects.get(pk=display.pk).last_seen_at is None


def test_after_rotation_the_old_address_sees_nothing_and_the_new_one_plays(
    display, playlist, caplog
):
    old = services.display_player_path(display)
    client = Client()
    assert client.get(old + "manifest.json").status_code == 200
    services.display_rotate_token(actor=None, display=display)
    new = services.display_player_path(Display.objects.get(pk=display.pk))
    with caplog.at_level(logging.WARNING, logger="quartieri.screens.player"):
        assert client.get(old + "manifest.json").status_code == 404
        assert (
            client.post(
                old + "plays", data='{"plays": []}', content_type="application/json"
            ).status_code
            == 404
        )
    assert f"a retired token of display {display.pk}" in caplog.text
    assert new != old
    assert client.get(new + "manifest.json").status_code == 200


def test_a_revoked_display_sees_nothing(display, playlist, player):
    services.display_update(actor=None, display=display, active=False)
    assert player("manifest.json").status_code == 404
    assert player("").status_code == 404


def test_the_token_is_never_stored_in_clear(display):
    token = services.display_player_path(display).rstrip("/").rsplit("/", 1)[-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token_hash, token_secret FROM screens_display WHERE id = %s", [display.pk]
        )
        stored = cursor.fetchone()
    assert token not in " ".join(stored)
    assert stored[0] == services.token_hash(token)


# --- The page ------------------------------------------------------------------------------
def test_the_page_asks_nothing_of_another_origin_and_needs_no_cookie(display, player):
    response = player("")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "img-src 'self' blob:",
    ):
        assert directive in csp
    assert "http" not in csp  # no other origin, not even the map tiles
    assert response["Referrer-Policy"] == "no-referrer"
    assert 'id="stage"' in response.content.decode()
    assert 'data-slide=""' in response.content.decode()
    assert not response.cookies


def test_the_service_worker_is_scoped_to_the_player_and_caches_its_shell(display, player):
    response = player("sw.js")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/javascript")
    path = services.display_player_path(display)
    assert f'"{path}"' in body
    assert "player.js" in body
    assert "player.css" in body


# --- The manifest ---------------------------------------------------------------------------
def test_the_manifest_lists_the_schedule_and_files_at_the_display_resolution(
    display, playlist, player
):
    response = player("manifest.json", **{"X-Player-Version": "1"})
    assert response.status_code == 200
    body = response.json()
    slide_a, slide_b = (item.slide for item in playlist.items.order_by("position"))
    assert body["display"] == {"id": display.pk, "name": "Borgo M9", "width": 1280, "height": 720}
    assert body["timeline"][0]["items"] == [[slide_a.pk, 10], [slide_b.pk, 10]]
    now_ms = timezone.now().timestamp() * 1000
    assert body["timeline"][0]["from"] <= now_ms < body["timeline"][0]["to"]
    file_url = body["slides"][str(slide_a.pk)]["url"]
    svg = player(file_url)
    assert svg["Content-Type"] == "image/svg+xml"
    assert b'width="1280" height="720"' in b"".join(svg.streaming_content)
    assert "immutable" in svg["Cache-Control"]
    seen = Display.objects.get(pk=display.pk)
    assert seen.last_seen_at is not None
    assert seen.software_version == "1"


def test_an_unchanged_manifest_is_answered_304_in_one_query(display, playlist, player):
    etag = player("manifest.json")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = player("manifest.json", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert not again.content
    # The display with the content version; "last seen" is not written again within 10 s.
    assert len(queries) == 1


def test_a_changed_playlist_gives_a_new_manifest(display, playlist, player, make_slide):
    etag = player("manifest.json")["ETag"]
    c = make_slide("C")
    services.playlist_set_items(actor=None, playlist=playlist, items=[(c, 5)])
    response = player("manifest.json", **{"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.json()["timeline"][0]["items"] == [[c.pk, 5]]


def test_a_change_elsewhere_rebuilds_but_still_answers_304(display, playlist, player, make_slide):
    etag = player("manifest.json")["ETag"]
    other = services.playlist_create(actor=None, name="Elsewhere")
    services.playlist_set_items(actor=None, playlist=other, items=[(make_slide("Z"), 5)])
    assert player("manifest.json", **{"If-None-Match": etag}).status_code == 304


def test_push_now_changes_the_manifest_and_the_next_report_says_so(display, playlist, player):
    etag = player("manifest.json")["ETag"]
    answer = player("plays", method="post", body={"plays": []}, **{"X-Manifest-ETag": etag}).json()
    assert answer["refresh"] is False
    services.display_push(actor=None, displays=[display])
    answer = player("plays", method="post", body={"plays": []}, **{"X-Manifest-ETag": etag}).json()
    assert answer["refresh"] is True
    fresh = player("manifest.json", **{"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.json()["revision"] == 1


def test_an_unreadable_slide_is_left_out_and_the_default_stays(
    display, playlist, player, make_slide, settings
):
    default = make_slide("Default", is_default=True)
    broken = Slide.objects.get(name="A")
    Slide.objects.filter(pk=broken.pk).update(kind=Slide.Kind.IMAGE)  # an image slide with no file
    body = player("manifest.json").json()
    b = Slide.objects.get(name="B")
    assert body["timeline"][0]["items"] == [[b.pk, 10]]
    assert body["default"] == default.pk
    assert str(default.pk) in body["slides"]


def test_nothing_scheduled_gives_an_empty_timeline(display, player):
    body = player("manifest.json").json()
    assert body["timeline"] == []
    assert body["default"] is None


# --- Proof of play --------------------------------------------------------------------------
def test_a_batch_keeps_its_valid_plays_and_says_why_it_refused_the_others(
    display, playlist, player
):
    a = Slide.objects.get(name="A")
    now = timezone.now()
    batch = [
        play("p1", a.pk, now - dt.timedelta(seconds=30)),
        play("p2", a.pk, now - dt.timedelta(seconds=20), seconds=-5),  # ends before it starts
        play("p3", 999_999, now - dt.timedelta(seconds=15)),  # unknown slide
        play("p4", a.pk, now + dt.timedelta(hours=1)),  # in the future
        play("p5", a.pk, now - dt.timedelta(days=400)),  # before the display existed
        {"id": "p6", "slide": a.pk, "from": "yesterday", "to": "today"},
        play("p7", a.pk, now - dt.timedelta(hours=3), seconds=7200),  # longer than any slide
        "not a play",
        play("p8", a.pk, now - dt.timedelta(seconds=10)),
    ]
    answer = player("plays", method="post", body={"plays": batch}).json()
    assert answer["accepted"] == 2
    assert answer["duplicates"] == 0
    reasons = {r["index"]: (r["id"], r["reason"]) for r in answer["rejected"]}
    assert reasons == {
        1: ("p2", "ends before it starts"),
        2: ("p3", "slide 999999 does not exist"),
        3: ("p4", "ends in the future"),
        4: ("p5", "starts before the display was registered"),
        5: ("p6", "from/to are not ISO 8601 times with a time zone"),
        6: ("p7", "lasts 7200 s, longer than any slide (3600 s)"),
        7: ("", "not an object"),
    }
    stored = Play.objects.filter(display=display).order_by("started_at")
    assert [(p.uid, p.slide_id, p.neighbourhood_id, p.campaign_id) for p in stored] == [
        ("p1", a.pk, display.neighbourhood_id, a.campaign_id),
        ("p8", a.pk, display.neighbourhood_id, a.campaign_id),
    ]


def test_a_batch_sent_twice_is_stored_once(display, playlist, player):
    a = Slide.objects.get(name="A")
    now = timezone.now()
    batch = [play(f"x{n}", a.pk, now - dt.timedelta(seconds=100 - 10 * n)) for n in range(5)]
    first = player("plays", method="post", body={"plays": batch}).json()
    again = player(
        "plays",
        method="post",
        body={"plays": batch + [play("x9", a.pk, now - dt.timedelta(seconds=5), 2)]},
    ).json()
    assert (first["accepted"], first["duplicates"]) == (5, 0)
    assert (again["accepted"], again["duplicates"]) == (1, 5)
    assert Play.objects.filter(display=display).count() == 6


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("not json", 400),
        ({"plays": "nope"}, 400),
        ({"nothing": []}, 400),
    ],
    ids=["not_json_case", "not_a_list_case", "no_plays_case"],
)
def test_a_malformed_batch_is_refused_whole_and_writes_nothing(display, player, body, status):
    response = player("plays", method="post", body=body)
    assert response.status_code == status
    assert "plays" in response.json()["error"]
    assert Play.objects.count() == 0


def test_a_batch_too_large_is_refused_with_the_limit(display, playlist, player):
    a = Slide.objects.get(name="A")
    start = timezone.now() - dt.timedelta(hours=2)
    batch = [play(f"b{n}", a.pk, start + dt.timedelta(seconds=10 * n)) for n in range(501)]
    response = player("plays", method="post", body={"plays": batch})
    assert response.status_code == 413
    assert response.json()["error"] == "at most 500 plays per batch, got 501"
    assert Play.objects.count() == 0


def test_proof_of_play_needs_no_csrf_token_but_a_valid_token(display, playlist):
    client = Client(enforce_csrf_checks=True)
    path = services.display_player_path(display)
    assert (
        client.post(
            path + "plays", data='{"plays": []}', content_type="application/json"
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/screens/player/wrong/plays", data='{"plays": []}', content_type="application/json"
        ).status_code
        == 404
    )


def test_the_report_of_a_campaign_counts_plays_per_slide_per_neighbourhood(
    display, playlist, player, campaign
):
    from quartieri.screens.selectors import campaign_play_report

    a, b = Slide.objects.get(name="A"), Slide.objects.get(name="B")
    now = timezone.now()
    batch = [
        play("r1", a.pk, now - dt.timedelta(seconds=60)),
        play("r2", b.pk, now - dt.timedelta(seconds=50), 5),
        play("r3", a.pk, now - dt.timedelta(seconds=45)),
    ]
    player("plays", method="post", body={"plays": batch})
    rows = campaign_play_report(campaign_id=campaign.pk)
    assert [(r.slide_name, r.neighbourhood, r.plays, r.seconds) for r in rows] == [
        ("A", "testa-1-borgo", 2, 20.0),
        ("B", "testa-1-borgo", 1, 5.0),
    ]
    assert Playlist.objects.count() == 1


# --- What a manifest and a batch of plays cost ------------------------------------------------
def _slide_reads(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]


def test_a_manifest_build_reads_the_renditions_of_all_its_slides_at_once(
    display, playlist, make_slide
):
    from quartieri.screens import manifest

    now = timezone.now()
    manifest.manifest_build(display, now=now)  # draws the renditions
    with CaptureQueriesContext(connection) as two:
        manifest.manifest_build(display, now=now)
    more = [make_slide(name) for name in "CDEF"]
    items = [(item.slide, 10) for item in playlist.items.order_by("position")]
    services.playlist_set_items(actor=None, playlist=playlist, items=items + [(s, 5) for s in more])
    built = manifest.manifest_build(display, now=now)  # draws the new slides' renditions
    with CaptureQueriesContext(connection) as six:
        again = manifest.manifest_build(display, now=now)
    assert again.etag == built.etag
    assert len(_slide_reads(six)) == len(_slide_reads(two))


def test_a_batch_of_plays_reads_its_slides_once(display, playlist, player, make_slide):
    slides = [Slide.objects.get(name="A"), Slide.objects.get(name="B"), make_slide("C")]
    now = timezone.now()
    batch = [play(f"s{n}", s.pk, now - dt.timedelta(seconds=60 - n)) for n, s in enumerate(slides)]
    with CaptureQueriesContext(connection) as queries:
        answer = player("plays", method="post", body={"plays": batch}).json()
    assert answer["accepted"] == 3
    plain_slide_reads = [
        sql
        for sql in _slide_reads(queries)
        if 'FROM "screens_slide"' in sql and "JOIN" not in sql.split("WHERE")[0]
    ]
    assert len(plain_slide_reads) == 1
    assert set(Play.objects.values_list("slide_id", "campaign_id")) == {
        (s.pk, s.campaign_id) for s in slides
    }
