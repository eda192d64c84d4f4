"""Staff pages: who may see and change what, the playlist editor without JavaScript,
push now, the next-hour preview, proof of play and the campaign report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from quartieri.accounts.models import AuditEvent
from quartieri.screens import services
from quartieri.screens.models import Display, Play, Playlist, Slide
from tests.screens.conftest import play, upload

pytestmark = pytest.mark.django_db

READ_PAGES = [
    "/screens/",
    "/screens/displays/{display}/",
    "/screens/groups/",
    "/screens/slides/",
    "/screens/slides/{slide}/",
    "/screens/playlists/",
    "/screens/playlists/{playlist}/",
    "/screens/schedules/",
    "/screens/report/",
]


def urls(pages, display, playlist):
    slide = playlist.items.first().slide_id
    return [p.format(display=display.pk, slide=slide, playlist=playlist.pk) for p in pages]


def test_the_analyst_reads_every_page_but_never_sees_a_player_address(
    client_for, analyst, display, playlist
):
    client = client_for(analyst)
    token = services.display_player_path(display).split("/")[-2]
    for url in urls(READ_PAGES, display, playlist):
        response = client.get(url)
        assert response.status_code == 200, url
        assert token not in response.content.decode(), url
    assert "Open the player" not in client.get(f"/screens/displays/{display.pk}/").content.decode()


@pytest.mark.parametrize("person", ["analyst", "editor"])
def test_without_the_screens_capability_nothing_changes(
    request, client_for, person, display, playlist
):
    client = client_for(request.getfixturevalue(person))
    before = (
        Display.objects.get(pk=display.pk).token_hash,
        Display.objects.get(pk=display.pk).revision,
        AuditEvent.objects.count(),
    )
    order = list(playlist.items.values_list("slide_id", flat=True))
    posts = [
        (f"/screens/displays/{display.pk}/rotate/", {}),
        ("/screens/push/", {}),
        (f"/screens/displays/{display.pk}/active/", {"active": "0"}),
        (
            f"/screens/playlists/{playlist.pk}/",
            {"row": ["1"], "slide_1": str(order[0]), "seconds_1": "5"},
        ),
        ("/screens/playlists/", {"name": "Mine"}),
        ("/screens/groups/", {"name": "Mine"}),
        (
            "/screens/displays/new/",
            {"name": "X", "width": 1920, "height": 1080, "orientation": "landscape"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    fresh = Display.objects.get(pk=display.pk)
    assert (fresh.token_hash, fresh.revision, AuditEvent.objects.count()) == before
    assert list(playlist.items.values_list("slide_id", flat=True)) == order
    assert Playlist.objects.count() == 1


def test_an_approver_places_a_display_at_a_stop_and_opens_its_player(
    client_for, approver, stop, group
):
    client = client_for(approver)
    response = client.post(
        "/screens/displays/new/",
        {
            "name": "New one",
            "place": stop.pk,
            "width": 1080,
            "height": 1920,
            "orientation": "portrait",
            "groups": [group.pk],
        },
    )
    display = Display.objects.get(name="New one")
    assert response.status_code == 302
    assert (display.lat, display.lon, display.neighbourhood_id) == (
        stop.lat,
        stop.lon,
        stop.neighbourhood_id,
    )
    page = client.get(f"/screens/displays/{display.pk}/").content.decode()
    assert f'href="{services.display_player_path(display)}"' in page


def test_a_contradictory_display_is_refused_on_the_form(client_for, approver):
    response = client_for(approver).post(
        "/screens/displays/new/",
        {"name": "Bad", "width": 1080, "height": 1920, "orientation": "landscape"},
    )
    assert response.status_code == 400
    assert "A landscape display is at least as wide as it is tall" in response.content.decode()
    assert Display.objects.count() == 0


def test_rotate_and_push_from_the_display_page(client_for, approver, display):
    client = client_for(approver)
    old = services.display_player_path(display)
    client.post(f"/screens/displays/{display.pk}/rotate/")
    assert services.display_player_path(Display.objects.get(pk=display.pk)) != old
    client.post("/screens/push/", {"display": display.pk})
    assert Display.objects.get(pk=display.pk).revision == 2  # the rotation, then the push


def editor_post(playlist, **extra):
    items = list(playlist.items.order_by("position"))
    data = {"row": [str(n) for n in range(1, len(items) + 1)]}
    for n, item in enumerate(items, start=1):
        data[f"slide_{n}"] = str(item.slide_id)
        data[f"seconds_{n}"] = str(item.duration_seconds)
    return data | extra


def names(playlist):
    return [
        (i.slide.name, i.duration_seconds)
        for i in playlist.items.order_by("position").select_related("slide")
    ]


def test_the_editor_moves_times_removes_and_adds_without_javascript(
    client_for, approver, playlist, make_slide
):
    client = client_for(approver)
    url = f"/screens/playlists/{playlist.pk}/"
    assert client.post(url, editor_post(playlist, move="1:down")).status_code == 302
    assert names(playlist) == [("B", 10), ("A", 10)]
    client.post(url, editor_post(playlist, seconds_2="7"))
    assert names(playlist) == [("B", 10), ("A", 7)]
    c = make_slide("C")
    client.post(url, editor_post(playlist, remove=["1"], add="1", slide=c.pk, seconds=4))
    assert names(playlist) == [("A", 7), ("C", 4)]


def test_a_bad_duration_is_refused_and_the_list_stays(client_for, approver, playlist):
    response = client_for(approver).post(
        f"/screens/playlists/{playlist.pk}/", editor_post(playlist, seconds_1="0")
    )
    assert response.status_code == 400
    assert "a slide plays from 1 to 3600 seconds" in response.content.decode()
    assert names(playlist) == [("A", 10), ("B", 10)]


def test_a_wrong_file_is_refused_on_the_slide_form_with_the_reason(client_for, approver, settings):
    response = client_for(approver).post(
        "/screens/slides/new/",
        {
            "kind": "image",
            "name": "Bad",
            "alt_text": "x",
            "duration_seconds": 10,
            "upload": upload(b"%PDF-1.4", "flyer.jpg"),
        },
    )
    assert response.status_code == 400
    assert "flyer.jpg: not a JPEG, PNG or WebP image" in response.content.decode()
    assert Slide.objects.filter(name="Bad").count() == 0


def test_the_display_page_shows_its_next_hour_and_its_plays(
    client_for, analyst, display, playlist, player
):
    a = Slide.objects.get(name="A")
    start = timezone.now() - dt.timedelta(seconds=30)
    player("plays", method="post", body={"plays": [play("v1", a.pk, start)]})
    page = client_for(analyst).get(f"/screens/displays/{display.pk}/")
    preview = page.context["preview"]
    assert [row.slide.name for row in preview[:4]] == ["A", "B", "A", "B"]
    assert len(preview) == 360  # 20 s a loop, an hour
    assert [play.uid for play in page.context["plays"]] == ["v1"]


def test_the_campaign_report_page_counts_plays(
    client_for, analyst, display, playlist, player, campaign
):
    a = Slide.objects.get(name="A")
    start = timezone.now() - dt.timedelta(seconds=30)
    player("plays", method="post", body={"plays": [play("w1", a.pk, start)]})
    page = client_for(analyst).get(f"/screens/report/?campaign={campaign.pk}")
    assert page.context["total_plays"] == 1
    assert "Borgo" in page.content.decode()
    assert Play.objects.count() == 1


def test_a_channel_playlist_is_read_only(client_for, approver, db):
    from quartieri.channels.models import ChannelAccount
    from quartieri.channels.registry import Platform

    account = ChannelAccount.objects.create(platform=Platform.SCREENS, handle="screens")
    group = services.group_create(actor=None, name="All", account=account)
    playlist = Playlist.objects.get(channel_group=group)
    client = client_for(approver)
    assert client.post(f"/screens/playlists/{playlist.pk}/", {"row": []}).status_code == 403
    assert (
        "Change them in the editorial calendar"
        in client.get(f"/screens/playlists/{playlist.pk}/").content.decode()
    )


def test_a_preview_is_made_only_at_a_resolution_in_use(client_for, analyst, display, playlist):
    from quartieri.screens.models import Rendition

    client = client_for(analyst)
    slide = playlist.items.first().slide_id
    assert (
        client.get(f"/screens/slides/{slide}/preview/1280x720")["Content-Type"] == "image/svg+xml"
    )
    assert client.get(f"/screens/slides/{slide}/preview/1281x720").status_code == 404
    assert list(Rendition.objects.values_list("width", "height")) == [(1280, 720)]


def test_the_home_page_has_the_screens_card(client_for, analyst, display):
    page = client_for(analyst).get("/").content.decode()
    assert "City screens" in page
    assert "Not seen recently" in page


def test_editing_a_slide_on_its_form_audits_the_old_and_new_text(client_for, approver, playlist):
    slide = Slide.objects.get(name="A")
    response = client_for(approver).post(
        f"/screens/slides/{slide.pk}/edit/",
        {"name": "A", "alt_text": "A, renamed", "title": "A new title", "duration_seconds": 10},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="screens.slide.update").get()
    assert (event.before["title"], event.after["title"]) == ("A", "A new title")
    assert event.actor == approver
